//! The zone of a calendar item, from its time zone (the model of the EAS TimeZone blob,
//! MS-ASDTYPE 2.6.4), in three steps (../shared/eas/PITFALLS.md on time zones): the Windows
//! zone name mapped to IANA (calcard's table), else the IANA zone whose offsets and transition
//! rules match the zone's, else the zone's own rules (a VTIMEZONE built from them). No zone, or
//! one with no usable bias, is UTC, and so is one whose bias is out of range
//! ([`TimeZone::standard_offset`]); a daylight bias out of range is read as no daylight time.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Offset, TimeZone as _, Utc};
use chrono_tz::Tz;

use crate::model::TimeZone;

/// Where an item's local times come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    Iana(Tz),
    /// No IANA zone matches: the zone's own rules under this TZID.
    Custom {
        id: String,
        tz: TimeZone,
    },
    Utc,
}

/// Resolves an item's zone; none (no blob, garbage, a zero-length one) and one whose bias is
/// out of range are UTC.
pub fn resolve(tz: Option<&TimeZone>) -> Zone {
    let Some(tz) = tz.filter(|tz| tz.standard_offset().is_some()).cloned() else {
        return Zone::Utc;
    };
    if tz.bias == 0 && !tz.has_dst() && tz.standard_name.trim().is_empty() {
        return Zone::Utc;
    }
    if let Some(iana) = by_name(&tz) {
        return Zone::Iana(iana);
    }
    if let Some(iana) = by_rules(&tz) {
        return Zone::Iana(iana);
    }
    let name: String = tz
        .standard_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    let id = if name.trim().is_empty() {
        format!("easync-utc{:+}", tz.standard_offset().unwrap_or(0) / 60)
    } else {
        format!("easync-{}", name.trim().replace(' ', "-"))
    };
    Zone::Custom { id, tz }
}

/// Step 1: the Windows name, if calcard knows it and the offsets agree.
fn by_name(tz: &TimeZone) -> Option<Tz> {
    match calcard::common::timezone::Tz::from_str(tz.standard_name.trim()).ok()? {
        calcard::common::timezone::Tz::Tz(iana) if matches_rules(iana, tz) => Some(iana),
        _ => None,
    }
}

/// Step 2: an IANA zone with the blob's offsets and transitions this year.
fn by_rules(tz: &TimeZone) -> Option<Tz> {
    let preferred = crate::model::PREFERRED_ZONES
        .iter()
        .chain(&["UTC"])
        .filter_map(|n| Tz::from_str(n).ok());
    preferred
        .chain(chrono_tz::TZ_VARIANTS.iter().copied())
        .find(|&z| matches_rules(z, tz))
}

