//! Exporting the stored contacts: each item's model value (`sync::convert`), written as
//! vCard into one file or vdir collections. Used by `easync export contacts` and by the exports
//! an account configures (`[[account.NAME.export]]`, run after each sync).

use super::{ExportError, Target, export_vdir, fallback_uid, model_items, vcard, vdir};
use crate::model::Item;
use crate::proto::classes::ItemClass;
use crate::store::{RawItem, Store};

/// One contacts export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsExport {
    pub target: Target,
    /// Folder names; empty: every contacts folder.
    pub folders: Vec<String>,
    /// vCard 4.0 instead of 3.0.
    pub v4: bool,
}

/// Every wanted contact as (item, UID, vCard text).
pub fn cards(
    db: &Store,
    folders: &[String],
    v4: bool,
) -> Result<Vec<(RawItem, String, String)>, ExportError> {
    let mut cards = Vec::new();
    for (item, data) in model_items(db, ItemClass::Contacts, folders)? {
        if let Item::Contact(c) = data {
            let uid = fallback_uid(&item);
            let text = vcard::write(&vcard::contact(&c, &uid, v4), v4);
            cards.push((item, uid, text));
        }
    }
    Ok(cards)
}

/// One stored contact as the vCard text of its own file (a vdir file, a CardDAV resource).
pub fn item_text(item: &RawItem, data: Item, v4: bool) -> Option<String> {
    let Item::Contact(c) = data else {
        return None;
    };
    let uid = fallback_uid(item);
    Some(vcard::write(&vcard::contact(&c, &uid, v4), v4))
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
        Target::Vdir(root) => export_vdir(
            db,
            (ItemClass::Contacts, &e.folders),
            root,
            &cards,
            "vcf",
            "contacts",
        ),
    }
}
