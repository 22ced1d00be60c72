//! `easync mail read|unread|flag|unflag|move|delete`: local changes to mirrored mail. Each is
//! written to the journal with its effect on the mirror (one transaction), then sent at once by
//! a sync of the folders concerned — or, when the server cannot be reached or another easync
//! (`watch`) holds the account, by the next sync. Nothing recorded is lost.

use std::path::Path;

use anyhow::Context;
use clap::Args;

use crate::model::{FlagEdit, LocalChange, MailEdit};
use crate::store::{Store, StoreError};

/// Which mails: ids (the first column of `easync mail list|search`) and/or a search.
#[derive(Debug, Args)]
pub struct Targets {
    /// Mail ids.
    ids: Vec<i64>,
    /// Also every mail this full-text search finds (FTS5 syntax, as `easync mail search`).
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// Also every mail of this folder (name, or server id when names repeat): with `delete`,
    /// empties it.
    #[arg(long = "in", value_name = "FOLDER")]
    in_folder: Option<String>,
    /// Record the change only; the next `easync sync` (or the running `easync watch`) sends it.
    #[arg(long)]
    no_sync: bool,
}

/// What to change.
#[derive(Debug, Clone)]
pub enum Edit {
    Read(bool),
    Flag(Option<String>),
    Unflag,
    Move(String),
    Delete { hard: bool },
    Categories(Vec<String>),
}

impl Targets {
    fn resolve(&self, db: &Store) -> anyhow::Result<Vec<i64>> {
        let mut ids = self.ids.clone();
        if let Some(q) = &self.query {
            let found = db
                .mail_search(q, u32::MAX)
                .map_err(|e| anyhow::anyhow!("{e}\n(the query uses SQLite FTS5 syntax)"))?;
            ids.extend(found.iter().map(|r| r.id));
        }
        if let Some(name) = &self.in_folder {
            let folder = folder_id(db, name)?;
            ids.extend(db.item_ids_in(&folder)?);
        }
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            anyhow::bail!("no mail named: give ids (see `easync mail list`), --query or --in");
        }
        Ok(ids)
    }
}

/// Records the edit for every target, then pushes it.
pub async fn execute(
    config_file: Option<&Path>,
    account: Option<&str>,
    targets: Targets,
    edit: Edit,
) -> anyhow::Result<()> {
    let acct = super::load_account(config_file, account)?;
    let mut db = super::open_synced(&acct)?;
    let ids = targets.resolve(&db)?;
    let to_folder = match &edit {
        Edit::Move(name) => Some(folder_id(&db, name)?),
        _ => None,
    };
    let changes: Vec<LocalChange> = ids
        .iter()
        .map(|&item| change(item, &edit, to_folder.as_deref()))
        .collect();
    let mut folders: Vec<String> = Vec::new();
    for &item in &ids {
        let Some(h) = db.item_by_id(item)? else {
            anyhow::bail!(
                "no item {item} in the mirror (ids are the first column of `easync mail list`)"
            );
        };
        if h.class != "Email" {
            anyhow::bail!(
                "item {item} is not a mail (class {}): nothing was changed",
                h.class
            );
        }
        if db.leaving(item)? {
            anyhow::bail!(
                "mail {item} is being moved or deleted already (`easync changes`): sync first; \
                 nothing was changed"
            );
        }
        folders.push(h.folder);
    }
    folders.extend(to_folder.iter().cloned());
    let recorded = crate::sync::local::record(&mut db, changes, "cli")?;
    eprintln!("easync: {} change(s) recorded", recorded.len());
    drop(db);
    if targets.no_sync {
        return Ok(());
    }
    push(config_file, &acct, folders, &recorded).await
}

fn change(item: i64, edit: &Edit, to_folder: Option<&str>) -> LocalChange {
    let mail = |e: MailEdit| LocalChange::Mail { item, edit: e };
    match edit {
        Edit::Read(read) => mail(MailEdit {
            read: Some(*read),
            ..MailEdit::default()
        }),
        Edit::Flag(due) => mail(MailEdit {
            flag: Some(FlagEdit::Flagged { due: due.clone() }),
            ..MailEdit::default()
        }),
        Edit::Unflag => mail(MailEdit {
            flag: Some(FlagEdit::Cleared),
            ..MailEdit::default()
        }),
        Edit::Move(_) => LocalChange::Move {
            item,
            to_folder: to_folder.unwrap_or_default().to_string(),
        },
        Edit::Delete { hard } => LocalChange::Delete { item, hard: *hard },
        Edit::Categories(c) => mail(MailEdit {
            categories: Some(c.clone()),
            ..MailEdit::default()
        }),
    }
}

/// The server id of the mail folder called `name` (or with that server id).
fn folder_id(db: &Store, name: &str) -> anyhow::Result<String> {
    let folders = db.folders()?;
    let found: Vec<_> = folders
        .iter()
        .filter(|f| f.class.as_deref() == Some("Email") && (f.name == name || f.server_id == name))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.server_id.clone()),
        [] => anyhow::bail!("no mail folder called {name:?} (see `easync folders`)"),
        many => anyhow::bail!(
            "{} mail folders are called {name:?}: name one by its server id ({})",
            many.len(),
            many.iter()
                .map(|f| f.server_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Sends the recorded changes with a sync of the folders concerned, and says what became of
/// them.
async fn push(
    config_file: Option<&Path>,
    acct: &crate::config::Account,
    folders: Vec<String>,
    recorded: &[i64],
) -> anyhow::Result<()> {
    let synced = super::sync::SyncArgs::folders_by_id(config_file, acct, &folders).await;
    if let Err(e) = synced {
        if e.chain().any(|c| {
            matches!(
                c.downcast_ref::<StoreError>(),
                Some(StoreError::Locked { .. })
            )
        }) {
            eprintln!("easync: another easync (watch?) holds the account: it sends the changes");
            return Ok(());
        }
        if super::exit_code(&e) == super::EXIT_TEMPORARY {
            eprintln!(
                "easync: the server cannot be reached now ({e:#}); the changes stay pending and \
                 the next `easync sync` sends them (`easync changes` lists them)"
            );
            return Ok(());
        }
        return Err(e.context(
            "the changes are recorded and the next `easync sync` sends them, but this sync failed",
        ));
    }
    let db = Store::open(&acct.database)?;
    let mut refused = Vec::new();
    for &id in recorded {
        if let Some(e) = db.journal_entry(id)?.filter(|e| e.state != "pending") {
            refused.push(format!(
                "change {} ({}): {}",
                e.id,
                e.summary
                    .as_deref()
                    .map(crate::text::one_line)
                    .unwrap_or_default(),
                e.error.as_deref().unwrap_or(&e.state)
            ));
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(anyhow::anyhow!(refused.join("\n")))
        .context("the server did not take every change (see `easync changes`)")
}
