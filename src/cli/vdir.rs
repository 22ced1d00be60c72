//! The vdirs both ways, like vdirsyncer: a file a user creates, edits or removes in an exported
//! contacts, calendar or tasks collection (khard, khal, todoman, any editor) is found exactly
//! from the collection's state file ([`crate::export::vdir_state`]) and recorded in the journal
//! as an Add, Change or Delete before anything is written out again; once the server took an
//! Add, its file is adopted (the export keeps the user's file name for the new item).

use std::path::{Path, PathBuf};

use crate::config::Account;
use crate::export::vdir_state::{self, VdirChange};
use crate::export::{Export, Target};
use crate::model::{FileItem, LocalChange};
use crate::proto::classes::ItemClass;
use crate::store::Store;

/// The vdir collections of the account's exports: (folder server id, class, directory).
fn collections(db: &Store, acct: &Account) -> anyhow::Result<Vec<(String, ItemClass, PathBuf)>> {
    let mut out = Vec::new();
    for e in &acct.exports {
        let (class, names, root) = match e {
            Export::Contacts(c) => (ItemClass::Contacts, &c.folders, &c.target),
            Export::Calendar(c) if c.tasks => (ItemClass::Tasks, &c.folders, &c.target),
            Export::Calendar(c) => (ItemClass::Calendar, &c.folders, &c.target),
            Export::Mail(_) => continue,
        };
        let Target::Vdir(root) = root else { continue };
        for (sid, _, dir) in crate::export::collection_dirs(db, class, names, root)? {
            out.push((sid, class, dir));
        }
    }
    Ok(out)
}

/// The directories to watch for the user's changes.
pub fn dirs(acct: &Account) -> Vec<PathBuf> {
    acct.exports
        .iter()
        .filter_map(|e| match e {
            Export::Contacts(c) => Some(&c.target),
            Export::Calendar(c) => Some(&c.target),
            Export::Mail(_) => None,
        })
        .filter_map(|t| match t {
            Target::Vdir(d) => Some(d.clone()),
            Target::File(_) => None,
        })
        .collect()
}

/// Finds the user's changes in the vdirs and records each (a file that cannot be read is
/// reported and not sent; the others go on); returns report lines.
pub fn record_changes(db: &mut Store, acct: &Account) -> anyhow::Result<String> {
    let mut report = String::new();
    let (mut recorded, mut refused) = (0, Vec::new());
    for (folder, class, dir) in collections(db, acct)? {
        if !dir.exists() {
            continue;
        }
        if !dir.join(".easync-items").exists() {
            // Without its state file every file would look new (and be added twice): the
            // export writes it again; changes made meanwhile are found after that.
            tracing::warn!(dir = %dir.display(), "no state file: changes are looked for after the next export");
            continue;
        }
        for c in vdir_state::local_changes(&dir)? {
            let what = describe(&c);
            let file = match &c {
                VdirChange::Changed { path, .. } => Some(path.clone()),
                _ => None,
            };
            let recorded_one = change(db, &folder, class, c).and_then(|found| match found {
                Some(change) => crate::sync::local::record(db, vec![change], "vdir")
                    .map(|_| true)
                    .map_err(anyhow::Error::from),
                None => Ok(false),
            });
            match recorded_one {
                Ok(true) => recorded += 1,
                Ok(false) => {}
                Err(e) => {
                    // Not sent, so not overwritten either: the user's text stays.
                    if let Some(path) = &file {
                        crate::export::guard::keep(path);
                    }
                    refused.push(format!("{what}: {e:#}"));
                }
            }
        }
    }
    if recorded > 0 {
        report.push_str(&format!("vdir: {recorded} change(s) found and recorded\n"));
    }
    for r in refused {
        tracing::warn!("not sent: {r}");
        report.push_str(&format!("vdir: not sent: {r}\n"));
    }
    Ok(report)
}

/// What a change is about, for messages.
fn describe(c: &VdirChange) -> String {
    match c {
        VdirChange::Added { path } | VdirChange::Changed { path, .. } => path.display().to_string(),
        VdirChange::Deleted { server_id } => format!("the removed file of item {server_id}"),
    }
}

fn read(path: &Path) -> anyhow::Result<FileItem> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot be read ({e}): easync reads UTF-8 vCard/iCalendar files; fix or move it, the \
             next sync looks again"
        )
    })?;
    Ok(FileItem {
        path: path.display().to_string(),
        text,
    })
}

/// The journal change for what the collection shows; `None` when it is recorded already or
/// the item is gone from the mirror.
fn change(
    db: &mut Store,
    folder: &str,
    class: ItemClass,
    c: VdirChange,
) -> anyhow::Result<Option<LocalChange>> {
    Ok(match c {
        VdirChange::Added { path } => {
            let file = read(&path)?;
            if db.file_recorded("add", &file.path, &file.text)? {
                return Ok(None);
            }
            // Edited again before the server took it: the waiting Add carries the new text.
            if db.update_waiting_add(&file.path, &file.text)? {
                return Ok(None);
            }
            Some(LocalChange::Add {
                folder: folder.to_string(),
                class: class.as_str().to_string(),
                file,
            })
        }
        VdirChange::Changed { server_id, path } => {
            let Some(item) = db.item_id(folder, &server_id)? else {
                return Ok(None);
            };
            let file = read(&path)?;
            if db.leaving(item)? || db.file_recorded("change", &file.path, &file.text)? {
                return Ok(None);
            }
            Some(LocalChange::Edit { item, file })
        }
        VdirChange::Deleted { server_id } => {
            let Some(item) = db.item_id(folder, &server_id)? else {
                return Ok(None);
            };
            if db.leaving(item)? {
                return Ok(None);
            }
            Some(LocalChange::Delete { item, hard: false })
        }
    })
}

/// The files of Adds the server took are adopted: the next export writes the new item into the
/// user's file, not a second one. An Add from easync serve's CalDAV/CardDAV side is not a file:
/// that side adopts it (keeping its href, [`Store::dav_refresh`]).
pub fn adopt_added(db: &mut Store) -> anyhow::Result<()> {
    for e in db.added()?.into_iter().filter(|e| e.origin != "dav") {
        let (path, sent) = match serde_json::from_str::<crate::model::Payload>(&e.payload) {
            Ok(crate::model::Payload::File(f)) => (PathBuf::from(f.path), f.text),
            _ => (PathBuf::new(), String::new()),
        };
        // What was sent is what the file is known to hold: a later edit is found next time.
        if let (Some(dir), Some(name), Some(sid)) =
            (path.parent(), path.file_name(), e.server_id.as_deref())
            && let Err(err) =
                vdir_state::adopt_as(dir, &name.to_string_lossy(), sid, sent.as_bytes())
        {
            tracing::warn!(path = %path.display(), "adopting the file of a new item: {err}");
        }
        db.finish_added(e.id)?;
    }
    Ok(())
}
