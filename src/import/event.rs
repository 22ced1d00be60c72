//! A VEVENT (RFC 5545 3.6.1) as an EAS calendar item (MS-ASCAL 2.2.2), the inverse of
//! `export::ical`: times in UTC with the zone they were written in, DATE values as all-day
//! events (floating midnights, as 16.x sends them), RRULE ([`super::rrule`]), attendees and
//! organizer, the first VALARM as `Reminder`, CLASS as `Sensitivity`, X-MICROSOFT-CDO-BUSYSTATUS
//! (else TRANSP) as `BusyStatus`. Overrides (RECURRENCE-ID) are read by [`override_of`].

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarParameterName as N, ICalendarParameterValue as V,
    ICalendarParticipationRole as Role, ICalendarParticipationStatus as Part,
    ICalendarProperty as P, ICalendarRelated, ICalendarTransparency, ICalendarUserTypes as Cu,
    ICalendarValue, Uri,
};
use chrono::{DateTime, Datelike, Utc};

use super::props::{self, When, text};
use super::rrule::{self, UntilForm};
use super::zone::Zones;
use super::{ImportError, compact, skipped, trimmed};
use crate::model::{Attendee, Event, Exception};

/// Why a VEVENT gave no event.
pub(crate) enum Unusable {
    /// Skipped: the reason goes into the file's error if nothing else is usable.
    Skip(String),
    /// The file is an error (an RRULE EAS cannot express).
    Fatal(ImportError),
}

/// The start and end of a component (DTEND, else DTSTART + DURATION, else a day for a date
/// and no length for a time, RFC 5545 3.6.1).
pub(crate) fn span(c: &ICalendarComponent, zones: &Zones<'_>) -> Option<(When, DateTime<Utc>)> {
    let start = props::when(c, P::Dtstart, zones)?;
    let end = props::when(c, P::Dtend, zones)
        .map(|e| e.utc())
        .or_else(|| {
            let d = c.property(&P::Duration)?.values.first()?;
            match d {
                ICalendarValue::Duration(d) => start.utc().checked_add_signed(d.to_time_delta()?),
                _ => None,
            }
        })
        .unwrap_or_else(|| match start {
            When::Date(_) => start.utc() + chrono::Duration::days(1),
            When::Instant(t, _) => t,
        });
    Some((start, end))
}

/// The series or single event of a VEVENT (`index` in the calendar, for its alarms).
pub(crate) fn event(
    cal: &ICalendar,
    index: u32,
    c: &ICalendarComponent,
    zones: &Zones<'_>,
) -> Result<Event, Unusable> {
    let uid = props::uid(c);
    let Some((start, end)) = span(c, zones) else {
        return Err(Unusable::Skip(format!(
            "VEVENT {} has no DTSTART",
            uid.as_deref().unwrap_or("without a UID")
        )));
    };
    let (organizer_email, organizer_name) = organizer(c);
    let mut ev = Event {
        uid: uid.clone(),
        subject: text(c, P::Summary),
        location: text(c, P::Location),
        start_time: Some(compact(start.utc())),
        end_time: Some(compact(end)),
        all_day: Some(matches!(start, When::Date(_))),
        busy_status: busy_status(c),
        organizer_email,
        organizer_name,
        time_zone: match &start {
            When::Instant(t, zone) => zone.model(zone.local(*t).year()),
            When::Date(_) => None,
        },
        reminder: reminder(cal, index, start.utc(), end),
        sensitivity: props::sensitivity(c),
        description: text(c, P::Description),
        categories: props::categories(c),
        attendees: c.properties(&P::Attendee).filter_map(attendee).collect(),
        ..Event::default()
    };
    if let Some(rule) = c
        .properties(&P::Rrule)
        .find_map(|e| match e.values.first() {
            Some(ICalendarValue::RecurrenceRule(r)) => Some(r),
            _ => None,
        })
    {
        let rec = rrule::recurrence(rule, &start, UntilForm::Compact).map_err(|reason| {
            Unusable::Fatal(ImportError::Property {
                component: "VEVENT",
                uid: uid.clone().unwrap_or_default(),
                property: "RRULE",
                value: rule.to_string(),
                reason,
            })
        })?;
        ev.recurring = true;
        ev.recurrence = Some(rec);
        ev.exceptions = props::all_when(c, P::Exdate, zones)
            .iter()
            .map(|w| Exception {
                original_start: Some(compact(w.utc())),
                deleted: true,
                ..Exception::default()
            })
            .collect();
    }
    if c.has_property(&P::Rdate) {
        skipped("VEVENT", "RDATE", "EAS has no extra occurrence dates");
    }
    Ok(ev)
}

