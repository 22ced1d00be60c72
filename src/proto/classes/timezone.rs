//! The time-zone blob of calendar items and meeting requests (MS-ASDTYPE 2.6.4, MS-ASCAL
//! 2.2.2.46): a base64-encoded Windows `TIME_ZONE_INFORMATION`, 172 bytes — bias, two names,
//! and the standard/daylight transition rules as `SYSTEMTIME`s.
//!
//! Servers send garbage in it (SOGo leaks heap bytes into `StandardDate`, Z-Push sends all
//! zeros), so decoding is lenient: any 172 bytes decode, names are read as lossy UTF-16 up to
//! the first NUL, and [`SystemTime::rule`] says whether a date is a usable transition rule.
//! The biases are any 32-bit values on the wire: the model's zone
//! (`crate::model::TimeZone::standard_offset`, `daylight_offset`) checks them (checked
//! arithmetic, at most [`MAX_BIAS`]) so that garbage is refused instead of overflowing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::proto::ProtoError;

/// The blob's length in bytes.
pub const BLOB_LEN: usize = 172;

/// The largest bias, in minutes, taken as a time zone: real zones lie between UTC−12 and UTC+14
/// and daylight time shifts them by at most two hours, so anything beyond a day is garbage.
pub const MAX_BIAS: i32 = 24 * 60;

/// A Windows `SYSTEMTIME` as used in a transition rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SystemTime {
    pub year: u16,
    pub month: u16,
    pub day_of_week: u16,
    pub day: u16,
    pub hour: u16,
    pub minute: u16,
    pub second: u16,
    pub milliseconds: u16,
}

/// A yearly transition: in `month`, on the `week`-th (5 = last) `day_of_week` (0 = Sunday), at
/// `hour:minute` local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRule {
    pub month: u8,
    pub week: u8,
    pub day_of_week: u8,
    pub hour: u8,
    pub minute: u8,
}

impl SystemTime {
    /// The yearly rule this date encodes, or `None` when it is "no transition" (month 0), a
    /// fixed-year date, or out of range (garbage).
    pub fn rule(&self) -> Option<TransitionRule> {
        let ok = self.year == 0
            && (1..=12).contains(&self.month)
            && self.day_of_week <= 6
            && (1..=5).contains(&self.day)
            && self.hour <= 23
            && self.minute <= 59;
        ok.then_some(TransitionRule {
            month: self.month as u8,
            week: self.day as u8,
            day_of_week: self.day_of_week as u8,
            hour: self.hour as u8,
            minute: self.minute as u8,
        })
    }
}

/// The decoded blob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeZone {
    /// Minutes to add to local standard time to get UTC (UTC+1 is -60).
    pub bias: i32,
    pub standard_name: String,
    pub standard_date: SystemTime,
    pub standard_bias: i32,
    pub daylight_name: String,
    pub daylight_date: SystemTime,
    /// Usually -60: minutes added to `bias` during daylight time.
    pub daylight_bias: i32,
}

impl TimeZone {
    /// Decodes the base64 text of a `Timezone`/`TimeZone` element.
    pub fn from_base64(text: &str) -> Result<Self, ProtoError> {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| ProtoError::Invalid {
                what: "TimeZone",
                value: text.chars().take(16).collect(),
                reason: "not base64",
            })?;
        Self::from_bytes(&bytes)
    }

    /// Decodes the 172 bytes. Shorter blobs (seen in the wild) are read as if padded with
    /// zeros — the bias survives, the missing rules read as "no transition" — and bytes past
    /// 172 are ignored; fewer than the 4 bytes of the bias is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtoError> {
        if bytes.len() < 4 {
            return Err(ProtoError::Invalid {
                what: "TimeZone",
                value: format!("{} bytes", bytes.len()),
                reason: "a TIME_ZONE_INFORMATION blob has 172 bytes",
            });
        }
        let mut padded = [0u8; BLOB_LEN];
        let n = bytes.len().min(BLOB_LEN);
        padded[..n].copy_from_slice(&bytes[..n]);
        let b = &padded;
        let i32_at = |o: usize| i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        Ok(Self {
            bias: i32_at(0),
            standard_name: utf16_name(&b[4..68]),
            standard_date: system_time(&b[68..84]),
            standard_bias: i32_at(84),
            daylight_name: utf16_name(&b[88..152]),
            daylight_date: system_time(&b[152..168]),
            daylight_bias: i32_at(168),
        })
    }

    /// The 172 bytes (names truncated to 31 UTF-16 units).
    pub fn to_bytes(&self) -> [u8; BLOB_LEN] {
        let mut b = [0u8; BLOB_LEN];
        b[0..4].copy_from_slice(&self.bias.to_le_bytes());
        put_name(&mut b[4..68], &self.standard_name);
        put_time(&mut b[68..84], &self.standard_date);
        b[84..88].copy_from_slice(&self.standard_bias.to_le_bytes());
        put_name(&mut b[88..152], &self.daylight_name);
        put_time(&mut b[152..168], &self.daylight_date);
        b[168..172].copy_from_slice(&self.daylight_bias.to_le_bytes());
        b
    }

    /// The base64 text for a `Timezone` element.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_bytes())
    }

    /// Whether the zone observes daylight saving time with usable rules.
    pub fn has_dst(&self) -> bool {
        self.standard_date.rule().is_some() && self.daylight_date.rule().is_some()
    }
}

