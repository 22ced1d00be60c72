//! A VTIMEZONE built from a time zone's own rules (the third path of [`super::tz`]): a
//! STANDARD and a DAYLIGHT observance with yearly RRULEs from the blob's transition dates
//! (MS-ASDTYPE 2.7, kept in the model), or a single STANDARD when it has no daylight time.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarDay, ICalendarEntry,
    ICalendarFrequency, ICalendarMonth, ICalendarProperty as P, ICalendarRecurrenceRule,
    ICalendarWeekday,
};

use crate::model::{TimeZone, Transition};

fn offset(seconds: i32) -> PartialDateTime {
    let s = seconds.unsigned_abs();
    PartialDateTime {
        tz_hour: u8::try_from(s / 3600).ok(),
        tz_minute: u8::try_from(s % 3600 / 60).ok(),
        tz_minus: seconds < 0,
        ..Default::default()
    }
}

fn observance(
    kind: ICalendarComponentType,
    rule: Option<Transition>,
    from: i32,
    to: i32,
) -> ICalendarComponent {
    let mut c = ICalendarComponent::new(kind);
    let (month, hour, minute) = rule.map_or((1, 0, 0), |r| (r.month, r.hour, r.minute));
    let start = chrono::NaiveDate::from_ymd_opt(1970, month.into(), 1)
        .and_then(|d| d.and_hms_opt(hour.into(), minute.into(), 0))
        .map_or(0, |d| d.and_utc().timestamp());
    c.entries.push(
        ICalendarEntry::new(P::Dtstart).with_value(PartialDateTime::from_naive_timestamp(start)),
    );
    c.entries
        .push(ICalendarEntry::new(P::Tzoffsetfrom).with_value(offset(from)));
    c.entries
        .push(ICalendarEntry::new(P::Tzoffsetto).with_value(offset(to)));
    if let Some(r) = rule {
        use ICalendarWeekday::*;
        let weekday = [
            Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday,
        ][usize::from(r.day_of_week.min(6))];
        let ordwk = if r.week >= 5 { -1 } else { i16::from(r.week) };
        let rule = ICalendarRecurrenceRule {
            freq: ICalendarFrequency::Yearly,
            bymonth: vec![ICalendarMonth::new(r.month, false)],
            byday: vec![ICalendarDay {
                ordwk: Some(ordwk),
                weekday,
            }],
            ..Default::default()
        };
        c.entries
            .push(ICalendarEntry::new(P::Rrule).with_value(rule));
    }
    c
}

/// Adds `VTIMEZONE` `id` with the blob's rules to the calendar. Biases out of range
/// ([`TimeZone::standard_offset`]) read as UTC, a daylight bias out of range as no daylight time
/// ([`super::tz`] resolves such a standard bias to UTC before it gets here).
pub fn push_custom(cal: &mut ICalendar, id: &str, tz: &TimeZone) {
    let std = tz.standard_offset().unwrap_or(0);
    let mut vtz = ICalendarComponent::new(ICalendarComponentType::VTimezone);
    vtz.entries
        .push(ICalendarEntry::new(P::Tzid).with_value(id.to_string()));
    let daylight = tz.daylight_offset().filter(|_| tz.daylight_bias != 0);
    let observances = match (tz.standard_date, tz.daylight_date, daylight) {
        (Some(s), Some(d), Some(dst)) => vec![
            observance(ICalendarComponentType::Standard, Some(s), dst, std),
            observance(ICalendarComponentType::Daylight, Some(d), std, dst),
        ],
        _ => vec![observance(ICalendarComponentType::Standard, None, std, std)],
    };
    let vidx = cal.components.len() as u32;
    cal.components.push(vtz);
    cal.components[0].component_ids.push(vidx);
    for o in observances {
        let idx = cal.components.len() as u32;
        cal.components.push(o);
        cal.components[vidx as usize].component_ids.push(idx);
    }
}
