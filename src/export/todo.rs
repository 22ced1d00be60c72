//! A task (the model of MS-ASTASK 2.2.2) as an iCalendar VTODO (RFC 5545 3.6.2): summary, description,
//! start and due dates (DATE values: EAS tasks are day-based), completion (STATUS, COMPLETED,
//! PERCENT-COMPLETE), priority from importance, class from sensitivity, categories, a VALARM at
//! the reminder time, and RRULE from the task's recurrence (the regenerating kind, "due N days
//! after completion", has no iCalendar equivalent and is written as its plain rule).

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarClassification, ICalendarComponent, ICalendarComponentType, ICalendarEntry,
    ICalendarParameter, ICalendarProperty as P, ICalendarStatus, ICalendarValue,
    ICalendarValueType,
};

use super::ical::{Component, parse_time};
use super::rrule::recurrence_rule;
use crate::model::Task;

fn date(p: P, t: &str) -> Option<ICalendarEntry> {
    let d = parse_time(t)?
        .date_naive()
        .and_hms_opt(0, 0, 0)?
        .and_utc()
        .timestamp();
    let mut e = ICalendarEntry::new(p);
    e.params
        .push(ICalendarParameter::value(ICalendarValueType::Date));
    Some(e.with_value(PartialDateTime::from_date_timestamp(d)))
}

fn text(p: P, v: &str) -> ICalendarEntry {
    ICalendarEntry::new(p).with_value(v.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The VTODO of a task whose UID is `uid`.
pub fn todo(t: &Task, uid: &str) -> Component {
    let mut c = ICalendarComponent::new(ICalendarComponentType::VTodo);
    c.entries.push(text(P::Uid, uid));
    // The local dates where the server sent them: a task's day is the user's.
    let start = t.local_start_date.as_ref().or(t.start_date.as_ref());
    let due = t.local_due_date.as_ref().or(t.due_date.as_ref());
    let stamp = t
        .date_completed
        .as_deref()
        .or(start.map(String::as_str))
        .and_then(parse_time)
        .map_or(0, |d| d.timestamp());
    c.entries.push(
        ICalendarEntry::new(P::Dtstamp).with_value(PartialDateTime::from_utc_timestamp(stamp)),
    );
    c.entries
        .push(text(P::Summary, t.subject.as_deref().unwrap_or("")));
    if let Some(d) = t.body.as_deref().filter(|d| !d.trim().is_empty()) {
        c.entries.push(text(P::Description, d));
    }
    c.entries.extend(start.and_then(|s| date(P::Dtstart, s)));
    c.entries.extend(due.and_then(|s| date(P::Due, s)));
    if t.complete == Some(true) {
        c.entries.push(
            ICalendarEntry::new(P::Status)
                .with_value(ICalendarValue::Status(ICalendarStatus::Completed)),
        );
        c.entries
            .push(ICalendarEntry::new(P::PercentComplete).with_value(ICalendarValue::Integer(100)));
        if let Some(done) = t.date_completed.as_deref().and_then(parse_time) {
            c.entries.push(
                ICalendarEntry::new(P::Completed)
                    .with_value(PartialDateTime::from_utc_timestamp(done.timestamp())),
            );
        }
    } else {
        c.entries.push(
            ICalendarEntry::new(P::Status)
                .with_value(ICalendarValue::Status(ICalendarStatus::NeedsAction)),
        );
    }
    // Importance 0 low, 1 normal, 2 high → PRIORITY 9, 5, 1.
    if let Some(i) = t.importance {
        c.entries.push(
            ICalendarEntry::new(P::Priority)
                .with_value(ICalendarValue::Integer([9, 5, 1][usize::from(i.min(2))])),
        );
    }
    let class = match t.sensitivity.unwrap_or(0) {
        1 | 2 => ICalendarClassification::Private,
        3 => ICalendarClassification::Confidential,
        _ => ICalendarClassification::Public,
    };
    c.entries
        .push(ICalendarEntry::new(P::Class).with_value(ICalendarValue::Classification(class)));
    let categories: Vec<ICalendarValue> = t
        .categories
        .iter()
        .map(|c| ICalendarValue::Text(c.clone()))
        .collect();
    if !categories.is_empty() {
        c.entries
            .push(ICalendarEntry::new(P::Categories).with_values(categories));
    }
    if let Some(rule) = t.recurrence.as_ref().and_then(|r| recurrence_rule(r, true)) {
        c.entries
            .push(ICalendarEntry::new(P::Rrule).with_value(rule));
    }
    // The model has a reminder time only when the reminder is set (MS-ASTASK ReminderSet).
    let alarm = t.reminder_time.as_deref().and_then(parse_time).map(|at| {
        let mut a = ICalendarComponent::new(ICalendarComponentType::VAlarm);
        a.entries.push(
            ICalendarEntry::new(P::Action).with_value(ICalendarValue::Action(
                calcard::icalendar::ICalendarAction::Display,
            )),
        );
        let mut trigger = ICalendarEntry::new(P::Trigger);
        trigger
            .params
            .push(ICalendarParameter::value(ICalendarValueType::DateTime));
        a.entries
            .push(trigger.with_value(PartialDateTime::from_utc_timestamp(at.timestamp())));
        a.entries
            .push(text(P::Description, t.subject.as_deref().unwrap_or("Task")));
        a
    });
    (c, alarm)
}
