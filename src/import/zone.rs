//! The zone an imported time is in (RFC 5545 3.2.19 `TZID`, 3.6.5 `VTIMEZONE`), read in three
//! steps as `export::tz` writes them: an IANA or Windows name calcard knows (the TZID itself,
//! `X-LIC-LOCATION`, `X-MICROSOFT-CDO-TZID`), else the file's VTIMEZONE observances read as the
//! yearly rules an EAS TimeZone blob can hold (MS-ASDTYPE 2.6.4), else UTC with a warning.
//! Each zone gives UTC instants and the [`model::TimeZone`] the store keeps.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone as _, Utc};
use chrono_tz::Tz;

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty as P, ICalendarValue,
};

use super::windows_zones::{self, WINDOWS_ZONES};
use crate::model::{self, Transition};

/// Where local times are read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Zone {
    /// UTC values, floating times, unknown TZIDs.
    Utc,
    Iana(Tz),
    /// A fixed offset, seconds east of UTC.
    Fixed(i32),
    /// A VTIMEZONE no IANA zone is named for, as the rules a blob can hold; `name` is the
    /// model's.
    Rules {
        blob: Box<model::TimeZone>,
        name: String,
    },
}

impl Zone {
    /// The UTC instant of a local wall time. In a gap (spring forward) the time is read with
    /// the offset before the gap (RFC 5545 3.3.5); in an overlap, the first reading.
    pub(crate) fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Self::Utc => local.and_utc(),
            Self::Fixed(off) => (local - chrono::Duration::seconds((*off).into())).and_utc(),
            Self::Iana(tz) => match tz.from_local_datetime(&local).earliest() {
                Some(t) => t.with_timezone(&Utc),
                None => {
                    let before = tz
                        .offset_from_utc_datetime(&(local - chrono::Duration::hours(3)))
                        .fix()
                        .local_minus_utc();
                    (local - chrono::Duration::seconds(before.into())).and_utc()
                }
            },
            Self::Rules { blob, .. } => {
                let std = blob.standard_offset().unwrap_or(0);
                let guess = (local - chrono::Duration::seconds(std.into())).and_utc();
                let off = blob.offset_at(guess);
                (local - chrono::Duration::seconds(off.into())).and_utc()
            }
        }
    }

    /// The local wall time of an instant in this zone.
    pub(crate) fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        let off = match self {
            Self::Utc => 0,
            Self::Fixed(off) => *off,
            Self::Iana(tz) => tz
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc(),
            Self::Rules { blob, .. } => blob.offset_at(t),
        };
        t.naive_utc() + chrono::Duration::seconds(off.into())
    }

    /// The zone as the model keeps it, with offsets as in `year`; `None` for UTC values.
    pub(crate) fn model(&self, year: i32) -> Option<model::TimeZone> {
        match self {
            Self::Utc => None,
            Self::Fixed(off) => Some(named(
                *off,
                *off,
                windows_name(|z| same_offsets(z, *off, *off, year)),
            )),
            Self::Iana(tz) => {
                let (std, dst) = offsets(*tz, year);
                let name = windows_zones::by_iana(tz.name())
                    .or_else(|| windows_name(|z| same_rules(z, *tz, year)))
                    .map(String::from)
                    .unwrap_or_else(|| tz.name().to_string());
                let mut zone = named(std, dst, Some(name));
                if let Some((to_std, to_dst)) = model::iana_rules(*tz, year) {
                    (zone.standard_date, zone.daylight_date) = (Some(to_std), Some(to_dst));
                }
                Some(zone)
            }
            Self::Rules { blob, name } => {
                let dst = blob.has_dst();
                Some(model::TimeZone {
                    standard_name: name.clone(),
                    daylight_name: if blob.daylight_name.is_empty() {
                        name.clone()
                    } else {
                        blob.daylight_name.clone()
                    },
                    daylight_bias: if dst { blob.daylight_bias } else { 0 },
                    standard_date: blob.standard_date.filter(|_| dst),
                    daylight_date: blob.daylight_date.filter(|_| dst),
                    ..(**blob).clone()
                })
            }
        }
    }
}

/// A model zone from its offsets (seconds east) and Windows name.
fn named(std: i32, dst: i32, name: Option<impl Into<String>>) -> model::TimeZone {
    let standard_name: String = name.map(Into::into).unwrap_or_default();
    model::TimeZone {
        bias: -std / 60,
        daylight_name: windows_zones::daylight_name(&standard_name),
        standard_name,
        daylight_bias: -(dst - std) / 60,
        ..model::TimeZone::default()
    }
}

/// The first Windows zone whose IANA zone passes `test`.
fn windows_name(test: impl Fn(Tz) -> bool) -> Option<&'static str> {
    WINDOWS_ZONES
        .iter()
        .find(|(_, iana)| iana.parse::<Tz>().is_ok_and(&test))
        .map(|(w, _)| *w)
}

