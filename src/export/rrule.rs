//! RRULE from an EAS recurrence as the model keeps it (MS-ASCAL 2.2.2.38, MS-ASTASK 2.2.2.19: Type 0 daily, 1 weekly,
//! 2 monthly, 3 monthly on the nth weekday, 5 yearly, 6 yearly on the nth weekday; Interval,
//! Occurrences → COUNT, Until → UNTIL, DayOfWeek mask → BYDAY, WeekOfMonth → BYSETPOS (5 = last),
//! FirstDayOfWeek → WKST).

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarDay, ICalendarFrequency, ICalendarMonth, ICalendarRecurrenceRule, ICalendarWeekday,
};

use super::ical::{Clock, parse_time};
use super::tz::Zone;
use crate::model::Recurrence;

fn weekdays(mask: u8) -> Vec<ICalendarWeekday> {
    use ICalendarWeekday::*;
    [
        Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday,
    ]
    .into_iter()
    .enumerate()
    .filter(|(i, _)| mask & (1 << i) != 0)
    .map(|(_, d)| d)
    .collect()
}

/// RRULE for a day-based item (tasks): UNTIL as a date.
pub fn recurrence_rule(r: &Recurrence, dates: bool) -> Option<ICalendarRecurrenceRule> {
    rrule(
        r,
        &Clock {
            zone: Zone::Utc,
            all_day: dates,
        },
    )
}

/// RRULE from an EAS recurrence (MS-ASCAL 2.2.2.38 Type 0–6).
pub(super) fn rrule(r: &Recurrence, clock: &Clock) -> Option<ICalendarRecurrenceRule> {
    let days = |ord: Option<i16>| {
        weekdays(r.day_of_week.unwrap_or(0))
            .into_iter()
            .map(|weekday| ICalendarDay {
                ordwk: ord,
                weekday,
            })
            .collect::<Vec<_>>()
    };
    let setpos = r
        .week_of_month
        .map(|w| if w >= 5 { -1 } else { i32::from(w) });
    let mut rule = ICalendarRecurrenceRule {
        interval: r.interval.filter(|&i| i > 1),
        count: r.occurrences.map(u32::from),
        ..Default::default()
    };
    match r.kind? {
        0 => {
            rule.freq = ICalendarFrequency::Daily;
            rule.byday = days(None);
        }
        1 => (rule.freq, rule.byday) = (ICalendarFrequency::Weekly, days(None)),
        2 => {
            (rule.freq, rule.bymonthday) =
                (ICalendarFrequency::Monthly, vec![r.day_of_month? as i8])
        }
        3 => {
            rule.freq = ICalendarFrequency::Monthly;
            rule.byday = days(None);
            rule.bysetpos = vec![setpos?];
        }
        5 => {
            rule.freq = ICalendarFrequency::Yearly;
            rule.bymonth = vec![ICalendarMonth::new(r.month_of_year?, false)];
            rule.bymonthday = vec![r.day_of_month? as i8];
        }
        6 => {
            rule.freq = ICalendarFrequency::Yearly;
            rule.bymonth = vec![ICalendarMonth::new(r.month_of_year?, false)];
            rule.byday = days(None);
            rule.bysetpos = vec![setpos?];
        }
        _ => return None,
    }
    rule.wkst = r
        .first_day_of_week
        .and_then(|d| weekdays(1 << d.min(6)).pop());
    if let Some(until) = r.until.as_deref().and_then(parse_time) {
        rule.until = Some(if clock.all_day {
            let d = clock.local(until).date();
            PartialDateTime::from_date_timestamp(
                d.and_hms_opt(0, 0, 0)
                    .map_or(0, |d| d.and_utc().timestamp()),
            )
        } else {
            PartialDateTime::from_utc_timestamp(until.timestamp())
        });
    }
    Some(rule)
}