/// A RECURRENCE-ID override as a changed occurrence of `master`; what equals the series is
/// left out, as MS-ASCAL 2.2.2.21 lets an exception inherit it.
pub(crate) fn override_of(
    c: &ICalendarComponent,
    master: &Event,
    zones: &Zones<'_>,
) -> Option<Exception> {
    let original = props::when(c, P::RecurrenceId, zones)?.utc();
    let (start, end) = span(c, zones)?;
    let length = master
        .start_time
        .as_deref()
        .zip(master.end_time.as_deref())
        .and_then(|(s, e)| Some(parse(e)? - parse(s)?));
    let start = start.utc();
    let subject = text(c, P::Summary).filter(|s| Some(s) != master.subject.as_ref());
    let location = text(c, P::Location).filter(|l| Some(l) != master.location.as_ref());
    Some(Exception {
        original_start: Some(compact(original)),
        deleted: false,
        subject,
        start_time: (start != original).then(|| compact(start)),
        end_time: (Some(end - start) != length).then(|| compact(end)),
        location,
    })
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// `mailto:` taken off a calendar address.
fn address(v: &ICalendarValue) -> Option<String> {
    let s = match v {
        ICalendarValue::Uri(Uri::Location(s)) | ICalendarValue::Text(s) => s.as_str(),
        _ => return None,
    };
    let s = s.trim();
    let bare = match s.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    };
    trimmed(bare)
}

fn cn(e: &calcard::icalendar::ICalendarEntry) -> Option<String> {
    e.parameter(&N::Cn).and_then(V::as_text).and_then(trimmed)
}

fn organizer(c: &ICalendarComponent) -> (Option<String>, Option<String>) {
    match c.property(&P::Organizer) {
        Some(e) => (e.values.first().and_then(address), cn(e)),
        None => (None, None),
    }
}

/// ATTENDEE: PARTSTAT as AttendeeStatus, ROLE and CUTYPE as AttendeeType (MS-ASCAL 2.2.2.5,
/// 2.2.2.6): a resource or room is 3, an optional participant 2, anyone else 1.
fn attendee(e: &calcard::icalendar::ICalendarEntry) -> Option<Attendee> {
    let Some(email) = e.values.first().and_then(address) else {
        skipped("VEVENT", "ATTENDEE", "no address");
        return None;
    };
    let status = match e.parameter(&N::Partstat) {
        Some(V::Partstat(Part::Tentative)) => Some(2),
        Some(V::Partstat(Part::Accepted)) => Some(3),
        Some(V::Partstat(Part::Declined)) => Some(4),
        Some(V::Partstat(Part::NeedsAction)) => Some(5),
        _ => None,
    };
    let resource = matches!(
        e.parameter(&N::Cutype),
        Some(V::Cutype(Cu::Resource | Cu::Room))
    );
    let kind = match e.parameter(&N::Role) {
        _ if resource => 3,
        Some(V::Role(Role::OptParticipant)) => 2,
        Some(V::Role(Role::NonParticipant)) => 3,
        _ => 1,
    };
    Some(Attendee {
        // A CN that is only the address is no name (EAS requires a Name, so one is sent so).
        name: cn(e).filter(|n| !n.eq_ignore_ascii_case(&email)),
        email: Some(email),
        status,
        kind: Some(kind),
    })
}

/// X-MICROSOFT-CDO-BUSYSTATUS (Outlook's, and the export's), else TRANSP: free 0, busy 2.
fn busy_status(c: &ICalendarComponent) -> Option<u8> {
    let cdo = c
        .property(&P::Other("X-MICROSOFT-CDO-BUSYSTATUS".into()))
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_text)
        .and_then(|s| {
            ["FREE", "TENTATIVE", "BUSY", "OOF", "WORKINGELSEWHERE"]
                .iter()
                .position(|x| x.eq_ignore_ascii_case(s.trim()))
        });
    if let Some(i) = cdo {
        return Some(i as u8);
    }
    match c.transparency()? {
        ICalendarTransparency::Transparent => Some(0),
        ICalendarTransparency::Opaque => Some(2),
    }
}

/// Minutes before the start of the first alarm that fires at or before it (a relative
/// TRIGGER, from the start or with RELATED=END from the end, or an absolute one).
fn reminder(cal: &ICalendar, index: u32, start: DateTime<Utc>, end: DateTime<Utc>) -> Option<u32> {
    cal.alarms_for_id(index).find_map(|a| {
        let trigger = a.property(&P::Trigger)?;
        let at = match trigger.values.first()? {
            ICalendarValue::Duration(d) => {
                let from_end = matches!(
                    trigger.parameter(&N::Related),
                    Some(V::Related(ICalendarRelated::End))
                );
                (if from_end { end } else { start }).checked_add_signed(d.to_time_delta()?)?
            }
            ICalendarValue::PartialDateTime(p) => props::instant(p)?,
            _ => return None,
        };
        let minutes = (start - at).num_minutes();
        match u32::try_from(minutes) {
            Ok(m) => Some(m),
            Err(_) => {
                skipped(
                    "VALARM",
                    "TRIGGER",
                    "fires after the start, which EAS cannot hold",
                );
                None
            }
        }
    })
}
