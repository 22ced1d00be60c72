//! An RRULE (RFC 5545 3.3.10) as an EAS recurrence (MS-ASCAL 2.2.2.38, MS-ASTASK 2.2.2.19),
//! the inverse of `export::rrule`: DAILY (with BYDAY: every weekday) is Type 0, WEEKLY 1,
//! MONTHLY on a day 2, MONTHLY on the nth weekday 3 (BYSETPOS or an ordinal BYDAY; -1 is
//! WeekOfMonth 5, the last), YEARLY on a date 5, YEARLY on the nth weekday of a month 6. What a
//! rule leaves out comes from DTSTART, as RFC 5545 says. Anything else — hourly rules, several
//! months or days of the month, BYWEEKNO, BYYEARDAY, counting from the month's end — EAS
//! cannot express, and is an error naming what.

use calcard::icalendar::{ICalendarFrequency as F, ICalendarRecurrenceRule};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};

use super::props::When;
use super::zone::Zone;
use crate::model::Recurrence;

/// How the item writes `Until`: MS-ASCAL's Compact DateTime, MS-ASTASK's dateTime.
#[derive(Clone, Copy)]
pub(crate) enum UntilForm {
    Compact,
    Dotted,
}

/// The recurrence of an item starting at `start`, or why EAS cannot express the rule.
pub(crate) fn recurrence(
    r: &ICalendarRecurrenceRule,
    start: &When,
    form: UntilForm,
) -> Result<Recurrence, String> {
    unsupported(r)?;
    let local = match start {
        When::Date(d) => d.and_hms_opt(0, 0, 0).unwrap_or_default(),
        When::Instant(t, zone) => zone.local(*t),
    };
    let mut rec = Recurrence {
        interval: r.interval,
        occurrences: r
            .count
            .map(|c| u16::try_from(c).map_err(|_| format!("COUNT={c} is past 65535")))
            .transpose()?,
        until: r.until.as_ref().and_then(|u| until(u, start, form)),
        // WKST: MS-ASCAL 2.2.2.21 FirstDayOfWeek, 0 Sunday … 6 Saturday.
        first_day_of_week: r.wkst.map(|d| d as u8),
        ..Recurrence::default()
    };
    let mask = days(r);
    let week = week_of_month(r)?;
    match r.freq {
        F::Daily => rec.kind = Some(0),
        F::Weekly => {
            rec.kind = Some(1);
            rec.day_of_week = Some(mask.unwrap_or(1 << local.weekday().num_days_from_sunday()));
        }
        F::Monthly | F::Yearly => nth_or_date(&mut rec, r, local, week)?,
        _ => unreachable_freq(r)?,
    }
    if rec.kind == Some(0) {
        rec.day_of_week = mask;
    }
    Ok(rec)
}

fn unreachable_freq(r: &ICalendarRecurrenceRule) -> Result<(), String> {
    Err(format!("FREQ={:?} recurs more often than daily", r.freq).to_uppercase())
}

/// Monthly and yearly rules: on the nth weekday (Type 3, 6) or on a date (Type 2, 5).
fn nth_or_date(
    rec: &mut Recurrence,
    r: &ICalendarRecurrenceRule,
    local: NaiveDateTime,
    week: Option<u8>,
) -> Result<(), String> {
    let yearly = r.freq == F::Yearly;
    if yearly {
        rec.month_of_year = Some(r.bymonth.first().map_or(local.month() as u8, |m| m.month()));
    }
    match (days(r), week) {
        (Some(mask), Some(w)) => {
            rec.kind = Some(if yearly { 6 } else { 3 });
            rec.day_of_week = Some(mask);
            rec.week_of_month = Some(w);
        }
        (Some(_), None) => {
            return Err("BYDAY without a position (every such weekday of the month)".into());
        }
        (None, _) => {
            rec.kind = Some(if yearly { 5 } else { 2 });
            let day = r
                .bymonthday
                .first()
                .copied()
                .map_or(local.day() as i8, |d| d);
            rec.day_of_month =
                Some(u8::try_from(day).map_err(|_| "a BYMONTHDAY counted from the month's end")?);
        }
    }
    Ok(())
}

