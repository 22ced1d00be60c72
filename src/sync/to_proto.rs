//! From the model to the protocol: a contact, event or task as the `ApplicationData` of a
//! Sync `Add` or `Change` (MS-ASCMD 2.2.3.7.2, 2.2.3.24), element by element as MS-ASCNTC,
//! MS-ASCAL and MS-ASTASK define them for the protocol version in use — the inverse of
//! [`super::convert`]. A pure function: no clock, no store.
//!
//! A client's Change replaces the whole item on the server (fields left out are cleared,
//! ../shared/eas/PITFALLS.md §3), so [`change_data`] starts from the model and keeps what the
//! stored item has that the model does not carry. On 16.x a series' changed and cancelled
//! occurrences are not part of its data: [`occurrences`] gives them as their own commands.

mod contact;
mod event;
mod task;
mod zone;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::model::{self, Item};
use crate::proto::ProtocolVersion;
use crate::proto::classes::ApplicationData;
use crate::proto::classes::airsyncbase::Body;

/// What the data is sent for: some elements go only with an Add (`ClientUid`, MS-ASCAL
/// 2.2.2.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Add,
    Change,
}

/// Why an item cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToProtoError {
    /// A class easync does not send (mail is sent with SendMail, notes are not written).
    #[error("{class} items are not sent with Sync")]
    Unsupported { class: &'static str },
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field} {value:?} is not a date and time")]
    NotATime { field: &'static str, value: String },
}

/// A changed or cancelled occurrence of a series, sent on 16.x as its own Sync command on the
/// series' ServerId, with `airsyncbase:InstanceId` as a child of the `Change` or `Delete`
/// (MS-ASAIRS 2.2.2.25): the occurrence's original start, UTC, Compact DateTime.
#[derive(Debug, Clone, PartialEq)]
pub enum Occurrence {
    Change {
        instance_id: String,
        data: ApplicationData,
    },
    Delete {
        instance_id: String,
    },
}

/// The `ApplicationData` of an item for a Sync Add or Change.
pub fn application_data(
    item: &Item,
    version: ProtocolVersion,
    mode: Mode,
) -> Result<ApplicationData, ToProtoError> {
    Ok(match item {
        Item::Contact(c) => ApplicationData::Contact(Box::new(contact::contact(c))),
        Item::Event(e) => ApplicationData::Event(Box::new(event::event(e, version, mode)?)),
        Item::Task(t) => ApplicationData::Task(Box::new(task::task(t)?)),
        other => {
            return Err(ToProtoError::Unsupported {
                class: other.class(),
            });
        }
    })
}

/// The `ApplicationData` of a Change of an item the store holds as `stored` (typed from its
/// raw data): the model's fields, plus the stored ones the model does not carry, so that the
/// Change does not clear them. A body the server sent truncated and the user did not change
/// is left out rather than sent back cut. Before 16.0, an all-day event with floating dates
/// is put back at the midnights of the stored item's zone ([`anchor_all_day`]).
pub fn change_data(
    item: &Item,
    stored: &ApplicationData,
    version: ProtocolVersion,
) -> Result<ApplicationData, ToProtoError> {
    let anchored;
    let item = match (item, stored) {
        (Item::Event(e), ApplicationData::Event(s)) if !version.is_16() => {
            let zone = s
                .timezone
                .as_deref()
                .and_then(|b| crate::proto::classes::timezone::TimeZone::from_base64(b).ok())
                .filter(|b| b.bias != 0 || b.has_dst());
            match zone {
                Some(b) => {
                    let mut e = e.clone();
                    anchor_all_day(&mut e, &super::convert::time_zone(&b));
                    anchored = Item::Event(e);
                    &anchored
                }
                None => item,
            }
        }
        _ => item,
    };
    let mut data = application_data(item, version, Mode::Change)?;
    match (&mut data, stored, item) {
        (ApplicationData::Contact(p), ApplicationData::Contact(s), _) => {
            contact::keep(p, s);
            keep_body(&mut p.body, &s.body);
        }
        (ApplicationData::Event(p), ApplicationData::Event(s), Item::Event(e)) => {
            event::keep(p, s, e.time_zone.as_ref(), version);
            keep_body(&mut p.body, &s.body);
        }
        (ApplicationData::Task(p), ApplicationData::Task(s), _) => {
            task::keep(p, s);
            keep_body(&mut p.body, &s.body);
        }
        _ => {}
    }
    Ok(data)
}

/// Puts an all-day event whose dates float (midnight UTC, no zone: as the import and 16.x give
/// them) at the midnights of `zone`, with that zone — the form servers before 16.0 keep
/// all-day events in. The sync engine calls it with the user's zone for an Add to such a
/// server; [`change_data`] does it with the stored item's zone. Other events are left as
/// they are.
pub fn anchor_all_day(event: &mut model::Event, zone: &model::TimeZone) {
    event::anchor(event, zone);
}

/// The occurrences of a series to send on their own: on 16.x its exceptions, before 16.0
/// none (they are embedded in the series' data).
pub fn occurrences(e: &model::Event, version: ProtocolVersion) -> Vec<Occurrence> {
    if version.is_16() && e.recurrence.is_some() {
        event::occurrences(e)
    } else {
        Vec::new()
    }
}

fn keep_body(body: &mut Option<Body>, stored: &Option<Body>) {
    let Some(s) = stored else { return };
    let unchanged = body.as_ref().and_then(|b| b.data.as_deref()) == s.data.as_deref();
    if s.truncated == Some(true) && unchanged {
        *body = None;
    }
}

/// A non-empty text.
fn some(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

/// Text as a plain-text body (MS-ASAIRS 2.2.2.9, Type 1).
fn body(text: &Option<String>) -> Option<Body> {
    some(text).map(|t| Body {
        body_type: Some(1),
        data: Some(t),
        ..Body::default()
    })
}

/// A time in either EAS form: `20261002T090000Z` or `2026-10-02T09:00:00.000Z`.
fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().trim_end_matches('Z');
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .map(|t| t.and_utc())
}

/// A required time.
fn instant(field: &'static str, v: Option<&str>) -> Result<DateTime<Utc>, ToProtoError> {
    let v = v.ok_or(ToProtoError::Missing { field })?;
    parse(v).ok_or_else(|| ToProtoError::NotATime {
        field,
        value: v.to_string(),
    })
}

/// An optional time; one that does not parse is dropped with a warning.
fn time(v: &Option<String>) -> Option<DateTime<Utc>> {
    let s = v.as_deref()?;
    let t = parse(s);
    if t.is_none() {
        tracing::warn!("to_proto: {s:?} is not a date and time, left out");
    }
    t
}

/// MS-ASCAL's Compact DateTime (MS-ASDTYPE 2.7.2).
fn compact(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The dateTime of MS-ASCNTC and MS-ASTASK (MS-ASDTYPE 2.3).
fn dotted(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}
