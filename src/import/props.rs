//! Properties VEVENT and VTODO share (RFC 5545 3.8): texts, CATEGORIES, CLASS, and date-time
//! values read into UTC through their zone ([`super::zone`]).

use calcard::icalendar::{
    ICalendarClassification, ICalendarComponent, ICalendarEntry, ICalendarProperty as P,
    ICalendarValue,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::zone::{Zone, Zones};
use super::{noted, skipped, trimmed, unless_blank};

/// A date-time value read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum When {
    /// `VALUE=DATE`: a day, floating.
    Date(NaiveDate),
    /// An instant, and the zone its local time was in.
    Instant(DateTime<Utc>, Zone),
}

impl When {
    /// The instant; a date is its midnight UTC (how 16.x sends all-day values).
    pub(crate) fn utc(&self) -> DateTime<Utc> {
        match self {
            Self::Date(d) => d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            Self::Instant(t, _) => *t,
        }
    }
}

/// A date-time value as an instant; without a zone it is taken as UTC (TRIGGER, COMPLETED
/// and DTSTAMP are UTC by RFC 5545).
pub(crate) fn instant(p: &calcard::common::PartialDateTime) -> Option<DateTime<Utc>> {
    let dt = p.to_date_time()?;
    let off = dt.offset.map_or(0, |o| o.local_minus_utc());
    Some((dt.date_time - chrono::Duration::seconds(off.into())).and_utc())
}

/// The text of a property, unless blank.
pub(crate) fn text(c: &ICalendarComponent, p: P) -> Option<String> {
    c.property(&p)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_text)
        .and_then(unless_blank)
}

/// The UID of a component.
pub(crate) fn uid(c: &ICalendarComponent) -> Option<String> {
    c.uid().and_then(trimmed)
}

/// Every CATEGORIES value of every CATEGORIES property.
pub(crate) fn categories(c: &ICalendarComponent) -> Vec<String> {
    c.properties(&P::Categories)
        .flat_map(|e| &e.values)
        .filter_map(ICalendarValue::as_text)
        .filter_map(trimmed)
        .collect()
}

/// CLASS as EAS Sensitivity (MS-ASCAL 2.2.2.40, MS-ASTASK 2.2.2.27): PUBLIC 0, PRIVATE 2,
/// CONFIDENTIAL 3.
pub(crate) fn sensitivity(c: &ICalendarComponent) -> Option<u8> {
    match c.property(&P::Class)?.values.first()? {
        ICalendarValue::Classification(ICalendarClassification::Public) => Some(0),
        ICalendarValue::Classification(ICalendarClassification::Private) => Some(2),
        ICalendarValue::Classification(ICalendarClassification::Confidential) => Some(3),
        _ => None,
    }
}

/// The value of a date-time property (DTSTART, DUE, RECURRENCE-ID, COMPLETED…).
pub(crate) fn when(c: &ICalendarComponent, p: P, zones: &Zones<'_>) -> Option<When> {
    let e = c.property(&p)?;
    let what = e.name.as_str().to_string();
    first_when(e, zones).or_else(|| {
        skipped("iCalendar", &what, "not a date or date-time");
        None
    })
}

/// Every value of every such property (EXDATE).
pub(crate) fn all_when(c: &ICalendarComponent, p: P, zones: &Zones<'_>) -> Vec<When> {
    c.properties(&p)
        .flat_map(|e| (0..e.values.len()).filter_map(move |i| value_when(e, i, zones)))
        .collect()
}

fn first_when(e: &ICalendarEntry, zones: &Zones<'_>) -> Option<When> {
    value_when(e, 0, zones)
}

/// Value `i` of a property: a date, a UTC or offset time, a time in its TZID, or a floating
/// time (read as UTC, with a warning: the file does not say where it is).
fn value_when(e: &ICalendarEntry, i: usize, zones: &Zones<'_>) -> Option<When> {
    let pd = e.values.get(i)?.as_partial_date_time()?;
    let dt = pd.to_date_time()?;
    if !pd.has_time() {
        return Some(When::Date(dt.date_time.date()));
    }
    if let Some(off) = dt.offset {
        let utc =
            (dt.date_time - chrono::Duration::seconds(off.local_minus_utc().into())).and_utc();
        return Some(When::Instant(utc, Zone::Utc));
    }
    let zone = match e.tz_id() {
        Some(tzid) => zones.zone(tzid).unwrap_or_else(|| {
            noted(
                "iCalendar",
                "TZID",
                format_args!("{tzid}: no such zone and no VTIMEZONE for it, read as UTC"),
            );
            Zone::Utc
        }),
        None => {
            noted(
                "iCalendar",
                e.name.as_str(),
                "a floating time (no zone), read as UTC",
            );
            Zone::Utc
        }
    };
    Some(When::Instant(zone.to_utc(dt.date_time), zone))
}
