//! A model event as MS-ASCAL 2.2.2 elements, by protocol version. Up to 14.1: `UID`, text
//! `Location`, the organizer, attendees with their answers, changed and cancelled occurrences
//! embedded as `Exceptions` (2.2.2.21, keyed by `ExceptionStartTime`), `Timezone` always, and
//! BusyStatus 4 (working elsewhere, 16.x only, 2.2.2.8) sent as busy. On 16.x: `ClientUid` on an
//! Add instead of `UID` (2.2.2.13, 2.2.2.47), `airsyncbase:Location` (MS-ASAIRS 2.2.2.27), no
//! organizer (2.2.2.35–36: the server uses the user), no AttendeeStatus and a required
//! AttendeeType (2.2.2.5–6), all-day events as floating dates without `Timezone`, and
//! occurrences sent on their own ([`occurrences`], MS-ASAIRS 2.2.2.25).

use crate::model;
use crate::proto::ProtocolVersion;
use crate::proto::classes::ApplicationData;
use crate::proto::classes::airsyncbase::Location;
use crate::proto::classes::calendar::{Attendee, Category, Event, Exception, Recurrence};

use super::{Mode, Occurrence, ToProtoError, body, compact, instant, some, time};

pub(super) fn event(
    e: &model::Event,
    version: ProtocolVersion,
    mode: Mode,
) -> Result<Event, ToProtoError> {
    let v16 = version.is_16();
    let start = instant("StartTime", e.start_time.as_deref())?;
    let end = instant("EndTime", e.end_time.as_deref())?;
    let all_day = e.all_day.unwrap_or(false);
    let year = chrono::Datelike::year(&start);
    let mut p = Event {
        timezone: (!(v16 && all_day))
            .then(|| super::zone::blob(e.time_zone.as_ref(), year).to_base64()),
        all_day_event: Some(all_day),
        body: body(&e.description),
        busy_status: e.busy_status.map(|b| if b == 4 && !v16 { 2 } else { b }),
        start_time: Some(compact(start)),
        end_time: Some(compact(end)),
        reminder: e.reminder,
        sensitivity: e.sensitivity,
        subject: some(&e.subject),
        meeting_status: e.meeting_status,
        categories: (!e.categories.is_empty()).then(|| {
            e.categories
                .iter()
                .map(|c| Category(c.clone()))
                .collect::<Vec<_>>()
                .into()
        }),
        attendees: (!e.attendees.is_empty()).then(|| {
            e.attendees
                .iter()
                .filter_map(|a| attendee(a, v16))
                .collect::<Vec<_>>()
                .into()
        }),
        recurrence: e.recurrence.as_ref().map(recurrence).transpose()?,
        ..Event::default()
    };
    set_location(&mut p.location, &mut p.location16, &e.location, v16);
    match (v16, mode) {
        (false, _) => p.uid = some(&e.uid),
        (true, Mode::Add) => p.client_uid = some(&e.uid),
        (true, Mode::Change) => {}
    }
    if !v16 {
        p.organizer_email = some(&e.organizer_email);
        p.organizer_name = some(&e.organizer_name);
        if e.recurrence.is_some() && !e.exceptions.is_empty() {
            let length = end - start;
            let x: Vec<Exception> = e
                .exceptions
                .iter()
                .filter_map(|x| embedded(x, length))
                .collect();
            p.exceptions = Some(x.into());
        }
    }
    Ok(p)
}

fn set_location(
    text: &mut Option<String>,
    structured: &mut Option<Location>,
    location: &Option<String>,
    v16: bool,
) {
    match some(location) {
        Some(l) if v16 => {
            *structured = Some(Location {
                display_name: Some(l),
                ..Location::default()
            })
        }
        l => *text = l,
    }
}

/// An attendee: `Name` is required (MS-ASCAL 2.2.2.30), the address stands in for a missing one.
fn attendee(a: &model::Attendee, v16: bool) -> Option<Attendee> {
    let email = some(&a.email)?;
    Some(Attendee {
        name: Some(some(&a.name).unwrap_or_else(|| email.clone())),
        email: Some(email),
        attendee_status: if v16 { None } else { a.status },
        attendee_type: if v16 {
            Some(a.kind.unwrap_or(1))
        } else {
            a.kind
        },
        extra: Vec::new(),
    })
}

fn recurrence(r: &model::Recurrence) -> Result<Recurrence, ToProtoError> {
    Ok(Recurrence {
        recurrence_type: r.kind,
        occurrences: r.occurrences,
        interval: r.interval,
        week_of_month: r.week_of_month,
        day_of_week: r.day_of_week,
        month_of_year: r.month_of_year,
        until: r
            .until
            .as_deref()
            .map(|u| instant("Until", Some(u)).map(compact))
            .transpose()?,
        day_of_month: r.day_of_month,
        ..Recurrence::default()
    })
}

