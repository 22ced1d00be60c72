//! Export: what the store holds, in the formats other programs read — vCard for contacts
//! (khard, vdirsyncer, Thunderbird, Evolution), iCalendar for calendars (khal), as one file or
//! vdir collections; mail as Maildir. Each maildir and collection keeps a state file of what
//! easync wrote ([`maildir_state`], [`vdir_state`]; `docs/exports.md`), so the user's changes to
//! the files are found exactly.

pub mod calendar;
pub mod contacts;
pub mod guard;
pub mod ical;
pub mod mail;
pub mod maildir;
pub mod maildir_state;
mod rrule;
mod state_file;
pub mod todo;
pub mod tz;
mod tz_component;
pub mod vcard;
pub mod vdir;
pub mod vdir_state;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::model::Item;
use crate::proto::classes::ItemClass;
use crate::store::RawItem;

/// One configured export (`[[account.NAME.export]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    Contacts(contacts::ContactsExport),
    Calendar(calendar::CalendarExport),
    /// Mail as maildirs: run by the sync itself (it may fetch whole messages, and it first
    /// records the user's changes to the maildirs).
    Mail(MailExport),
}

/// `what = "mail"`: the maildir tree and its folders (names; empty: every mail folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailExport {
    pub root: PathBuf,
    pub folders: Vec<String>,
}

impl Export {
    /// Runs it; returns its report.
    pub fn run(&self, db: &crate::store::Store) -> Result<String, ExportError> {
        match self {
            Self::Contacts(e) => contacts::export(db, e),
            Self::Calendar(e) => calendar::export(db, e),
            Self::Mail(_) => Err(ExportError::NeedsSession),
        }
    }

    pub fn what(&self) -> &'static str {
        match self {
            Self::Contacts(_) => "contacts",
            Self::Calendar(c) if c.tasks => "tasks",
            Self::Calendar(_) => "calendar",
            Self::Mail(_) => "mail",
        }
    }
}

/// Where an export goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One file with every item.
    File(PathBuf),
    /// A vdir: one collection per folder.
    Vdir(PathBuf),
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("item {server_id} in {folder}: {source}")]
    Decode {
        server_id: String,
        folder: String,
        source: crate::proto::ProtoError,
    },
    #[error("a mail export runs with a sync (it may fetch whole messages from the server)")]
    NeedsSession,
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The vdir collection of each wanted folder of `class` (`names`; empty: all): (server id,
/// name, directory) — a directory per folder name, the server id added when names repeat.
/// Every wanted folder has one, empty ones too (a calendar app can create items in them).
pub fn collection_dirs(
    db: &crate::store::Store,
    class: ItemClass,
    names: &[String],
    root: &Path,
) -> Result<Vec<(String, String, PathBuf)>, ExportError> {
    let mut out = Vec::new();
    let mut used = Vec::new();
    for f in db.folders()? {
        let wanted = f.class.as_deref() == Some(class.as_str())
            && !f.orphaned
            && (names.is_empty() || names.iter().any(|n| n.eq_ignore_ascii_case(&f.name)));
        if !wanted {
            continue;
        }
        let mut dir_name = vdir::collection_name(&f.name);
        if used.contains(&dir_name) {
            dir_name = format!("{dir_name}-{}", vdir::file_stem(&f.server_id));
        }
        used.push(dir_name.clone());
        out.push((f.server_id, f.name, root.join(dir_name)));
    }
    Ok(out)
}

/// The stored items of `class` in the wanted folders (all when `folders` is empty), each as
/// its model value — every field the server sent, mapped by `sync::convert` (the one mapping
/// from the protocol's classes to the model; the export reads no WBXML itself).
fn model_items(
    db: &crate::store::Store,
    class: ItemClass,
    folders: &[String],
) -> Result<Vec<(RawItem, Item)>, ExportError> {
    let mut out = Vec::new();
    for item in db.raw_items(class.as_str())? {
        if !folders.is_empty() && !folders.iter().any(|f| f.eq_ignore_ascii_case(&item.folder)) {
            continue;
        }
        // One item that does not decode never blocks the export of the others.
        match crate::sync::convert::stored(&item.raw, class) {
            Ok(data) => out.push((item, data)),
            Err(source) => tracing::warn!(
                "{}",
                ExportError::Decode {
                    server_id: item.server_id.clone(),
                    folder: item.folder.clone(),
                    source,
                }
            ),
        }
    }
    Ok(out)
}

/// One stored contact (vCard 3.0), event or task (iCalendar) as the text of its own file —
/// what a vdir file holds, and what easync serve's CardDAV/CalDAV side serves. `None` for
/// other classes.
pub fn file_text(item: &RawItem, class: ItemClass) -> Result<Option<String>, ExportError> {
    let data =
        crate::sync::convert::stored(&item.raw, class).map_err(|source| ExportError::Decode {
            server_id: item.server_id.clone(),
            folder: item.folder.clone(),
            source,
        })?;
    Ok(match class {
        ItemClass::Contacts => contacts::item_text(item, data, false),
        ItemClass::Calendar | ItemClass::Tasks => calendar::item_text(item, data),
        _ => None,
    })
}

/// A stable UID for an item EAS gives none (contacts, tasks): its folder and server id.
fn fallback_uid(item: &RawItem) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    };
    format!(
        "easync-{}-{}",
        clean(&item.folder_id),
        clean(&item.server_id)
    )
}

/// One collection per folder (named after it; a second folder of the same name gets its id);
/// `items` are (item, UID, text).
fn export_vdir(
    db: &crate::store::Store,
    (class, names): (ItemClass, &[String]),
    root: &Path,
    items: &[(RawItem, String, String)],
    ext: &str,
    noun: &str,
) -> Result<String, ExportError> {
    let folders = collection_dirs(db, class, names, root)?;
    let mut report = String::new();
    for (id, name, dir) in &folders {
        let (id, name) = (id.as_str(), name.as_str());
        let mine: Vec<vdir::Item> = items
            .iter()
            .filter(|(i, _, _)| i.folder_id == id)
            .map(|(i, uid, text)| vdir::Item {
                server_id: i.server_id.clone(),
                uid: uid.clone(),
                content: text.clone(),
            })
            .collect();
        let c =
            vdir::sync_collection(dir, name, ext, &mine).map_err(|source| ExportError::Write {
                path: dir.clone(),
                source,
            })?;
        let _ = writeln!(
            report,
            "{}: {} {noun} ({} written, {} unchanged, {} removed) in {}",
            crate::text::one_line(name),
            mine.len(),
            c.written,
            c.unchanged,
            c.removed,
            dir.display()
        );
    }
    Ok(report)
}
