//! The Calendar class (MS-ASCAL 2.2.2): events, recurrences, exceptions (embedded on 14.x,
//! per-instance changes keyed by `InstanceId` on 16.x) and attendees.

use wbxml::tags::{air_sync_base as asb, calendar as cal};

use super::airsyncbase::{Attachments, Body, Location};
use super::{List, class, item, string_item};

string_item!(
    /// `Category` (MS-ASCAL 2.2.2.9).
    Category = cal::CATEGORY
);

class! {
    /// A calendar item (MS-ASCAL 2.2.2). Times are `YYYYMMDDTHHMMSSZ` (UTC); on 16.1 all-day
    /// events are floating dates without a time zone.
    Event {
        /// `Timezone` (2.2.2.46): the base64 172-byte blob, see [`super::timezone`].
        timezone: String = cal::TIMEZONE,
        all_day_event: bool = cal::ALL_DAY_EVENT,
        body: Body = asb::BODY,
        native_body_type: u8 = asb::NATIVE_BODY_TYPE,
        /// `BusyStatus` (2.2.2.8): 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere.
        busy_status: u8 = cal::BUSY_STATUS,
        organizer_name: String = cal::ORGANIZER_NAME,
        organizer_email: String = cal::ORGANIZER_EMAIL,
        dt_stamp: String = cal::DT_STAMP,
        end_time: String = cal::END_TIME,
        /// `Location` as text (up to 14.1).
        location: String = cal::LOCATION,
        /// `airsyncbase:Location` (16.x).
        location16: Location = asb::LOCATION,
        /// `Reminder` (2.2.2.37): minutes before the start.
        reminder: u32 = cal::REMINDER,
        /// `Sensitivity` (2.2.2.40): 0 normal, 1 personal, 2 private, 3 confidential.
        sensitivity: u8 = cal::SENSITIVITY,
        subject: String = cal::SUBJECT,
        start_time: String = cal::START_TIME,
        /// `UID` (2.2.2.47): the iCalendar UID; not sent in Add/Change on 16.1.
        uid: String = cal::UID,
        /// `MeetingStatus` (2.2.2.30).
        meeting_status: u8 = cal::MEETING_STATUS,
        attendees: List<Attendee> = cal::ATTENDEES,
        categories: List<Category> = cal::CATEGORIES,
        recurrence: Recurrence = cal::RECURRENCE,
        /// `Exceptions` (2.2.2.22): changed or deleted occurrences. Servers send them embedded in
        /// every version; on 16.x each is identified by `airsyncbase:InstanceId`, and a client
        /// changes one only by a per-instance Change (MUST NOT send `Exceptions` on 16.x).
        exceptions: List<Exception> = cal::EXCEPTIONS,
        response_requested: bool = cal::RESPONSE_REQUESTED,
        appointment_reply_time: String = cal::APPOINTMENT_REPLY_TIME,
        /// `ResponseType` (2.2.2.38): 0 none, 1 organizer, 2 tentative, 3 accepted, 4 declined, 5 not responded.
        response_type: u8 = cal::RESPONSE_TYPE,
        disallow_new_time_proposal: bool = cal::DISALLOW_NEW_TIME_PROPOSAL,
        online_meeting_conf_link: String = cal::ONLINE_MEETING_CONF_LINK,
        online_meeting_external_link: String = cal::ONLINE_MEETING_EXTERNAL_LINK,
        attachments: Attachments = asb::ATTACHMENTS,
        /// `InstanceId` (16.x, MS-ASAIRS 2.2.2.25): the occurrence a Change or Delete is about.
        instance_id: String = asb::INSTANCE_ID,
        /// `ClientUid` (16.1, 2.2.2.12).
        client_uid: String = cal::CLIENT_UID,
    }
}

class! {
    /// An `Attendee` (MS-ASCAL 2.2.2.3).
    Attendee {
        email: String = cal::EMAIL,
        name: String = cal::NAME,
        /// `AttendeeStatus` (2.2.2.4): 0 unknown, 2 tentative, 3 accept, 4 decline, 5 not responded.
        attendee_status: u8 = cal::ATTENDEE_STATUS,
        /// `AttendeeType` (2.2.2.5): 1 required, 2 optional, 3 resource.
        attendee_type: u8 = cal::ATTENDEE_TYPE,
    }
}
item!(Attendee = cal::ATTENDEE);

class! {
    /// A `Recurrence` (MS-ASCAL 2.2.2.35).
    Recurrence {
        /// `Type` (2.2.2.45): 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth day,
        /// 5 yearly, 6 yearly on the nth day.
        recurrence_type: u8 = cal::TYPE,
        occurrences: u16 = cal::OCCURRENCES,
        interval: u16 = cal::INTERVAL,
        week_of_month: u8 = cal::WEEK_OF_MONTH,
        /// `DayOfWeek` (2.2.2.17): bit mask, 1 Sunday … 64 Saturday.
        day_of_week: u8 = cal::DAY_OF_WEEK,
        month_of_year: u8 = cal::MONTH_OF_YEAR,
        until: String = cal::UNTIL,
        day_of_month: u8 = cal::DAY_OF_MONTH,
        calendar_type: u8 = cal::CALENDAR_TYPE,
        is_leap_month: bool = cal::IS_LEAP_MONTH,
        first_day_of_week: u8 = cal::FIRST_DAY_OF_WEEK,
    }
}

class! {
    /// An `Exception` (MS-ASCAL 2.2.2.21): one occurrence of a series, changed or deleted. The
    /// occurrence is named by `ExceptionStartTime` up to 14.1 and by `airsyncbase:InstanceId`
    /// on 16.x; a reader takes either (EAS-4-TbSync #328 matched only the first and lost every
    /// 16.x exception).
    Exception {
        /// `Deleted` (2.2.2.16): the occurrence is cancelled.
        deleted: bool = cal::DELETED,
        /// `ExceptionStartTime` (2.2.2.23): the original start of the occurrence (up to 14.1).
        exception_start_time: String = cal::EXCEPTION_START_TIME,
        /// `airsyncbase:InstanceId` (16.x, MS-ASAIRS 2.2.2.25): the original, unmodified UTC
        /// start of the occurrence, in place of `ExceptionStartTime`.
        instance_id: String = asb::INSTANCE_ID,
        subject: String = cal::SUBJECT,
        start_time: String = cal::START_TIME,
        end_time: String = cal::END_TIME,
        body: Body = asb::BODY,
        location: String = cal::LOCATION,
        location16: Location = asb::LOCATION,
        categories: List<Category> = cal::CATEGORIES,
        sensitivity: u8 = cal::SENSITIVITY,
        busy_status: u8 = cal::BUSY_STATUS,
        all_day_event: bool = cal::ALL_DAY_EVENT,
        reminder: u32 = cal::REMINDER,
        dt_stamp: String = cal::DT_STAMP,
        meeting_status: u8 = cal::MEETING_STATUS,
        attendees: List<Attendee> = cal::ATTENDEES,
        appointment_reply_time: String = cal::APPOINTMENT_REPLY_TIME,
        response_type: u8 = cal::RESPONSE_TYPE,
        online_meeting_conf_link: String = cal::ONLINE_MEETING_CONF_LINK,
        online_meeting_external_link: String = cal::ONLINE_MEETING_EXTERNAL_LINK,
    }
}
item!(Exception = cal::EXCEPTION);
