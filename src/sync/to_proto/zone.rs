//! The `Timezone` blob of an item (MS-ASCAL 2.2.2.46, MS-ASDTYPE 2.6.4 TIME_ZONE_INFORMATION)
//! from the model's zone: its bias, names, daylight bias and — when the model has them (a
//! received blob's, an imported VTIMEZONE's or IANA zone's) — its transition rules. A zone
//! without rules has them read again from the IANA zone the name stands for (a Windows or
//! IANA name, checked against the biases), else from the first IANA zone with the same
//! offsets; with neither, the blob has no transition rules (and a warning says so). A missing
//! zone is UTC.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::model;
use crate::proto::classes::timezone::{SystemTime, TimeZone as Blob};

/// The blob for a zone in `year` (the item's).
pub(super) fn blob(tz: Option<&model::TimeZone>, year: i32) -> Blob {
    let Some(tz) = tz else {
        return Blob::default();
    };
    let mut b = Blob {
        bias: tz.bias,
        standard_name: tz.standard_name.clone(),
        daylight_name: tz.daylight_name.clone(),
        daylight_bias: tz.daylight_bias,
        ..Blob::default()
    };
    if tz.daylight_bias == 0 {
        return b;
    }
    if let (Some(to_std), Some(to_dst)) = (tz.standard_date, tz.daylight_date) {
        b.standard_date = system_time(to_std);
        b.daylight_date = system_time(to_dst);
        return b;
    }
    match iana(tz, year).and_then(|z| rules(z, year)) {
        Some((to_std, to_dst)) => {
            b.standard_date = to_std;
            b.daylight_date = to_dst;
        }
        None => tracing::warn!(
            "to_proto: no transition rules known for the zone {:?} (bias {}, daylight bias {}): \
             sent without daylight time",
            tz.standard_name,
            tz.bias,
            tz.daylight_bias
        ),
    }
    b
}

/// The IANA zone a model zone stands for.
fn iana(tz: &model::TimeZone, year: i32) -> Option<Tz> {
    let named = match calcard::common::timezone::Tz::from_str(tz.standard_name.trim()) {
        Ok(calcard::common::timezone::Tz::Tz(z)) => Some(z),
        _ => None,
    };
    let fits = |z: &Tz| offsets(*z, year) == (-tz.bias * 60, -(tz.bias + tz.daylight_bias) * 60);
    named.filter(fits).or_else(|| {
        crate::model::PREFERRED_ZONES
            .iter()
            .filter_map(|n| Tz::from_str(n).ok())
            .chain(chrono_tz::TZ_VARIANTS.iter().copied())
            .find(fits)
    })
}

fn offset_at(z: Tz, t: DateTime<Utc>) -> i32 {
    model::iana_offset_at(z, t)
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc()
}

/// (standard, daylight) offsets in `year`, seconds east: the smaller and the larger seen.
fn offsets(z: Tz, year: i32) -> (i32, i32) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let seen = (0..53)
        .filter_map(|w| first.checked_add_days(chrono::Days::new(w * 7)))
        .map(|d| offset_at(z, noon(d)));
    seen.fold((i32::MAX, i32::MIN), |(lo, hi), o| (lo.min(o), hi.max(o)))
}

/// (StandardDate, DaylightDate): the zone's yearly rules ([`model::iana_rules`]).
fn rules(z: Tz, year: i32) -> Option<(SystemTime, SystemTime)> {
    let (to_std, to_dst) = model::iana_rules(z, year)?;
    Some((system_time(to_std), system_time(to_dst)))
}

/// A model transition as a SYSTEMTIME rule (MS-ASDTYPE 2.7: year 0, `day` the week).
fn system_time(r: model::Transition) -> SystemTime {
    SystemTime {
        month: r.month.into(),
        day_of_week: r.day_of_week.into(),
        day: r.week.into(),
        hour: r.hour.into(),
        minute: r.minute.into(),
        ..SystemTime::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::dates::ZONES;

    fn model_of(b: &Blob) -> model::TimeZone {
        model::TimeZone {
            bias: b.bias,
            standard_name: b.standard_name.clone(),
            daylight_name: b.daylight_name.clone(),
            daylight_bias: b.daylight_bias,
            ..model::TimeZone::default()
        }
    }

    #[test]
    fn the_rules_of_real_zones_come_back_as_exchange_writes_them() {
        // The simulator's blobs are Exchange's: the model keeps their names and biases, and
        // the rules are found again from the name.
        for z in ZONES {
            let want = Blob::from_base64(&z.blob()).unwrap();
            let got = blob(Some(&model_of(&want)), 2026);
            assert_eq!(got, want, "{}", z.windows);
        }
    }

    #[test]
    fn a_zone_found_by_its_offsets_and_one_without_rules() {
        let tz = model::TimeZone {
            bias: -60,
            standard_name: "Mitteleuropäische Zeit".into(),
            daylight_name: String::new(),
            daylight_bias: -60,
            ..model::TimeZone::default()
        };
        let b = blob(Some(&tz), 2026);
        assert_eq!(
            (
                b.daylight_date.month,
                b.daylight_date.day,
                b.daylight_date.hour
            ),
            (3, 5, 2)
        );
        let atlantis = model::TimeZone {
            bias: -75,
            daylight_bias: -60,
            ..tz
        };
        let b = blob(Some(&atlantis), 2026);
        assert!(!b.has_dst(), "no zone has these offsets");
        assert_eq!((b.bias, b.daylight_bias), (-75, -60));
        assert_eq!(blob(None, 2026), Blob::default(), "no zone is UTC");
    }
}
