//! A VTODO (RFC 5545 3.6.2) as an EAS task (MS-ASTASK 2.2.2), the inverse of `export::todo`:
//! SUMMARY, DESCRIPTION, DTSTART and DUE, completion (STATUS, PERCENT-COMPLETE, COMPLETED),
//! PRIORITY as importance (1–4 high, 5 normal, 6–9 low), CLASS, CATEGORIES, the first VALARM
//! as the reminder time, and RRULE ([`super::rrule`], anchored on DTSTART, else DUE).

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarParameterName as N, ICalendarParameterValue as V,
    ICalendarProperty as P, ICalendarRelated, ICalendarStatus, ICalendarValue,
};
use chrono::{DateTime, Utc};

use super::event::Unusable;
use super::props::{self, When, text};
use super::rrule::{self, UntilForm};
use super::zone::Zones;
use super::{ImportError, dotted};
use crate::model::Task;

/// The task of a VTODO (`index` in the calendar, for its alarms).
pub(crate) fn task(
    cal: &ICalendar,
    index: u32,
    c: &ICalendarComponent,
    zones: &Zones<'_>,
) -> Result<Task, Unusable> {
    let start = props::when(c, P::Dtstart, zones);
    let due = props::when(c, P::Due, zones);
    let completed_at = c
        .property(&P::Completed)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_partial_date_time)
        .and_then(props::instant);
    let percent = c
        .property(&P::PercentComplete)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_integer);
    let complete = matches!(c.status(), Some(ICalendarStatus::Completed))
        || percent == Some(100)
        || completed_at.is_some();
    let mut t = Task {
        subject: text(c, P::Summary),
        body: text(c, P::Description),
        start_date: start.as_ref().map(|w| dotted(w.utc())),
        due_date: due.as_ref().map(|w| dotted(w.utc())),
        complete: Some(complete),
        date_completed: completed_at.filter(|_| complete).map(dotted),
        importance: importance(c),
        sensitivity: props::sensitivity(c),
        categories: props::categories(c),
        reminder_time: alarm(cal, index, start.as_ref(), due.as_ref()).map(dotted),
        ..Task::default()
    };
    if let Some(rule) = c
        .properties(&P::Rrule)
        .find_map(|e| match e.values.first() {
            Some(ICalendarValue::RecurrenceRule(r)) => Some(r),
            _ => None,
        })
    {
        let fatal = |reason: String| {
            Unusable::Fatal(ImportError::Property {
                component: "VTODO",
                uid: props::uid(c).unwrap_or_default(),
                property: "RRULE",
                value: rule.to_string(),
                reason,
            })
        };
        let anchor = start
            .as_ref()
            .or(due.as_ref())
            .ok_or_else(|| fatal("a rule with neither DTSTART nor DUE to start from".into()))?;
        t.recurrence = Some(rrule::recurrence(rule, anchor, UntilForm::Dotted).map_err(fatal)?);
    }
    Ok(t)
}

/// PRIORITY as Importance (MS-ASTASK 2.2.2.12): 0 is undefined.
fn importance(c: &ICalendarComponent) -> Option<u8> {
    let p = c.property(&P::Priority)?.values.first()?.as_integer()?;
    match p {
        1..=4 => Some(2),
        5 => Some(1),
        6..=9 => Some(0),
        _ => None,
    }
}

/// When the first alarm fires: an absolute TRIGGER, or one relative to DTSTART (to DUE with
/// RELATED=END, or when there is no DTSTART).
fn alarm(
    cal: &ICalendar,
    index: u32,
    start: Option<&When>,
    due: Option<&When>,
) -> Option<DateTime<Utc>> {
    cal.alarms_for_id(index).find_map(|a| {
        let trigger = a.property(&P::Trigger)?;
        match trigger.values.first()? {
            ICalendarValue::PartialDateTime(p) => props::instant(p),
            ICalendarValue::Duration(d) => {
                let from_end = matches!(
                    trigger.parameter(&N::Related),
                    Some(V::Related(ICalendarRelated::End))
                );
                let anchor = if from_end { due } else { start.or(due) }?;
                anchor.utc().checked_add_signed(d.to_time_delta()?)
            }
            _ => None,
        }
    })
}
