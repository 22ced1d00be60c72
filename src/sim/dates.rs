//! Civil dates and the four real time zones the simulated calendar uses, with their Windows
//! `TIME_ZONE_INFORMATION` rules (MS-ASDTYPE 2.6.4), so that event times on the wire are the UTC
//! instants a real Exchange server would send for "09:00 in Berlin".

use crate::proto::classes::timezone::{SystemTime, TimeZone};

/// A yearly transition: the `week`-th (5 = last) `dow` (0 = Sunday) of `month`, at `hour` local.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub month: u16,
    pub week: u16,
    pub dow: u16,
    pub hour: u16,
}

/// A zone as Exchange describes it: its IANA name (for tests), Windows name, bias and rules.
#[derive(Debug, Clone, Copy)]
pub struct Zone {
    pub iana: &'static str,
    pub windows: &'static str,
    pub daylight_name: &'static str,
    /// Minutes added to local standard time to get UTC.
    pub bias: i32,
    /// (back to standard time, start of daylight time).
    pub dst: Option<(Rule, Rule)>,
}

const fn rule(month: u16, week: u16, dow: u16, hour: u16) -> Rule {
    Rule {
        month,
        week,
        dow,
        hour,
    }
}

/// Berlin, New York, Kolkata (no DST), Sydney (southern hemisphere).
pub const ZONES: [Zone; 4] = [
    Zone {
        iana: "Europe/Berlin",
        windows: "W. Europe Standard Time",
        daylight_name: "W. Europe Daylight Time",
        bias: -60,
        dst: Some((rule(10, 5, 0, 3), rule(3, 5, 0, 2))),
    },
    Zone {
        iana: "America/New_York",
        windows: "Eastern Standard Time",
        daylight_name: "Eastern Daylight Time",
        bias: 300,
        dst: Some((rule(11, 1, 0, 2), rule(3, 2, 0, 2))),
    },
    Zone {
        iana: "Asia/Kolkata",
        windows: "India Standard Time",
        daylight_name: "India Daylight Time",
        bias: -330,
        dst: None,
    },
    Zone {
        iana: "Australia/Sydney",
        windows: "AUS Eastern Standard Time",
        daylight_name: "AUS Eastern Daylight Time",
        bias: -600,
        dst: Some((rule(4, 1, 0, 3), rule(10, 1, 0, 2))),
    },
];

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400) as i32 + i32::from(m <= 2);
    (y, m, d)
}

/// 0 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    (next - days_from_civil(y, m, 1)) as u32
}

/// The day of month of the `week`-th (5 = last) weekday `dow` of a month.
pub fn nth_weekday(y: i32, m: u32, week: u32, dow: u32) -> u32 {
    let first = weekday(days_from_civil(y, m, 1));
    let mut day = 1 + (dow + 7 - first) % 7 + 7 * (week.min(5) - 1);
    while day > days_in_month(y, m) {
        day -= 7;
    }
    day
}

/// Seconds since the epoch of a local wall time, ignoring zones.
pub fn wall(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400 + i64::from(h * 3600 + min * 60)
}

impl Zone {
    /// The UTC instant of a local wall time (in a DST gap, the later reading).
    pub fn to_utc(&self, local: i64) -> i64 {
        let offset = self.bias + if self.is_dst(local) { -60 } else { 0 };
        local + i64::from(offset) * 60
    }

    fn is_dst(&self, local: i64) -> bool {
        let Some((std, dst)) = self.dst else {
            return false;
        };
        let (y, _, _) = civil_from_days(local.div_euclid(86_400));
        let at = |r: Rule| {
            let day = nth_weekday(y, r.month.into(), r.week.into(), r.dow.into());
            wall(y, r.month.into(), day, r.hour.into(), 0)
        };
        let (to_dst, to_std) = (at(dst), at(std));
        if to_dst < to_std {
            local >= to_dst && local < to_std
        } else {
            local >= to_dst || local < to_std
        }
    }

