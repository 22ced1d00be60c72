//! The structured parts of items, stored as JSON columns (addresses, attendees, recurrences,
//! exceptions, time zones): users query them with SQLite's JSON functions.

use serde::{Deserialize, Serialize};

/// A postal address of a contact (MS-ASCNTC 2.2.2: Business/Home/Other address fields).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Address {
    /// `business`, `home` or `other`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// An attendee of an event (MS-ASCAL 2.2.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Attendee {
    pub email: Option<String>,
    pub name: Option<String>,
    /// 0 unknown, 2 tentative, 3 accepted, 4 declined, 5 not responded.
    pub status: Option<u8>,
    /// 1 required, 2 optional, 3 resource.
    #[serde(rename = "type")]
    pub kind: Option<u8>,
}

/// A recurrence rule (MS-ASCAL 2.2.2.35, MS-ASTASK 2.2.2.18).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Recurrence {
    /// 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth weekday, 5 yearly, 6 yearly on the
    /// nth weekday.
    #[serde(rename = "type")]
    pub kind: Option<u8>,
    pub interval: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Bit mask: 1 Sunday, 2 Monday … 64 Saturday.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week_of_month: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_of_year: Option<u8>,
    /// The first day of the week, 0 Sunday … 6 Saturday (MS-ASCAL 2.2.2.21 `FirstDayOfWeek`,
    /// 14.1 and later): the RRULE's WKST.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_day_of_week: Option<u8>,
}

/// One changed or deleted occurrence of a series (MS-ASCAL 2.2.2.20); read back from the
/// store's JSON by the calendar export.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Exception {
    /// The occurrence's original start (`ExceptionStartTime`).
    pub original_start: Option<String>,
    pub deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// IANA zones tried first when a Windows time zone is matched by its offsets or rules (so
/// Europe/Berlin, not Africa/Ceuta, stands for CET): used both ways, to read an item's zone and
/// to write one.
pub const PREFERRED_ZONES: [&str; 15] = [
    "Europe/Berlin",
    "Europe/London",
    "Europe/Helsinki",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
];