/// Offset (seconds east of UTC) of a zone at a UTC instant.
fn offset(z: Tz, t: DateTime<Utc>) -> i32 {
    z.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The days (UTC, 2026) on which the zone's offset changes, with the new offset.
fn transitions(z: Tz) -> Vec<(NaiveDate, i32)> {
    let mut out = Vec::new();
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .expect("a valid date");
    let mut prev = offset(z, start);
    for day in 1..366 {
        let t = start + chrono::Duration::days(day);
        let now = offset(z, t);
        if now != prev {
            out.push((t.date_naive(), now));
            prev = now;
        }
    }
    out
}

/// Whether the zone has the blob's standard offset, and its daylight offset and transition
/// days (within a day: the blob's hour is local) — or no daylight time when the blob has none.
fn matches_rules(z: Tz, tz: &TimeZone) -> bool {
    let Some(std_offset) = tz.standard_offset() else {
        return false;
    };
    let changes = transitions(z);
    let (std_rule, dst_rule) = (tz.standard_date, tz.daylight_date);
    match (std_rule, dst_rule, tz.daylight_offset()) {
        (Some(s), Some(d), Some(dst_offset)) if tz.daylight_bias != 0 => {
            let near = |want: Option<NaiveDate>, to: i32| {
                want.is_some_and(|w| {
                    changes
                        .iter()
                        .any(|(day, o)| *o == to && (*day - w).num_days().abs() <= 1)
                })
            };
            changes.len() == 2 && near(s.date(2026), std_offset) && near(d.date(2026), dst_offset)
        }
        _ => {
            let jan = Utc
                .with_ymd_and_hms(2026, 1, 15, 12, 0, 0)
                .single()
                .expect("a valid date");
            changes.is_empty() && offset(z, jan) == std_offset
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::classes::timezone::TimeZone as Blob;
    use crate::sim::dates::ZONES;

    /// The simulator's zone `i` as the model has it from the blob (`sync::convert`).
    fn zone(i: usize) -> TimeZone {
        crate::sync::convert::time_zone(&Blob::from_base64(&ZONES[i].blob()).unwrap())
    }

    #[test]
    fn windows_names_map_to_iana() {
        // The simulator's blobs carry real Windows names.
        assert_eq!(
            resolve(Some(&zone(0))),
            Zone::Iana(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            resolve(Some(&zone(1))),
            Zone::Iana(chrono_tz::America::New_York)
        );
        // calcard's table names India by its older alias; tzdata has both.
        let india = resolve(Some(&zone(2)));
        assert!(
            matches!(india, Zone::Iana(z) if ["Asia/Kolkata", "Asia/Calcutta"].contains(&z.name())),
            "{india:?}"
        );
        assert_eq!(
            resolve(Some(&zone(3))),
            Zone::Iana(chrono_tz::Australia::Sydney)
        );
    }

    fn renamed(i: usize, name: &str) -> TimeZone {
        let mut tz = zone(i);
        tz.standard_name = name.into();
        tz.daylight_name = name.into();
        tz
    }

    #[test]
    fn an_unknown_or_8bit_name_is_matched_by_its_rules() {
        // SOGo sends names with heap garbage (../shared/sogo/NOTES.md quirk 5).
        assert_eq!(
            resolve(Some(&renamed(
                0,
                "Mitteleurop\u{e4}ische Zeit \u{fffd}\u{1}"
            ))),
            Zone::Iana(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            resolve(Some(&renamed(1, ""))),
            Zone::Iana(chrono_tz::America::New_York)
        );
    }

    #[test]
    fn rules_no_zone_has_get_a_zone_of_their_own() {
        let mut tz = zone(0);
        tz.standard_name = "Atlantis Time".into();
        tz.bias = -75; // UTC+1:15, daylight +2:15
        let Zone::Custom { id, tz: blob } = resolve(Some(&tz)) else {
            panic!("custom expected")
        };
        assert_eq!(id, "easync-Atlantis-Time");
        let winter = Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 10, 12, 0, 0).unwrap();
        assert_eq!(
            (blob.offset_at(winter), blob.offset_at(summer)),
            (4500, 8100)
        );
    }

    #[test]
    fn garbage_and_empty_blobs_are_utc() {
        // No blob, or one that does not decode: the model has no zone.
        assert_eq!(resolve(None), Zone::Utc);
        assert_eq!(resolve(Some(&TimeZone::default())), Zone::Utc);
        let empty = crate::sync::convert::time_zone(&Blob::default());
        assert_eq!(resolve(Some(&empty)), Zone::Utc);
    }

    #[test]
    fn huge_timezone_bias_does_not_overflow() {
        // `-tz.bias * 60` on a bias of 0x80000000 panicked in debug builds and wrapped to a
        // wrong offset in release builds.
        let mut tz = zone(0);
        tz.standard_name = "Nowhere".into();
        tz.bias = i32::MIN;
        assert_eq!(resolve(Some(&tz)), Zone::Utc, "garbage: UTC");
        assert_eq!(tz.offset_at(Utc::now()), 0);
        // A sane bias with a garbage daylight bias: standard time only.
        tz.bias = -75;
        tz.daylight_bias = i32::MAX;
        let Zone::Custom { tz: blob, .. } = resolve(Some(&tz)) else {
            panic!("custom expected")
        };
        let summer = Utc.with_ymd_and_hms(2026, 7, 10, 12, 0, 0).unwrap();
        assert_eq!(blob.offset_at(summer), 4500);
    }
}