/// The start and end of a changed occurrence, both or neither: an exception that leaves one
/// out takes the series' value (MS-ASCAL 2.2.2.20, 2.2.2.42), which for a moved occurrence is
/// the first occurrence's time, so the other is filled in from the original start and the
/// series' length.
fn times(x: &model::Exception, length: chrono::Duration) -> (Option<String>, Option<String>) {
    let (start, end) = (time(&x.start_time), time(&x.end_time));
    if start.is_none() && end.is_none() {
        return (None, None);
    }
    let start = start.or_else(|| time(&x.original_start));
    let end = end.or_else(|| start.map(|s| s + length));
    (start.map(compact), end.map(compact))
}

/// An exception embedded in the series (up to 14.1).
fn embedded(x: &model::Exception, length: chrono::Duration) -> Option<Exception> {
    let Some(original) = time(&x.original_start) else {
        tracing::warn!("to_proto: an exception without its occurrence's start dropped");
        return None;
    };
    let mut p = Exception {
        exception_start_time: Some(compact(original)),
        ..Exception::default()
    };
    if x.deleted {
        p.deleted = Some(true);
    } else {
        p.subject = some(&x.subject);
        (p.start_time, p.end_time) = times(x, length);
        p.location = some(&x.location);
    }
    Some(p)
}

/// The changed and cancelled occurrences of a series, sent on 16.x after the series exists:
/// a Change with `InstanceId` (the occurrence's original UTC start, Compact DateTime) carrying
/// what changed, or a Delete with it.
pub(super) fn occurrences(e: &model::Event) -> Vec<Occurrence> {
    let length = time(&e.end_time)
        .zip(time(&e.start_time))
        .map_or(chrono::Duration::zero(), |(end, start)| end - start);
    e.exceptions
        .iter()
        .filter_map(|x| {
            let original = time(&x.original_start)?;
            let instance_id = compact(original);
            if x.deleted {
                return Some(Occurrence::Delete { instance_id });
            }
            let (start_time, end_time) = times(x, length);
            let mut p = Event {
                subject: some(&x.subject),
                start_time,
                end_time,
                ..Event::default()
            };
            set_location(&mut p.location, &mut p.location16, &x.location, true);
            Some(Occurrence::Change {
                instance_id,
                data: ApplicationData::Event(Box::new(p)),
            })
        })
        .collect()
}

/// An all-day event's floating dates (midnight UTC, as the import and 16.x give them) as the
/// midnights of `zone`, in that zone: how servers before 16.0 keep all-day events (MS-ASCAL
/// 2.2.2.1, "begins at midnight of the specified day" in the item's `Timezone`).
pub(super) fn anchor(e: &mut model::Event, zone: &model::TimeZone) {
    if e.all_day != Some(true) || e.time_zone.is_some() {
        return;
    }
    let year = time(&e.start_time).map_or(2026, |t| chrono::Datelike::year(&t));
    // The zone with the rules the blob will carry (the model's own, else its IANA zone's).
    let blob = crate::sync::convert::time_zone(&super::zone::blob(Some(zone), year));
    let std = i64::from(blob.standard_offset().unwrap_or(0));
    let at_midnight = |v: &mut Option<String>| {
        if let Some(t) = time(v) {
            let guess = t - chrono::Duration::seconds(std);
            let off = i64::from(blob.offset_at(guess));
            *v = Some(compact(t - chrono::Duration::seconds(off)));
        }
    };
    at_midnight(&mut e.start_time);
    at_midnight(&mut e.end_time);
    if let Some(r) = e.recurrence.as_mut() {
        at_midnight(&mut r.until);
    }
    for x in &mut e.exceptions {
        at_midnight(&mut x.original_start);
        at_midnight(&mut x.start_time);
        at_midnight(&mut x.end_time);
    }
    e.time_zone = Some(zone.clone());
}

/// What a stored event has that the model does not send: DtStamp (the model reads it, for the
/// export, but a Change keeps the server's), attachments, the server's reply
/// settings, elements easync does not type; its `UID` before 16.0 when the model has none (16.x
/// forbids it in requests); and its `Timezone` blob when the model's zone is the one decoded
/// from it (the server's own rules, not ones found again).
pub(super) fn keep(
    p: &mut Event,
    stored: &Event,
    model_zone: Option<&model::TimeZone>,
    version: ProtocolVersion,
) {
    if !version.is_16() && p.uid.is_none() {
        p.uid.clone_from(&stored.uid);
    }
    p.dt_stamp.clone_from(&stored.dt_stamp);
    p.attachments.clone_from(&stored.attachments);
    p.response_requested = stored.response_requested;
    p.disallow_new_time_proposal = stored.disallow_new_time_proposal;
    p.extra.clone_from(&stored.extra);
    if p.meeting_status.is_none() {
        p.meeting_status = stored.meeting_status;
    }
    let same_zone = stored
        .timezone
        .as_deref()
        .and_then(|b| crate::proto::classes::timezone::TimeZone::from_base64(b).ok())
        .is_some_and(|b| {
            model_zone.is_some_and(|m| {
                (m.bias, m.daylight_bias, &m.standard_name, &m.daylight_name)
                    == (b.bias, b.daylight_bias, &b.standard_name, &b.daylight_name)
            })
        });
    if same_zone && p.timezone.is_some() {
        p.timezone.clone_from(&stored.timezone);
    }
}
