//! An item's time zone: what the TIME_ZONE_INFORMATION blob (MS-ASDTYPE 2.7) says, decoded —
//! the biases, the names and the yearly transition rules — and the offsets it gives at an
//! instant by those rules (the export's zones of their own, the import's VTIMEZONEs).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

/// The largest bias, in minutes, taken as a time zone: real zones lie between UTC−12 and UTC+14
/// and daylight time shifts them by at most two hours, so anything beyond a day is garbage
/// (the same bound as the blob's decoder, `proto::classes::timezone::MAX_BIAS`).
pub const MAX_BIAS: i32 = 24 * 60;

/// An event's time zone (MS-ASDTYPE 2.7: the TIME_ZONE_INFORMATION blob, decoded).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TimeZone {
    /// Minutes to add to local standard time to get UTC (UTC+1 is -60).
    pub bias: i32,
    pub standard_name: String,
    pub daylight_name: String,
    /// Minutes added to `bias` during daylight time (usually -60); 0 without daylight time.
    pub daylight_bias: i32,
    /// When daylight time ends (the blob's `StandardDate`), if the blob has a usable yearly
    /// rule there; `None` for "no transition", a fixed-year date or garbage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard_date: Option<Transition>,
    /// When daylight time begins (the blob's `DaylightDate`), likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daylight_date: Option<Transition>,
}

/// A yearly transition (a `SYSTEMTIME` in the blob's day-of-month form, MS-ASDTYPE 2.7): in
/// `month`, on the `week`-th (5 = last) `day_of_week` (0 = Sunday), at `hour:minute` local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Transition {
    pub month: u8,
    pub week: u8,
    pub day_of_week: u8,
    pub hour: u8,
    pub minute: u8,
}

impl Transition {
    /// The day of `year` this rule falls on (`None` when out of range).
    pub fn date(self, year: i32) -> Option<NaiveDate> {
        let weekday = chrono::Weekday::try_from(((self.day_of_week as u32 + 6) % 7) as u8).ok()?;
        if self.week >= 5 {
            let next = if self.month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, u32::from(self.month) + 1, 1)
            }?;
            let mut d = next.pred_opt()?;
            while d.weekday() != weekday {
                d = d.pred_opt()?;
            }
            return Some(d);
        }
        NaiveDate::from_weekday_of_month_opt(year, self.month.into(), weekday, self.week)
    }
}

/// `-bias` minutes as seconds, for a bias within [`MAX_BIAS`].
fn bias_offset(bias: i32) -> Option<i32> {
    (-MAX_BIAS..=MAX_BIAS).contains(&bias).then(|| -bias * 60)
}

impl TimeZone {
    /// Whether the zone observes daylight saving time with usable rules.
    pub fn has_dst(&self) -> bool {
        self.standard_date.is_some() && self.daylight_date.is_some()
    }

    /// Standard time's offset in seconds east of UTC (`-Bias` minutes), or `None` when the
    /// bias is out of range (garbage).
    pub fn standard_offset(&self) -> Option<i32> {
        bias_offset(self.bias)
    }

    /// Daylight time's offset in seconds east of UTC (`-(Bias + DaylightBias)` minutes), or
    /// `None` when either bias or their sum is out of range (garbage).
    pub fn daylight_offset(&self) -> Option<i32> {
        bias_offset(self.bias)?;
        bias_offset(self.daylight_bias)?;
        bias_offset(self.bias.checked_add(self.daylight_bias)?)
    }

    /// Offset (seconds east of UTC) of the zone at a UTC instant, by its own rules; 0 (UTC)
    /// when the bias is out of range, the standard offset when the daylight bias is.
    pub fn offset_at(&self, t: DateTime<Utc>) -> i32 {
        let Some(std) = self.standard_offset() else {
            return 0;
        };
        let (Some(s), Some(d)) = (self.standard_date, self.daylight_date) else {
            return std;
        };
        let Some(dst) = self.daylight_offset().filter(|_| self.daylight_bias != 0) else {
            return std;
        };
        let year = t.year();
        let at = |r: Transition, off: i32| {
            r.date(year)
                .and_then(|day| day.and_hms_opt(r.hour.into(), r.minute.into(), 0))
                .map(|local| local.and_utc().timestamp() - i64::from(off))
        };
        let (Some(to_dst), Some(to_std)) = (at(d, std), at(s, dst)) else {
            return std;
        };
        let now = t.timestamp();
        let in_dst = if to_dst < to_std {
            now >= to_dst && now < to_std
        } else {
            now >= to_dst || now < to_std
        };
        if in_dst { dst } else { std }
    }
}