/// Offset (seconds east) of a zone at noon UTC of a day.
fn offset_on(tz: Tz, day: NaiveDate) -> i32 {
    let noon = day.and_hms_opt(12, 0, 0).unwrap_or_default();
    tz.offset_from_utc_datetime(&noon).fix().local_minus_utc()
}

/// The days of `year`, a week apart.
fn weeks(year: i32) -> impl Iterator<Item = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    (0..53).filter_map(move |w| first.checked_add_days(chrono::Days::new(w * 7)))
}

/// (standard, daylight) offsets of a zone in `year`: the smaller and the larger one seen
/// (Europe/Dublin's negative DST in tzdata reads as the usual summer time).
fn offsets(tz: Tz, year: i32) -> (i32, i32) {
    let seen: Vec<i32> = weeks(year).map(|d| offset_on(tz, d)).collect();
    let min = seen.iter().copied().min().unwrap_or(0);
    let max = seen.iter().copied().max().unwrap_or(0);
    (min, max)
}

fn same_offsets(tz: Tz, std: i32, dst: i32, year: i32) -> bool {
    offsets(tz, year) == (std, dst)
}

/// Whether two zones have the same offset on every day of `year`.
fn same_rules(a: Tz, b: Tz, year: i32) -> bool {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .all(|d| offset_on(a, d) == offset_on(b, d))
}

/// Resolves TZIDs against one calendar's VTIMEZONEs.
pub(crate) struct Zones<'a> {
    cal: &'a ICalendar,
    resolver: calcard::icalendar::timezone::TzResolver<&'a str>,
}

impl<'a> Zones<'a> {
    pub(crate) fn new(cal: &'a ICalendar) -> Self {
        Self {
            cal,
            resolver: cal.build_tz_resolver(),
        }
    }

    /// The zone named by a TZID parameter; `None` when neither a known name nor a VTIMEZONE
    /// with usable observances stands behind it.
    pub(crate) fn zone(&self, tzid: &str) -> Option<Zone> {
        use calcard::common::timezone::Tz as CTz;
        match self.resolver.resolve(tzid) {
            Some(CTz::Tz(tz)) => Some(Zone::Iana(tz)),
            Some(CTz::Fixed(off)) => Some(Zone::Fixed(off.local_minus_utc())),
            _ => self.rules(tzid),
        }
    }

    /// A VTIMEZONE of the file as blob rules.
    fn rules(&self, tzid: &str) -> Option<Zone> {
        let vtz = self.cal.components.iter().find(|c| {
            c.component_type == ICalendarComponentType::VTimezone
                && c.property(&P::Tzid)
                    .and_then(|e| e.values.first())
                    .and_then(ICalendarValue::as_text)
                    == Some(tzid)
        })?;
        let observances: Vec<Observance> = vtz
            .component_ids
            .iter()
            .filter_map(|&id| self.cal.component_by_id(id))
            .filter_map(Observance::read)
            .collect();
        let blob = blob(&observances, tzid)?;
        Some(Zone::Rules {
            name: model_name(tzid, &blob),
            blob: Box::new(blob),
        })
    }
}

/// The model's name of a zone of its own: the inverse of `export::tz`'s `easync-NAME` TZIDs
/// ("easync-Atlantis-Time" is "Atlantis Time", "easync-utc+5" no name), else its TZNAME, else
/// the TZID.
fn model_name(tzid: &str, blob: &model::TimeZone) -> String {
    match tzid.strip_prefix("easync-") {
        Some(rest) if rest.starts_with("utc+") || rest.starts_with("utc-") => String::new(),
        Some(rest) => rest.replace('-', " "),
        None if !blob.standard_name.is_empty() => blob.standard_name.clone(),
        None => tzid.to_string(),
    }
}

/// One STANDARD or DAYLIGHT observance.
struct Observance {
    daylight: bool,
    start: NaiveDateTime,
    to: i32,
    name: Option<String>,
    /// (month, week 1–5 with 5 the last, weekday 0 = Sunday) of its yearly RRULE.
    rule: Option<(u16, u16, u16)>,
}

impl Observance {
    fn read(c: &ICalendarComponent) -> Option<Self> {
        let daylight = match c.component_type {
            ICalendarComponentType::Standard => false,
            ICalendarComponentType::Daylight => true,
            _ => return None,
        };
        let value = |p: P| c.property(&p).and_then(|e| e.values.first());
        let start = value(P::Dtstart)
            .and_then(ICalendarValue::as_partial_date_time)
            .and_then(|d| d.to_date_time())?
            .date_time;
        let to = value(P::Tzoffsetto)
            .and_then(ICalendarValue::as_partial_date_time)
            .and_then(utc_offset)?;
        let name = value(P::Tzname)
            .and_then(ICalendarValue::as_text)
            .map(String::from);
        let rule = match value(P::Rrule) {
            Some(ICalendarValue::RecurrenceRule(r)) => yearly_rule(r),
            _ => None,
        };
        Some(Self {
            daylight,
            start,
            to,
            name,
            rule,
        })
    }

