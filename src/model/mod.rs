//! Wire-independent values the store keeps and users query: one struct per item class with
//! the fields people search and list by. The protocol layer's classes convert into these
//! (`sync::convert`); the raw ActiveSync data travels beside them to write items back whole.

use serde::Serialize;

mod change;
mod details;
mod zone;
pub use change::{FileItem, FlagEdit, LocalChange, MailEdit, Payload};
pub use details::{Address, Attendee, Exception, PREFERRED_ZONES, Recurrence};
pub use zone::{MAX_BIAS, TimeZone, Transition, iana_offset_at, iana_rules};

/// An attachment's metadata (the bytes are fetched on demand).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Attachment {
    pub name: Option<String>,
    pub file_reference: Option<String>,
    pub size: Option<u32>,
    pub content_id: Option<String>,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Email {
    pub subject: Option<String>,
    pub sender: Option<String>,
    pub recipients: Option<String>,
    pub cc: Option<String>,
    pub reply_to: Option<String>,
    pub date_received: Option<String>,
    pub read: Option<bool>,
    pub flag_status: Option<u8>,
    pub importance: Option<u8>,
    pub message_class: Option<String>,
    pub categories: Vec<String>,
    pub body_type: Option<u8>,
    pub body: Option<String>,
    pub body_truncated: Option<bool>,
    pub preview: Option<String>,
    pub attachments: Vec<Attachment>,
    pub conversation_id: Option<Vec<u8>>,
    /// The invitation a meeting request mail carries (MS-ASEMAIL 2.2.2.48).
    pub meeting: Option<Invite>,
    /// The last action taken on the message (MS-ASEMAIL 2.2.2.43 `LastVerbExecuted`): 1 reply
    /// to sender, 2 reply to all, 3 forward — a Maildir's `R` and `P` flags.
    pub last_verb_executed: Option<u8>,
}

/// The meeting a meeting request mail is about (MS-ASEMAIL 2.2.2.48 MeetingRequest): what an
/// answer to it names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invite {
    /// The iCalendar UID, from `GlobalObjId` (MS-ASEMAIL 3.1.4.7).
    pub uid: Option<String>,
    /// The organizer as the mail gives it (`"Name" <address>`).
    pub organizer: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// For one occurrence of a series: its original start (`RecurrenceId`).
    pub recurrence_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub file_as: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub emails: Vec<String>,
    /// (kind, number): `mobile`, `business`, `home`, …
    pub phones: Vec<(String, String)>,
    pub birthday: Option<String>,
    pub nickname: Option<String>,
    pub title: Option<String>,
    pub suffix: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub web_page: Option<String>,
    pub anniversary: Option<String>,
    pub spouse: Option<String>,
    pub assistant_name: Option<String>,
    pub manager_name: Option<String>,
    pub im_addresses: Vec<String>,
    pub addresses: Vec<Address>,
    pub categories: Vec<String>,
    pub children: Vec<String>,
    pub notes: Option<String>,
    /// The photo's bytes (JPEG, usually), decoded from base64.
    pub photo: Option<Vec<u8>>,
    /// Phonetic names (MS-ASCNTC 2.2.2 `YomiFirstName`, `YomiLastName`, `YomiCompanyName`).
    pub yomi_first_name: Option<String>,
    pub yomi_last_name: Option<String>,
    pub yomi_company_name: Option<String>,
    /// MS-ASCNTC 2.2.2 `CustomerId`, `GovernmentId`, `AccountName` and `Alias` (the
    /// contacts2 code page).
    pub customer_id: Option<String>,
    pub government_id: Option<String>,
    pub account_name: Option<String>,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    pub uid: Option<String>,
    pub subject: Option<String>,
    pub location: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub all_day: Option<bool>,
    pub busy_status: Option<u8>,
    pub organizer_email: Option<String>,
    pub recurring: bool,
    pub organizer_name: Option<String>,
    pub time_zone: Option<TimeZone>,
    /// Minutes before the start.
    pub reminder: Option<u32>,
    /// 0 normal, 1 personal, 2 private, 3 confidential.
    pub sensitivity: Option<u8>,
    pub meeting_status: Option<u8>,
    pub response_type: Option<u8>,
    pub description: Option<String>,
    pub categories: Vec<String>,
    pub attendees: Vec<Attendee>,
    pub recurrence: Option<Recurrence>,
    pub exceptions: Vec<Exception>,
    pub online_meeting_link: Option<String>,
    /// When the item was created or changed (MS-ASCAL 2.2.2.18 `DtStamp`): the DTSTAMP.
    pub dt_stamp: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Task {
    pub subject: Option<String>,
    /// The due instant: `UtcDueDate`, else `DueDate` (MS-ASTASK 2.2.2.29, 2.2.2.10).
    pub due_date: Option<String>,
    pub complete: Option<bool>,
    pub importance: Option<u8>,
    /// The start instant: `UtcStartDate`, else `StartDate` (MS-ASTASK 2.2.2.30, 2.2.2.26).
    pub start_date: Option<String>,
    pub date_completed: Option<String>,
    /// When the reminder fires (only when one is set).
    pub reminder_time: Option<String>,
    pub sensitivity: Option<u8>,
    pub categories: Vec<String>,
    pub body: Option<String>,
    pub recurrence: Option<Recurrence>,
    /// `StartDate` and `DueDate` as the server sent them beside the UTC ones: the user's local
    /// dates (MS-ASTASK 2.2.2.26, 2.2.2.10), whose day a VTODO writes (tasks are day-based).
    /// `None` when they are the same as `start_date`/`due_date` or were not sent.
    pub local_start_date: Option<String>,
    pub local_due_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Note {
    pub subject: Option<String>,
    pub last_modified: Option<String>,
}

/// An item's typed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Email(Box<Email>),
    Contact(Box<Contact>),
    Event(Box<Event>),
    Task(Box<Task>),
    Note(Box<Note>),
    /// A class easync does not type: only the raw data is kept.
    Other,
}

