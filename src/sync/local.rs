//! Recording local changes: each goes into the journal together with its effect on the mirror
//! (a mail marked read reads as read at once, in `easync mail`, the Maildir and hooks), in one
//! transaction; the next Sync sends it ([`super::outgoing`], [`super::moves`]).

use crate::model::LocalChange;
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::store::{NewChange, Store};

use super::{SyncError, convert, merge, outgoing};

/// Records `changes` made by `origin` (`cli`, `maildir`, …); returns their journal ids.
/// Nothing is recorded when one of them cannot be (an unknown item, a mail edit of a contact,
/// a move to a folder of another kind).
pub fn record(
    db: &mut Store,
    changes: Vec<LocalChange>,
    origin: &str,
) -> Result<Vec<i64>, SyncError> {
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let (put, summary) = match &change {
            LocalChange::Add { class, file, .. } => (None, added(class, &file.text)?),
            _ => (effect(db, &change)?, None),
        };
        out.push(NewChange {
            change,
            origin: origin.into(),
            put,
            summary,
        });
    }
    Ok(db.record_changes(&out)?)
}

/// A new item from a file: refused now when the file cannot be read (nothing is recorded);
/// its summary.
fn added(class: &str, text: &str) -> Result<Option<String>, SyncError> {
    let item = super::files::FileItem::parse(class, text)
        .map_err(SyncError::Refused)?
        .item;
    Ok(item.summary().map(str::to_string))
}

/// The protocol the account speaks (what an item is converted for).
fn version(db: &Store) -> Result<crate::proto::ProtocolVersion, SyncError> {
    let v = db.account()?.protocol_version;
    Ok(v.as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(crate::proto::ProtocolVersion::V14_1))
}

/// The item as it looks after the change, for changes shown at once (mail edits).
fn effect(db: &Store, change: &LocalChange) -> Result<Option<crate::model::ItemRecord>, SyncError> {
    let item = change.item().unwrap_or_default();
    let Some(held) = db.item_by_id(item)? else {
        return Err(crate::store::StoreError::NoSuchItem(item).into());
    };
    match change {
        LocalChange::Mail { edit, .. } => {
            if held.class != "Email" {
                return Err(SyncError::Refused(format!(
                    "item {item} is not a mail (it is in {}, class {})",
                    held.folder, held.class
                )));
            }
            let data = ApplicationData::decode("store", &held.raw, Some(ItemClass::Email))
                .map_err(|e| SyncError::Refused(format!("item {item} cannot be read back: {e}")))?;
            let merged = merge::apply_change(data, outgoing::mail_change(edit));
            convert::record(&held.server_id, &merged)
                .map(Some)
                .map_err(|e| SyncError::Refused(format!("item {item}: {e}")))
        }
        LocalChange::Move { to_folder, .. } => {
            let dest = db.folder(to_folder)?.ok_or_else(|| {
                SyncError::Refused(format!(
                    "there is no folder {to_folder:?} (see easync folders)"
                ))
            })?;
            if dest.class.as_deref() != Some(held.class.as_str()) {
                return Err(SyncError::Refused(format!(
                    "item {item} ({}) cannot move to {}, a folder of {}",
                    held.class,
                    dest.name,
                    dest.class.as_deref().unwrap_or("no items")
                )));
            }
            Ok(None)
        }
        LocalChange::Delete { .. } | LocalChange::Add { .. } => Ok(None),
        LocalChange::Edit { file, .. } => {
            let class = ItemClass::from_name(&held.class);
            let stored = ApplicationData::decode("store", &held.raw, class)
                .map_err(|e| SyncError::Refused(format!("item {item} cannot be read back: {e}")))?;
            let version = version(db)?;
            let data = super::files::FileItem::parse(&held.class, &file.text)
                .and_then(|f| f.change_data(&stored, f.stored_form(version)))
                .map_err(|e| SyncError::Refused(format!("{}: {e}", file.path)))?;
            convert::record(&held.server_id, &data)
                .map(Some)
                .map_err(|e| SyncError::Refused(format!("item {item}: {e}")))
        }
    }
}
