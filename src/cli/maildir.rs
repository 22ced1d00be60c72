//! The Maildir, both ways: the user's changes to it (flags in file names, a message moved to
//! another maildir, deleted or marked `T`) are found exactly from each maildir's state file
//! ([`crate::export::maildir_state`]) and recorded in the journal before anything is written;
//! then the mirror is written out (whole messages, fetched once when only text is stored).
//! Used by `easync export mail`, and by `easync sync` / `watch` for a configured
//! `what = "mail"` export.

use std::path::PathBuf;

use anyhow::Context;

use crate::export::maildir;
use crate::export::maildir_state::{self, MailFolder, MaildirChange};
use crate::http::Session;
use crate::model::{FlagEdit, LocalChange, MailEdit};
use crate::store::{Store, StoredFolder};

/// How many messages one ItemOperations request fetches.
const FETCH_BATCH: usize = 50;

/// A maildir tree and the mail folders it holds (names; empty: every mail folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maildir {
    pub root: PathBuf,
    pub folders: Vec<String>,
}

impl Maildir {
    fn wants(&self, f: &StoredFolder) -> bool {
        f.class.as_deref() == Some("Email")
            && (self.folders.is_empty()
                || self.folders.iter().any(|n| n.eq_ignore_ascii_case(&f.name)))
    }
}

/// Finds the user's changes in the maildirs and records them (one transaction); returns a
/// report line when there were any.
pub fn record_changes(db: &mut Store, m: &Maildir) -> anyhow::Result<Option<String>> {
    if !m.root.exists() {
        return Ok(None);
    }
    let folders = db.folders()?;
    let exported: Vec<MailFolder> = folders
        .iter()
        .filter(|f| m.wants(f))
        .map(|f| MailFolder {
            server_id: f.server_id.clone(),
            path: folder_path(&folders, &f.server_id),
        })
        .collect();
    let found = maildir_state::local_changes(&m.root, &exported)
        .with_context(|| format!("reading the maildirs under {}", m.root.display()))?;
    let mut changes = Vec::new();
    let mut copies = Vec::new();
    for c in found {
        if let Some((change, copy)) = change(db, c)? {
            changes.push(change);
            copies.extend(copy);
        }
    }
    if changes.is_empty() {
        return Ok(None);
    }
    // One by one: a change that cannot be recorded never holds the others back.
    let mut n = 0;
    for c in changes {
        match crate::sync::local::record(db, vec![c], "maildir") {
            Ok(_) => n += 1,
            Err(e) => tracing::warn!("a Maildir change not sent: {e}"),
        }
    }
    // The moved copies go: the server's message is written there under its new id once the
    // move is made (the journal has it now).
    for path in copies {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(path = %path.display(), "removing a moved message's copy: {e}");
        }
    }
    Ok(Some(format!(
        "maildir: {n} change(s) found under {} and recorded",
        m.root.display()
    )))
}

/// The journal change for what the maildir shows, with a file to remove once recorded; `None`
/// when the mirror already shows it or nothing is to be sent.
fn change(db: &Store, c: MaildirChange) -> anyhow::Result<Option<(LocalChange, Option<PathBuf>)>> {
    let (folder, server_id) = match &c {
        MaildirChange::Flags {
            folder, server_id, ..
        }
        | MaildirChange::Move {
            folder, server_id, ..
        }
        | MaildirChange::Delete { folder, server_id } => (folder, server_id),
        MaildirChange::Foreign { path, .. } => {
            tracing::warn!(path = %path.display(),
                "a message easync did not write is in a maildir: new messages are not uploaded; \
                 it is left alone");
            return Ok(None);
        }
    };
    // Gone from the mirror (moved or deleted on the server meanwhile), or already on its way.
    let Some(state) = db.mail_state(folder, server_id)? else {
        return Ok(None);
    };
    if db.leaving(state.item)? {
        // Recorded before (a run killed before it removed the moved copy): remove it now.
        if let MaildirChange::Move { path, .. } = &c
            && let Err(e) = std::fs::remove_file(path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), "removing a moved message's copy: {e}");
        }
        return Ok(None);
    }
    let item = state.item;
    Ok(match c {
        MaildirChange::Flags { read, flagged, .. } => {
            let edit = MailEdit {
                read: read.filter(|r| *r != state.read),
                flag: flagged.filter(|f| *f != state.flagged).map(|f| {
                    if f {
                        FlagEdit::Flagged { due: None }
                    } else {
                        FlagEdit::Cleared
                    }
                }),
                categories: None,
            };
            (!edit.is_empty()).then_some((LocalChange::Mail { item, edit }, None))
        }
        MaildirChange::Move {
            to_folder, path, ..
        } => Some((LocalChange::Move { item, to_folder }, Some(path))),
        MaildirChange::Delete { .. } => Some((LocalChange::Delete { item, hard: false }, None)),
        MaildirChange::Foreign { .. } => None,
    })
}