    /// Its transition as a yearly rule: from the RRULE, else from its start date.
    fn transition(&self) -> Transition {
        let d = self.start.date();
        let (month, week, dow) = self.rule.unwrap_or_else(|| {
            let last = d
                .checked_add_days(chrono::Days::new(7))
                .is_none_or(|n| n.month() != d.month());
            let week = if last { 5 } else { (d.day() - 1) / 7 + 1 };
            (
                d.month() as u16,
                week as u16,
                d.weekday().num_days_from_sunday() as u16,
            )
        });
        Transition {
            month: month as u8,
            week: week as u8,
            day_of_week: dow as u8,
            hour: chrono::Timelike::hour(&self.start) as u8,
            minute: chrono::Timelike::minute(&self.start) as u8,
        }
    }
}

/// `+0100` as seconds east.
fn utc_offset(p: &PartialDateTime) -> Option<i32> {
    let secs = i32::from(p.tz_hour?) * 3600 + i32::from(p.tz_minute.unwrap_or(0)) * 60;
    Some(if p.tz_minus { -secs } else { secs })
}

/// `FREQ=YEARLY;BYMONTH=m;BYDAY=nDD` as (month, week, weekday).
fn yearly_rule(r: &calcard::icalendar::ICalendarRecurrenceRule) -> Option<(u16, u16, u16)> {
    let month = u16::from(r.bymonth.first()?.month());
    let day = r.byday.first()?;
    let week = match day.ordwk.unwrap_or(1) {
        n if n < 0 => 5,
        n => n.clamp(1, 5) as u16,
    };
    Some((month, week, day.weekday as u16))
}

/// The blob of a VTIMEZONE: its latest STANDARD observance, and its latest DAYLIGHT one when
/// that is not older than the standard one by more than a year (daylight time abolished).
fn blob(observances: &[Observance], tzid: &str) -> Option<model::TimeZone> {
    let latest = |daylight: bool| {
        observances
            .iter()
            .filter(|o| o.daylight == daylight)
            .max_by_key(|o| o.start)
    };
    let std = latest(false).or_else(|| latest(true))?;
    let dst = latest(true).filter(|d| {
        !std.daylight
            && d.to != std.to
            && (d.rule.is_some() || d.start.year() + 1 >= std.start.year())
    });
    let mut b = model::TimeZone {
        bias: -std.to / 60,
        standard_name: std.name.clone().unwrap_or_else(|| tzid.to_string()),
        ..model::TimeZone::default()
    };
    if let Some(d) = dst {
        b.standard_date = Some(std.transition());
        b.daylight_date = Some(d.transition());
        b.daylight_bias = -(d.to - std.to) / 60;
        b.daylight_name = d.name.clone().unwrap_or_default();
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn berlin_is_named_as_windows_names_it() {
        let z = Zone::Iana(chrono_tz::Europe::Berlin);
        let tz = z.model(2026).unwrap();
        assert_eq!(tz.standard_name, "W. Europe Standard Time");
        assert_eq!(tz.daylight_name, "W. Europe Daylight Time");
        assert_eq!((tz.bias, tz.daylight_bias), (-60, -60));
        assert_eq!(
            z.to_utc(local(2026, 7, 1, 9)).to_rfc3339(),
            "2026-07-01T07:00:00+00:00"
        );
    }

    #[test]
    fn a_zone_not_in_the_table_is_named_by_its_rules() {
        let vienna = Zone::Iana(chrono_tz::Europe::Vienna).model(2026).unwrap();
        assert_eq!(vienna.standard_name, "W. Europe Standard Time");
        let calcutta = Zone::Iana(chrono_tz::Asia::Calcutta).model(2026).unwrap();
        assert_eq!(
            (
                calcutta.standard_name.as_str(),
                calcutta.bias,
                calcutta.daylight_bias
            ),
            ("India Standard Time", -330, 0)
        );
    }

    #[test]
    fn a_gap_reads_with_the_offset_before_it() {
        // 2026-03-29 02:30 does not exist in Berlin: read as 02:30 CET, 01:30 UTC.
        let z = Zone::Iana(chrono_tz::Europe::Berlin);
        let t = local(2026, 3, 29, 2) + chrono::Duration::minutes(30);
        assert_eq!(z.to_utc(t).to_rfc3339(), "2026-03-29T01:30:00+00:00");
    }
}