fn utf16_name(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

fn system_time(b: &[u8]) -> SystemTime {
    let u = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
    SystemTime {
        year: u(0),
        month: u(1),
        day_of_week: u(2),
        day: u(3),
        hour: u(4),
        minute: u(5),
        second: u(6),
        milliseconds: u(7),
    }
}

fn put_name(out: &mut [u8], name: &str) {
    for (i, unit) in name.encode_utf16().take(31).enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&unit.to_le_bytes());
    }
}

fn put_time(out: &mut [u8], t: &SystemTime) {
    let fields = [
        t.year,
        t.month,
        t.day_of_week,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.milliseconds,
    ];
    for (i, f) in fields.iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&f.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// W. Europe Standard Time as Exchange sends it: bias -60, last Sunday of October 03:00,
    /// last Sunday of March 02:00, daylight bias -60.
    fn berlin() -> TimeZone {
        TimeZone {
            bias: -60,
            standard_name: "W. Europe Standard Time".into(),
            standard_date: SystemTime {
                month: 10,
                day: 5,
                hour: 3,
                ..Default::default()
            },
            standard_bias: 0,
            daylight_name: "W. Europe Daylight Time".into(),
            daylight_date: SystemTime {
                month: 3,
                day: 5,
                hour: 2,
                ..Default::default()
            },
            daylight_bias: -60,
        }
    }

    #[test]
    fn round_trips_through_base64() {
        let tz = berlin();
        let text = tz.to_base64();
        assert_eq!(text.len(), 232);
        assert_eq!(TimeZone::from_base64(&text).unwrap(), tz);
        let rule = tz.standard_date.rule().unwrap();
        assert_eq!(
            (rule.month, rule.week, rule.day_of_week, rule.hour),
            (10, 5, 0, 3)
        );
        assert!(tz.has_dst());
    }

    #[test]
    fn horde_blob_decodes() {
        // From fixtures/wbxml/horde-dst.xml (US Eastern: bias 300, Nov 1st Sunday, Mar 2nd Sunday).
        let text = "LAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAAxP///w==";
        let tz = TimeZone::from_base64(text).unwrap();
        assert_eq!(tz.bias, 300);
        assert_eq!(
            tz.standard_date.rule().map(|r| (r.month, r.week)),
            Some((11, 1))
        );
        assert_eq!(
            tz.daylight_date.rule().map(|r| (r.month, r.week)),
            Some((3, 2))
        );
        assert_eq!(tz.daylight_bias, -60);
    }

    #[test]
    fn garbage_and_wrong_sizes() {
        let mut junk = berlin().to_bytes();
        junk[68..84].copy_from_slice(&[
            0x70, 0x3A, 0xFF, 0x7F, 0x13, 0, 0x99, 0, 1, 2, 3, 4, 5, 6, 7, 8,
        ]);
        junk[4..8].copy_from_slice(&[0x00, 0xD8, 0x41, 0x00]); // lone surrogate, then 'A'
        let tz = TimeZone::from_bytes(&junk).unwrap();
        assert_eq!(tz.standard_date.rule(), None, "year 14960 is no rule");
        assert!(!tz.has_dst());
        assert!(tz.standard_name.starts_with('\u{FFFD}'));
        let short = TimeZone::from_bytes(&berlin().to_bytes()[..110]).unwrap();
        assert_eq!(short.bias, -60, "a truncated blob keeps its bias");
        assert_eq!(short.daylight_date.rule(), None);
        assert!(TimeZone::from_bytes(&[0; 3]).is_err());
        assert!(TimeZone::from_base64("not base64!").is_err());
        assert!(!TimeZone::from_bytes(&[0; 172]).unwrap().has_dst());
    }
}