/// Writes the mirror's mail under `m.root`: one maildir per folder; messages whose MIME the
/// store lacks are fetched (with `session`, or one opened on first need). Returns the report.
pub async fn export(
    acct: &crate::config::Account,
    db: &mut Store,
    mut session: Option<&mut Session>,
    m: &Maildir,
) -> anyhow::Result<String> {
    let mut own: Option<Session> = None;
    let folders = db.folders()?;
    let mut report = String::new();
    for (folder_id, mut messages) in by_folder(db, &folders, m)? {
        let path = folder_path(&folders, &folder_id);
        let dir = maildir::folder_dir(&m.root, &path);
        let wanted = maildir::missing(&dir, &messages)?;
        if !wanted.is_empty() && session.is_none() && own.is_none() {
            let auth = acct
                .auth()
                .await
                .with_context(|| format!("account {}", acct.name))?;
            let opts = super::connect_options(acct);
            own = Some(crate::sync::account::connect(db, &opts, auth).await?);
        }
        if let Some(s) = session.as_deref_mut().or(own.as_mut()) {
            for chunk in wanted.chunks(FETCH_BATCH) {
                let fetched = crate::export::mail::fetch_mime(s, &folder_id, chunk).await?;
                for msg in messages.iter_mut() {
                    if let Some(mime) = fetched.get(&msg.server_id) {
                        msg.mime = Some(mime.clone());
                    }
                }
            }
        }
        let lost = messages
            .iter()
            .filter(|msg| msg.mime.is_none() && wanted.contains(&msg.server_id))
            .count();
        let c = maildir::sync_folder(&dir, &messages)
            .with_context(|| format!("writing the maildir {}", dir.display()))?;
        let lost = if lost > 0 {
            format!(", {lost} the server could not send")
        } else {
            String::new()
        };
        report.push_str(&format!(
            "{}: {} messages ({} written, {} renamed, {} unchanged, {} removed{lost}) in {}\n",
            crate::text::one_line(&path.join("/")),
            messages.len(),
            c.written,
            c.renamed,
            c.unchanged,
            c.removed,
            dir.display()
        ));
    }
    Ok(report)
}

/// The stored mail of the wanted folders, grouped by folder (server id); an empty folder too
/// (its maildir exists, so messages can be moved into it).
fn by_folder(
    db: &Store,
    folders: &[StoredFolder],
    m: &Maildir,
) -> anyhow::Result<Vec<(String, Vec<maildir::Message>)>> {
    let mut out: Vec<(String, Vec<_>)> = folders
        .iter()
        .filter(|f| m.wants(f) && !f.orphaned)
        .map(|f| (f.server_id.clone(), Vec::new()))
        .collect();
    for (folder_id, msg) in crate::export::mail::messages(db)? {
        if !folders
            .iter()
            .any(|f| f.server_id == folder_id && m.wants(f))
        {
            continue;
        }
        match out.iter_mut().find(|(id, _)| *id == folder_id) {
            Some((_, list)) => list.push(msg),
            None => out.push((folder_id, vec![msg])),
        }
    }
    Ok(out)
}

/// A folder's names from the top of the tree down to it.
pub fn folder_path(folders: &[StoredFolder], id: &str) -> Vec<String> {
    let mut path = Vec::new();
    let mut cur = folders.iter().find(|f| f.server_id == id);
    while let Some(f) = cur {
        path.insert(0, f.name.clone());
        cur = f
            .parent_id
            .as_deref()
            .and_then(|p| folders.iter().find(|f| f.server_id == p));
    }
    path
}

/// The configured maildirs (`what = "mail"`).
pub(super) fn maildirs(acct: &crate::config::Account) -> Vec<Maildir> {
    acct.exports
        .iter()
        .filter_map(|e| match e {
            crate::export::Export::Mail(m) => Some(Maildir {
                root: m.root.clone(),
                folders: m.folders.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Records the user's changes to the configured maildirs in the journal (before a sync sends
/// them and before anything is written out again); the report lines.
pub(super) fn record_maildir_changes(
    db: &mut Store,
    acct: &crate::config::Account,
) -> anyhow::Result<String> {
    crate::export::guard::looked_now();
    let mut out = String::new();
    for m in maildirs(acct) {
        if let Some(line) = record_changes(db, &m)? {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(&super::vdir::record_changes(db, acct)?);
    Ok(out)
}

/// Writes the configured maildirs out, as report lines.
pub(super) async fn mail_exports(
    db: &mut Store,
    acct: &crate::config::Account,
    mut session: Option<&mut crate::http::Session>,
    json: bool,
) -> anyhow::Result<String> {
    let mut out = String::new();
    for m in maildirs(acct) {
        let report = export(acct, db, session.as_deref_mut(), &m)
            .await
            .with_context(|| format!("the mail export to {}", m.root.display()))?;
        for line in report.lines() {
            if json {
                let v = serde_json::json!({"type": "export", "what": "mail", "report": line});
                out.push_str(&format!("{v}\n"));
            } else {
                out.push_str(&format!("export: {line}\n"));
            }
        }
    }
    Ok(out)
}

/// The mirrored mail with this Message-ID, found in the state files of the configured
/// maildirs (where mutt and notmuch users reply from): `(folder server id, server id)`.
pub(super) fn find_message_id(
    db: &Store,
    acct: &crate::config::Account,
    message_id: &str,
) -> anyhow::Result<Option<(String, String)>> {
    let wanted = message_id.trim().trim_matches(['<', '>']);
    let folders = db.folders()?;
    for m in maildirs(acct) {
        for f in folders.iter().filter(|f| m.wants(f) && !f.orphaned) {
            let dir = maildir::folder_dir(&m.root, &folder_path(&folders, &f.server_id));
            let Ok(state) = maildir_state::State::load(&dir) else {
                continue; // not exported yet, or unreadable: the reply goes as a new message
            };
            let found = state.entries.values().find_map(|e| {
                (e.message_id.as_deref() == Some(wanted))
                    .then(|| e.server_id.clone())
                    .flatten()
            });
            if let Some(server_id) = found {
                return Ok(Some((f.server_id.clone(), server_id)));
            }
        }
    }
    Ok(None)
}
