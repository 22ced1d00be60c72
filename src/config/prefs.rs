//! `[account.NAME.sync]`: which folders and classes to mirror, how far back, and how much of
//! each mail body — checked when the file is read, with messages naming the key and the values
//! that would work.
//!
//! ```toml
//! [account.work.sync]
//! folders = ["INBOX", "Contacts"]   # only these (names); default: every folder
//! exclude = ["Junk", "Trash"]       # never these
//! classes = ["Email", "Contacts", "Calendar", "Tasks", "Notes"]   # the default
//! mail_since = "1m"                 # all, 1d, 3d, 1w, 2w, 1m (MS-ASCMD 2.2.3.73.2)
//! calendar_since = "all"            # all, 2w, 1m, 3m, 6m
//! tasks = "all"                     # all, incomplete
//! body = "text"                     # headers, preview, text, mime
//! max_delete_share = 0.5            # the mass-deletion guard; 1.0 turns it off
//! conflict = "server"               # a change made on both sides: "server" wins, or "local"
//! ```

use serde::Deserialize;

use crate::proto::classes::ItemClass;
use crate::proto::sync::FilterType;

/// `[account.NAME.sync]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSync {
    pub folders: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub classes: Option<Vec<String>>,
    pub mail_since: Option<String>,
    pub calendar_since: Option<String>,
    pub tasks: Option<String>,
    pub body: Option<String>,
    pub max_delete_share: Option<f64>,
    pub conflict: Option<String>,
}

/// How much of each mail body to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyPolicy {
    /// Headers and metadata, no body.
    Headers,
    /// Headers and the server's preview (255 characters, EAS 14.0+).
    Preview,
    /// The plain-text body, whole.
    #[default]
    Text,
    /// The whole message as MIME (RFC 5322), attachments included.
    Mime,
}

/// The checked preferences.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncPrefs {
    /// Folder names to mirror; empty: all.
    pub folders: Vec<String>,
    pub exclude: Vec<String>,
    pub classes: Vec<ItemClass>,
    pub mail_filter: Option<FilterType>,
    pub calendar_filter: Option<FilterType>,
    pub tasks_filter: Option<FilterType>,
    pub body: BodyPolicy,
    pub max_delete_share: f64,
    /// A local change to an item the server changed too: true when the local one wins
    /// (`conflict = "local"`, MS-ASCMD 2.2.3.34 `Conflict` 0); the server's by default.
    pub local_wins: bool,
}

impl Default for SyncPrefs {
    fn default() -> Self {
        Self {
            folders: Vec::new(),
            exclude: Vec::new(),
            classes: ALL_CLASSES.to_vec(),
            mail_filter: None,
            calendar_filter: None,
            tasks_filter: None,
            body: BodyPolicy::Text,
            max_delete_share: 0.5,
            local_wins: false,
        }
    }
}

const ALL_CLASSES: [ItemClass; 5] = [
    ItemClass::Email,
    ItemClass::Contacts,
    ItemClass::Calendar,
    ItemClass::Tasks,
    ItemClass::Notes,
];

impl SyncPrefs {
    /// Whether a folder of this name and class is mirrored.
    pub fn wants(&self, name: &str, class: Option<&str>) -> bool {
        let Some(class) = class.and_then(ItemClass::from_name) else {
            return false;
        };
        self.classes.contains(&class)
            && (self.folders.is_empty() || self.folders.iter().any(|f| f == name))
            && !self.exclude.iter().any(|f| f == name)
    }

    /// The FilterType to sync a folder of `class` with (kept constant per folder).
    pub fn filter_for(&self, class: Option<ItemClass>) -> Option<FilterType> {
        match class? {
            ItemClass::Email => self.mail_filter,
            ItemClass::Calendar => self.calendar_filter,
            ItemClass::Tasks => self.tasks_filter,
            _ => None,
        }
    }
}

const SINCE: [(&str, FilterType); 9] = [
    ("all", FilterType::All),
    ("1d", FilterType::OneDay),
    ("3d", FilterType::ThreeDays),
    ("1w", FilterType::OneWeek),
    ("2w", FilterType::TwoWeeks),
    ("1m", FilterType::OneMonth),
    ("3m", FilterType::ThreeMonths),
    ("6m", FilterType::SixMonths),
    ("incomplete", FilterType::IncompleteTasks),
];

fn since(key: &str, value: Option<&str>, class: ItemClass) -> Result<Option<FilterType>, String> {
    let Some(v) = value else { return Ok(None) };
    let allowed: Vec<&str> = SINCE
        .iter()
        .filter(|(_, f)| f.valid_for(class))
        .map(|(n, _)| *n)
        .collect();
    SINCE
        .iter()
        .find(|(n, f)| *n == v && f.valid_for(class))
        .map(|(_, f)| Some(*f))
        .ok_or_else(|| format!("sync.{key} = {v:?}: use one of {}", allowed.join(", ")))
}

/// Checks `[account.NAME.sync]`; the error names the key.
pub fn resolve(raw: &RawSync) -> Result<SyncPrefs, String> {
    let classes = match &raw.classes {
        None => ALL_CLASSES.to_vec(),
        Some(list) => list
            .iter()
            .map(|c| {
                ItemClass::from_name(c)
                    .filter(|k| ALL_CLASSES.contains(k))
                    .ok_or_else(|| {
                        format!(
                            "sync.classes: {c:?} is not one of Email, Contacts, Calendar, Tasks, Notes"
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    let body = match raw.body.as_deref() {
        None | Some("text") => BodyPolicy::Text,
        Some("headers") => BodyPolicy::Headers,
        Some("preview") => BodyPolicy::Preview,
        Some("mime") => BodyPolicy::Mime,
        Some(v) => {
            return Err(format!(
                "sync.body = {v:?}: use headers, preview, text or mime"
            ));
        }
    };
    let share = raw.max_delete_share.unwrap_or(0.5);
    if !(share > 0.0 && share <= 1.0) {
        return Err(format!(
            "sync.max_delete_share = {share}: use a share above 0 and at most 1 (1 turns the guard off)"
        ));
    }
    let local_wins = match raw.conflict.as_deref() {
        None | Some("server") => false,
        Some("local") => true,
        Some(v) => {
            return Err(format!(
                "sync.conflict = {v:?}: use \"server\" (the server's version wins, the default) or \"local\""
            ));
        }
    };
    Ok(SyncPrefs {
        local_wins,
        folders: raw.folders.clone().unwrap_or_default(),
        exclude: raw.exclude.clone(),
        classes,
        mail_filter: since("mail_since", raw.mail_since.as_deref(), ItemClass::Email)?,
        calendar_filter: since(
            "calendar_since",
            raw.calendar_since.as_deref(),
            ItemClass::Calendar,
        )?,
        tasks_filter: since("tasks", raw.tasks.as_deref(), ItemClass::Tasks)?,
        body,
        max_delete_share: share,
    })
}