impl Item {
    /// The class name stored in `items.class`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Email(_) => "Email",
            Self::Contact(_) => "Contacts",
            Self::Event(_) => "Calendar",
            Self::Task(_) => "Tasks",
            Self::Note(_) => "Notes",
            Self::Other => "Other",
        }
    }

    /// A one-line description (subject or name) for logs and the deletion journal.
    pub fn summary(&self) -> Option<&str> {
        match self {
            Self::Email(e) => e.subject.as_deref(),
            Self::Contact(c) => c.file_as.as_deref().or(c.last_name.as_deref()),
            Self::Event(e) => e.subject.as_deref(),
            Self::Task(t) => t.subject.as_deref(),
            Self::Note(n) => n.subject.as_deref(),
            Self::Other => None,
        }
    }

    /// What identifies the item by content when a server re-sends it under a new ServerId (a
    /// folder renumbered, a device the server forgot): the class and a few fields joined by
    /// U+001F — the same key migration 6 computes for rows stored before it.
    pub fn match_key(&self) -> Option<String> {
        let f = |s: &Option<String>| s.clone().unwrap_or_default();
        let parts = match self {
            Self::Email(e) => [
                "Email".into(),
                f(&e.subject),
                f(&e.sender),
                f(&e.date_received),
            ]
            .to_vec(),
            Self::Event(e) => [
                "Calendar".into(),
                f(&e.uid),
                f(&e.subject),
                f(&e.start_time),
            ]
            .to_vec(),
            Self::Contact(c) => [
                "Contacts".into(),
                f(&c.file_as),
                f(&c.first_name),
                f(&c.last_name),
            ]
            .to_vec(),
            Self::Task(t) => ["Tasks".into(), f(&t.subject), f(&t.due_date)].to_vec(),
            Self::Note(_) | Self::Other => return None,
        };
        Some(parts.join("\u{1f}"))
    }
}

/// An item as received: its server id, typed content and raw ApplicationData (WBXML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRecord {
    pub server_id: String,
    pub item: Item,
    pub raw: Vec<u8>,
}
