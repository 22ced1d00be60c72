//! The Email class (MS-ASEMAIL 2.2.2), with the Email2 elements of 14.0+ and 16.x.

use wbxml::tags::{air_sync_base as asb, email, email2, tasks};

use super::airsyncbase::{Attachments, Body, BodyPart, Location};
use super::{List, Opaque, class, item, string_item};

string_item!(
    /// `Category` (MS-ASEMAIL 2.2.2.14).
    Category = email::CATEGORY
);

class! {
    /// An email (MS-ASEMAIL 2.2.2): headers, flags, body and attachments.
    Email {
        to: String = email::TO,
        cc: String = email::CC,
        from: String = email::FROM,
        subject: String = email::SUBJECT,
        reply_to: String = email::REPLY_TO,
        /// `DateReceived` (2.2.2.21): `YYYY-MM-DDTHH:MM:SS.MSSZ`.
        date_received: String = email::DATE_RECEIVED,
        display_to: String = email::DISPLAY_TO,
        thread_topic: String = email::THREAD_TOPIC,
        /// `Importance` (2.2.2.39): 0 low, 1 normal, 2 high.
        importance: u8 = email::IMPORTANCE,
        read: bool = email::READ,
        attachments: Attachments = asb::ATTACHMENTS,
        body: Body = asb::BODY,
        body_part: BodyPart = asb::BODY_PART,
        message_class: String = email::MESSAGE_CLASS,
        meeting_request: MeetingRequest = email::MEETING_REQUEST,
        internet_cpid: String = email::INTERNET_CPID,
        flag: Flag = email::FLAG,
        content_class: String = email::CONTENT_CLASS,
        native_body_type: u8 = asb::NATIVE_BODY_TYPE,
        categories: List<Category> = email::CATEGORIES,
        um_caller_id: String = email2::UM_CALLER_ID,
        um_user_notes: String = email2::UM_USER_NOTES,
        conversation_id: Opaque = email2::CONVERSATION_ID,
        conversation_index: Opaque = email2::CONVERSATION_INDEX,
        /// `LastVerbExecuted` (2.2.2.46): 0 unknown, 1 reply to sender, 2 reply to all, 3 forward.
        last_verb_executed: u8 = email2::LAST_VERB_EXECUTED,
        last_verb_execution_time: String = email2::LAST_VERB_EXECUTION_TIME,
        received_as_bcc: bool = email2::RECEIVED_AS_BCC,
        sender: String = email2::SENDER,
        account_id: String = email2::ACCOUNT_ID,
        /// `IsDraft` (16.x, 2.2.2.43).
        is_draft: bool = email2::IS_DRAFT,
        /// `Bcc` (16.x, 2.2.2.10): drafts only.
        bcc: String = email2::BCC,
        /// `Send` (16.x, 2.2.2.70): send the draft.
        send: super::Present = email2::SEND,
    }
}

class! {
    /// `Flag` (MS-ASEMAIL 2.2.2.27): follow-up flag, with Tasks-page dates.
    Flag {
        /// `Status` (2.2.2.71): 0 cleared, 1 complete, 2 active.
        status: u8 = email::STATUS,
        flag_type: String = email::FLAG_TYPE,
        start_date: String = tasks::START_DATE,
        utc_start_date: String = tasks::UTC_START_DATE,
        due_date: String = tasks::DUE_DATE,
        utc_due_date: String = tasks::UTC_DUE_DATE,
        date_completed: String = tasks::DATE_COMPLETED,
        complete_time: String = email::COMPLETE_TIME,
        reminder_set: bool = tasks::REMINDER_SET,
        reminder_time: String = tasks::REMINDER_TIME,
        subject: String = tasks::SUBJECT,
        ordinal_date: String = tasks::ORDINAL_DATE,
        sub_ordinal_date: String = tasks::SUB_ORDINAL_DATE,
    }
}

class! {
    /// `MeetingRequest` (MS-ASEMAIL 2.2.2.48): the invitation carried by a meeting email.
    MeetingRequest {
        all_day_event: bool = email::ALL_DAY_EVENT,
        start_time: String = email::START_TIME,
        dt_stamp: String = email::DT_STAMP,
        end_time: String = email::END_TIME,
        /// `InstanceType` (2.2.2.38): 0 single, 1 master, 2 instance, 3 exception.
        instance_type: u8 = email::INSTANCE_TYPE,
        location: String = email::LOCATION,
        /// `airsyncbase:Location` on 16.x instead of `email:Location`.
        location16: Location = asb::LOCATION,
        organizer: String = email::ORGANIZER,
        recurrence_id: String = email::RECURRENCE_ID,
        reminder: u32 = email::REMINDER,
        response_requested: bool = email::RESPONSE_REQUESTED,
        recurrences: List<Recurrence> = email::RECURRENCES,
        sensitivity: u8 = email::SENSITIVITY,
        busy_status: u8 = email::BUSY_STATUS,
        /// `TimeZone` (2.2.2.75): the base64 TIME_ZONE_INFORMATION blob (see `timezone`).
        time_zone: String = email::TIME_ZONE,
        global_obj_id: String = email::GLOBAL_OBJ_ID,
        disallow_new_time_proposal: bool = email::DISALLOW_NEW_TIME_PROPOSAL,
        /// `MeetingMessageType` (14.1+, 2.2.2.49).
        meeting_message_type: u8 = email2::MEETING_MESSAGE_TYPE,
    }
}

class! {
    /// `Recurrence` of a meeting request (MS-ASEMAIL 2.2.2.60).
    Recurrence {
        recurrence_type: u8 = email::TYPE,
        interval: u16 = email::INTERVAL,
        until: String = email::UNTIL,
        occurrences: u16 = email::OCCURRENCES,
        week_of_month: u8 = email::WEEK_OF_MONTH,
        day_of_month: u8 = email::DAY_OF_MONTH,
        day_of_week: u8 = email::DAY_OF_WEEK,
        month_of_year: u8 = email::MONTH_OF_YEAR,
        calendar_type: u8 = email2::CALENDAR_TYPE,
        is_leap_month: bool = email2::IS_LEAP_MONTH,
        first_day_of_week: u8 = email2::FIRST_DAY_OF_WEEK,
    }
}
item!(Recurrence = email::RECURRENCE);
