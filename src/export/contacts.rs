//! Exporting the stored contacts: typed again from each item's raw ApplicationData, written as
//! vCard into one file or vdir collections. Used by `easync export contacts` and by the exports
//! an account configures (`[[account.NAME.export]]`, run after each sync).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{vcard, vdir};
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::proto::read::Reader;
use crate::store::{RawItem, Store};

/// Where the contacts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One file with every card.
    File(PathBuf),
    /// A vdir: one collection per folder.
    Vdir(PathBuf),
}

/// One contacts export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsExport {
    pub target: Target,
    /// Folder names; empty: every contacts folder.
    pub folders: Vec<String>,
    /// vCard 4.0 instead of 3.0.
    pub v4: bool,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("contact {server_id} in {folder}: {source}")]
    Decode {
        server_id: String,
        folder: String,
        source: crate::proto::ProtoError,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Types an item's raw ApplicationData again (every field the server sent).
fn decode(item: &RawItem, class: ItemClass) -> Result<ApplicationData, crate::proto::ProtoError> {
    let mut r = Reader::new("export", &item.raw)?;
    let root = r.root(wbxml::tags::air_sync::APPLICATION_DATA)?;
    ApplicationData::read(&mut r, &root, Some(class))
}

/// A stable UID for an item EAS gives none (contacts): its folder and server id.
fn uid(item: &RawItem) -> String {
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

/// Every wanted contact as (item, UID, vCard text).
pub fn cards(
    db: &Store,
    folders: &[String],
    v4: bool,
) -> Result<Vec<(RawItem, String, String)>, ExportError> {
    let mut cards = Vec::new();
    for item in db.raw_items("Contacts")? {
        if !folders.is_empty() && !folders.iter().any(|f| f.eq_ignore_ascii_case(&item.folder)) {
            continue;
        }
        let data = decode(&item, ItemClass::Contacts).map_err(|source| ExportError::Decode {
            server_id: item.server_id.clone(),
            folder: item.folder.clone(),
            source,
        })?;
        if let ApplicationData::Contact(c) = data {
            let uid = uid(&item);
            let text = vcard::write(&vcard::contact(&c, &uid, v4), v4);
            cards.push((item, uid, text));
        }
    }
    Ok(cards)
}

/// Runs the export; returns a report, one line per collection or file.
pub fn export(db: &Store, e: &ContactsExport) -> Result<String, ExportError> {
    let cards = cards(db, &e.folders, e.v4)?;
    match &e.target {
        Target::File(path) => {
            let all: String = cards.iter().map(|(_, _, t)| t.as_str()).collect();
            let wrote = vdir::write_if_changed(path, all.as_bytes()).map_err(|source| {
                ExportError::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            let what = if wrote { "written" } else { "unchanged" };
            Ok(format!(
                "{} contacts {what}: {}\n",
                cards.len(),
                path.display()
            ))
        }
        Target::Vdir(root) => export_vdir(root, &cards),
    }
}

/// One collection per folder (named after it; a second folder of the same name gets its id).
fn export_vdir(root: &Path, cards: &[(RawItem, String, String)]) -> Result<String, ExportError> {
    let mut folders: Vec<(&str, &str)> = Vec::new();
    for (item, _, _) in cards {
        if !folders.iter().any(|(id, _)| *id == item.folder_id) {
            folders.push((&item.folder_id, &item.folder));
        }
    }
    let mut report = String::new();
    let mut used = Vec::new();
    for (id, name) in folders {
        let mut dir_name = vdir::collection_name(name);
        if used.contains(&dir_name) {
            dir_name = format!("{dir_name}-{}", vdir::file_stem(id));
        }
        used.push(dir_name.clone());
        let items: Vec<(String, String)> = cards
            .iter()
            .filter(|(i, _, _)| i.folder_id == id)
            .map(|(_, uid, text)| (uid.clone(), text.clone()))
            .collect();
        let dir = root.join(&dir_name);
        let c = vdir::sync_collection(&dir, name, "vcf", &items).map_err(|source| {
            ExportError::Write {
                path: dir.clone(),
                source,
            }
        })?;
        let _ = writeln!(
            report,
            "{name}: {} contacts ({} written, {} unchanged, {} removed) in {}",
            items.len(),
            c.written,
            c.unchanged,
            c.removed,
            dir.display()
        );
    }
    Ok(report)
}