    /// The zone as the base64 blob of a `Timezone` element.
    pub fn blob(&self) -> String {
        let date = |r: Option<Rule>| {
            r.map_or(SystemTime::default(), |r| SystemTime {
                month: r.month,
                day_of_week: r.dow,
                day: r.week,
                hour: r.hour,
                ..SystemTime::default()
            })
        };
        TimeZone {
            bias: self.bias,
            standard_name: self.windows.into(),
            standard_date: date(self.dst.map(|d| d.0)),
            standard_bias: 0,
            daylight_name: self.daylight_name.into(),
            daylight_date: date(self.dst.map(|d| d.1)),
            daylight_bias: if self.dst.is_some() { -60 } else { 0 },
        }
        .to_base64()
    }
}

/// `YYYYMMDDTHHMMSSZ` (MS-ASCAL times).
pub fn compact(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` (MS-ASDTYPE 2.3, email and task dates).
pub fn iso(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// RFC 5322 date (`Fri, 27 Nov 2026 10:00:00 +0000`).
pub fn rfc5322(ts: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ts.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let s = ts.rem_euclid(86_400);
    format!(
        "{}, {d} {} {y} {:02}:{:02}:{:02} +0000",
        DAYS[weekday(days) as usize],
        MONTHS[m as usize - 1],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// An HTTP date (RFC 9110 IMF-fixdate: `Fri, 27 Nov 2026 10:00:00 GMT`).
pub fn http_date(ts: i64) -> String {
    let text = rfc5322(ts);
    let (day, rest) = text.split_once(", ").expect("rfc5322 has a weekday");
    let (d, rest) = rest.split_once(' ').expect("and a day");
    format!("{day}, {d:0>2} {}", rest.replace("+0000", "GMT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_weekdays() {
        for z in [-1_000_000, -1, 0, 1, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(weekday(days_from_civil(2026, 11, 27)), 5); // a Friday
        assert_eq!(nth_weekday(2026, 3, 5, 0), 29); // last Sunday of March 2026
        assert_eq!(nth_weekday(2026, 3, 2, 0), 8);
        assert_eq!(compact(wall(2026, 1, 2, 3, 4)), "20260102T030400Z");
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc5322(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn zones_convert_like_the_tz_database() {
        let [berlin, new_york, kolkata, sydney] = ZONES;
        // Winter and summer 09:00 in Berlin: 08:00 and 07:00 UTC.
        assert_eq!(
            compact(berlin.to_utc(wall(2026, 1, 15, 9, 0))),
            "20260115T080000Z"
        );
        assert_eq!(
            compact(berlin.to_utc(wall(2026, 7, 15, 9, 0))),
            "20260715T070000Z"
        );
        // New York switches on the second Sunday of March (2026-03-08).
        assert_eq!(
            compact(new_york.to_utc(wall(2026, 3, 7, 9, 0))),
            "20260307T140000Z"
        );
        assert_eq!(
            compact(new_york.to_utc(wall(2026, 3, 9, 9, 0))),
            "20260309T130000Z"
        );
        assert_eq!(
            compact(kolkata.to_utc(wall(2026, 7, 1, 9, 0))),
            "20260701T033000Z"
        );
        // Sydney is on daylight time in January, standard time in July.
        assert_eq!(
            compact(sydney.to_utc(wall(2026, 1, 15, 9, 0))),
            "20260114T220000Z"
        );
        assert_eq!(
            compact(sydney.to_utc(wall(2026, 7, 15, 9, 0))),
            "20260714T230000Z"
        );
    }

    #[test]
    fn blobs_decode_to_their_rules() {
        let tz = TimeZone::from_base64(&ZONES[0].blob()).unwrap();
        assert_eq!(tz.bias, -60);
        assert_eq!(tz.standard_name, "W. Europe Standard Time");
        assert_eq!(tz.daylight_date.rule().unwrap().month, 3);
        assert!(!TimeZone::from_base64(&ZONES[2].blob()).unwrap().has_dst());
    }
}