/// The BYDAY mask, 1 Sunday … 64 Saturday (MS-ASCAL 2.2.2.18).
fn days(r: &ICalendarRecurrenceRule) -> Option<u8> {
    let mask = r.byday.iter().fold(0u8, |m, d| m | 1 << (d.weekday as u8));
    (mask != 0).then_some(mask)
}

/// The week of the month (1–4, 5 the last) from BYSETPOS or the BYDAY ordinals.
fn week_of_month(r: &ICalendarRecurrenceRule) -> Result<Option<u8>, String> {
    let ordinals: Vec<i16> = r.byday.iter().filter_map(|d| d.ordwk).collect();
    let pos = match (r.bysetpos.as_slice(), ordinals.as_slice()) {
        ([], []) => return Ok(None),
        ([p], []) => i64::from(*p),
        ([], [first, rest @ ..])
            if rest.iter().all(|o| o == first) && ordinals.len() == r.byday.len() =>
        {
            i64::from(*first)
        }
        _ => return Err("BYDAY ordinals or BYSETPOS that differ".into()),
    };
    match pos {
        1..=4 => Ok(Some(pos as u8)),
        -1 | 5 => Ok(Some(5)),
        _ => Err(format!(
            "position {pos} (EAS has the 1st to 4th and the last)"
        )),
    }
}

/// What EAS has no element for.
fn unsupported(r: &ICalendarRecurrenceRule) -> Result<(), String> {
    let checks: [(bool, &str); 10] = [
        (
            matches!(r.freq, F::Hourly | F::Minutely | F::Secondly),
            "a frequency finer than daily",
        ),
        (
            !(r.byhour.is_empty() && r.byminute.is_empty() && r.bysecond.is_empty()),
            "BYHOUR, BYMINUTE or BYSECOND",
        ),
        (!r.byyearday.is_empty(), "BYYEARDAY"),
        (!r.byweekno.is_empty(), "BYWEEKNO"),
        (r.bymonth.len() > 1, "more than one BYMONTH"),
        (r.bymonthday.len() > 1, "more than one BYMONTHDAY"),
        (
            !r.bymonth.is_empty() && r.freq != F::Yearly,
            "BYMONTH in a rule that is not yearly",
        ),
        (
            !r.bymonthday.is_empty() && !matches!(r.freq, F::Monthly | F::Yearly),
            "BYMONTHDAY in a rule that is not monthly or yearly",
        ),
        (
            !r.bymonthday.is_empty() && !r.byday.is_empty(),
            "BYMONTHDAY together with BYDAY",
        ),
        (r.rscale.is_some() || r.skip.is_some(), "RSCALE or SKIP"),
    ];
    if let Some((_, what)) = checks.iter().find(|(bad, _)| *bad) {
        return Err(format!("{what} has no EAS equivalent"));
    }
    let positional = !r.bysetpos.is_empty() || r.byday.iter().any(|d| d.ordwk.is_some());
    if positional && matches!(r.freq, F::Daily | F::Weekly) {
        return Err("a position (BYSETPOS, 2MO) in a daily or weekly rule".into());
    }
    if r.interval.is_some_and(|i| i > 999) {
        return Err("an INTERVAL past 999 (MS-ASCAL 2.2.2.26)".into());
    }
    Ok(())
}

/// UNTIL in the item's form: a date is its midnight UTC (and, for a timed series, the end of
/// that day is not meant: RFC 5545 makes it the last instant of the series); a floating time is
/// read in DTSTART's zone.
fn until(u: &calcard::common::PartialDateTime, start: &When, form: UntilForm) -> Option<String> {
    let dt = u.to_date_time()?;
    let utc: DateTime<Utc> = match (dt.offset, start) {
        (Some(off), _) => {
            (dt.date_time - chrono::Duration::seconds(off.local_minus_utc().into())).and_utc()
        }
        (None, When::Instant(_, zone)) if u.has_time() => zone.to_utc(dt.date_time),
        (None, _) => Zone::Utc.to_utc(dt.date_time),
    };
    Some(match form {
        UntilForm::Compact => super::compact(utc),
        UntilForm::Dotted => super::dotted(utc),
    })
}
