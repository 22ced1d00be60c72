//! Local changes: what a user changed on this side (the CLI, the Maildir, a vdir), as values the
//! journal keeps until the server has taken them (the `changes` table, docs/schema.md).

use serde::{Deserialize, Serialize};

/// A follow-up flag edit of a mail (MS-ASEMAIL 2.2.2.27 `Flag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagEdit {
    /// Flagged for follow-up, with a due date (UTC, `2027-01-15T10:00:00.000Z`) when given.
    Flagged { due: Option<String> },
    /// Follow-up done.
    Complete,
    /// No flag.
    Cleared,
}

impl FlagEdit {
    /// The `Flag/Status` value (2.2.2.71): 0 cleared, 1 complete, 2 active.
    pub fn status(&self) -> u8 {
        match self {
            Self::Flagged { .. } => 2,
            Self::Complete => 1,
            Self::Cleared => 0,
        }
    }
}

/// The parts of a mail a client may change (MS-ASCMD 2.2.3.24.3 with MS-ASEMAIL 2.2.2: `Read`,
/// `Flag`, `Categories`); `None` leaves a part as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<FlagEdit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

impl MailEdit {
    /// `later` laid over `self`: what both edits together change.
    pub fn then(mut self, later: &MailEdit) -> MailEdit {
        if later.read.is_some() {
            self.read = later.read;
        }
        if later.flag.is_some() {
            self.flag.clone_from(&later.flag);
        }
        if later.categories.is_some() {
            self.categories.clone_from(&later.categories);
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.read.is_none() && self.flag.is_none() && self.categories.is_none()
    }
}

/// One local change to an item the mirror holds (`item` is its `items.id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalChange {
    /// Read, flag, categories of a mail.
    Mail { item: i64, edit: MailEdit },
    /// Move to another folder (its ServerId).
    Move { item: i64, to_folder: String },
    /// Delete: to Deleted Items (mail, `DeletesAsMoves`), or for good when `hard`.
    Delete { item: i64, hard: bool },
    /// A contact, event or task written as a file (vCard, iCalendar): the whole item again.
    Edit { item: i64, file: FileItem },
    /// A new contact, event or task in `folder` (a server id), from a file.
    Add {
        folder: String,
        class: String,
        file: FileItem,
    },
}

/// An item as a user's file holds it: where, and its text when the change was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileItem {
    pub path: String,
    pub text: String,
}

impl LocalChange {
    /// The item changed (`None` for an Add: it has no row yet).
    pub fn item(&self) -> Option<i64> {
        match self {
            Self::Mail { item, .. }
            | Self::Move { item, .. }
            | Self::Delete { item, .. }
            | Self::Edit { item, .. } => Some(*item),
            Self::Add { .. } => None,
        }
    }
}

/// A change's `payload` column: the JSON the journal keeps for each kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Payload {
    Move { to_folder: String },
    Delete { hard: bool },
    File(FileItem),
    Mail(MailEdit),
}

impl LocalChange {
    /// The journal's kind and payload.
    pub fn kind_and_payload(&self) -> (&'static str, Payload) {
        match self {
            Self::Mail { edit, .. } => ("mail", Payload::Mail(edit.clone())),
            Self::Move { to_folder, .. } => (
                "move",
                Payload::Move {
                    to_folder: to_folder.clone(),
                },
            ),
            Self::Delete { hard, .. } => ("delete", Payload::Delete { hard: *hard }),
            Self::Edit { file, .. } => ("change", Payload::File(file.clone())),
            Self::Add { file, .. } => ("add", Payload::File(file.clone())),
        }
    }
}
