//! The Tasks class (MS-ASTASK 2.2.2).

use wbxml::tags::{air_sync_base as asb, tasks as t};

use super::airsyncbase::Body;
use super::{List, class, string_item};

string_item!(
    /// `Category` (MS-ASTASK 2.2.2.4).
    Category = t::CATEGORY
);

class! {
    /// A task (MS-ASTASK 2.2.2). Dates are `YYYY-MM-DDTHH:MM:SS.MSSZ`; the `utc_` ones are
    /// UTC, the others local time.
    Task {
        body: Body = asb::BODY,
        categories: List<Category> = t::CATEGORIES,
        complete: bool = t::COMPLETE,
        date_completed: String = t::DATE_COMPLETED,
        due_date: String = t::DUE_DATE,
        utc_due_date: String = t::UTC_DUE_DATE,
        /// 0 low, 1 normal, 2 high.
        importance: u8 = t::IMPORTANCE,
        recurrence: Recurrence = t::RECURRENCE,
        reminder_set: bool = t::REMINDER_SET,
        reminder_time: String = t::REMINDER_TIME,
        sensitivity: u8 = t::SENSITIVITY,
        start_date: String = t::START_DATE,
        utc_start_date: String = t::UTC_START_DATE,
        subject: String = t::SUBJECT,
        ordinal_date: String = t::ORDINAL_DATE,
        sub_ordinal_date: String = t::SUB_ORDINAL_DATE,
    }
}

class! {
    /// A task's `Recurrence` (MS-ASTASK 2.2.2.18).
    Recurrence {
        /// 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth day, 5 yearly, 6 yearly on the nth day.
        recurrence_type: u8 = t::TYPE,
        start: String = t::START,
        until: String = t::UNTIL,
        occurrences: u16 = t::OCCURRENCES,
        interval: u16 = t::INTERVAL,
        day_of_month: u8 = t::DAY_OF_MONTH,
        day_of_week: u8 = t::DAY_OF_WEEK,
        week_of_month: u8 = t::WEEK_OF_MONTH,
        month_of_year: u8 = t::MONTH_OF_YEAR,
        /// `Regenerate` (2.2.2.20): the next task is due `interval` after completion.
        regenerate: bool = t::REGENERATE,
        /// `DeadOccur` (2.2.2.9): this is the last occurrence.
        dead_occur: bool = t::DEAD_OCCUR,
        calendar_type: u8 = t::CALENDAR_TYPE,
        is_leap_month: bool = t::IS_LEAP_MONTH,
        first_day_of_week: u8 = t::FIRST_DAY_OF_WEEK,
    }
}