/// The yearly rules (back to standard time, start of daylight time) of an IANA zone as it
/// changes in `year`, in the blob's form: the nth (5 = last) weekday of the month at the local
/// wall time before each change — what Exchange writes for the zone. `None` without daylight
/// time that year. Used both ways: the import's zones and the blobs sent for them.
pub fn iana_rules(z: chrono_tz::Tz, year: i32) -> Option<(Transition, Transition)> {
    let t = transitions(z, year);
    let to_dst = t.iter().find(|(_, before, after)| after > before)?;
    let to_std = t.iter().find(|(_, before, after)| after < before)?;
    Some((
        transition(to_std.0, to_std.1),
        transition(to_dst.0, to_dst.1),
    ))
}

/// Offset (seconds east of UTC) of an IANA zone at a UTC instant.
pub fn iana_offset_at(z: chrono_tz::Tz, t: DateTime<Utc>) -> i32 {
    use chrono::{Offset, TimeZone as _};
    z.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc()
}

/// The instants of `year` at which the offset changes, with the offsets before and after.
fn transitions(z: chrono_tz::Tz, year: i32) -> Vec<(DateTime<Utc>, i32, i32)> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let mut out = Vec::new();
    for d in first.iter_days().take_while(|d| d.year() == year) {
        let (a, b) = (noon(d), noon(d) + chrono::Duration::days(1));
        let (before, after) = (iana_offset_at(z, a), iana_offset_at(z, b));
        if before == after {
            continue;
        }
        // The first second with the new offset, by halving the day.
        let (mut lo, mut hi) = (a.timestamp(), b.timestamp());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let at = DateTime::from_timestamp(mid, 0).unwrap_or(a);
            if iana_offset_at(z, at) == before {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        out.push((DateTime::from_timestamp(hi, 0).unwrap_or(b), before, after));
    }
    out
}

/// A transition as a yearly rule: month, the nth (5 = last) weekday, local wall time.
fn transition(at: DateTime<Utc>, offset_before: i32) -> Transition {
    let local = at.naive_utc() + chrono::Duration::seconds(offset_before.into());
    let d = local.date();
    let last = d
        .checked_add_days(chrono::Days::new(7))
        .is_none_or(|n| n.month() != d.month());
    Transition {
        month: d.month() as u8,
        day_of_week: d.weekday().num_days_from_sunday() as u8,
        week: if last {
            5
        } else {
            ((d.day() - 1) / 7 + 1) as u8
        },
        hour: chrono::Timelike::hour(&local) as u8,
        minute: chrono::Timelike::minute(&local) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_biases_are_garbage_not_an_overflow() {
        let mut tz = TimeZone {
            bias: -60,
            daylight_bias: -60,
            ..TimeZone::default()
        };
        assert_eq!(
            (tz.standard_offset(), tz.daylight_offset()),
            (Some(3600), Some(7200))
        );
        for bias in [i32::MIN, i32::MAX, MAX_BIAS + 1, -MAX_BIAS - 1] {
            tz.bias = bias;
            assert_eq!(tz.standard_offset(), None, "bias {bias}");
            assert_eq!(tz.daylight_offset(), None, "bias {bias}");
        }
        tz.bias = -60;
        tz.daylight_bias = i32::MIN;
        assert_eq!(
            tz.standard_offset(),
            Some(3600),
            "the standard offset stands alone"
        );
        assert_eq!(tz.daylight_offset(), None);
        tz.bias = MAX_BIAS;
        tz.daylight_bias = 60;
        assert_eq!(tz.daylight_offset(), None, "a sum beyond a day");
    }
}
