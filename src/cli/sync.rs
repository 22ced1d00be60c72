//! `easync sync [ACCOUNT]`: the folder hierarchy, then the items of every folder.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use clap::Args;

use super::progress::{self, Progress};
use crate::config::{BodyPolicy, SyncPrefs};
use crate::proto::ProtocolVersion;
use crate::proto::classes::ItemClass;
use crate::proto::sync::BodyPreference;
use crate::store::{StepCounts, Store, StoredFolder, WriterLock};
use crate::sync::estimate::{self, Pending};
use crate::sync::items::ItemOptions;
use crate::sync::{SyncError, account, device, hierarchy, retry, run};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The account (needed when the configuration has several).
    account: Option<String>,
    /// Only folders with these names (repeatable).
    #[arg(long = "folder", value_name = "NAME")]
    folders: Vec<String>,
    /// Print one JSON line per folder and a summary instead of text.
    #[arg(long)]
    json: bool,
    /// Apply responses that delete more than half of a folder (the guard refuses them).
    #[arg(long)]
    allow_deletions: bool,
    /// Download and change no folder or item: ask the server how many changes wait in each
    /// folder already synced (GetItemEstimate) and print that.
    #[arg(long)]
    dry_run: bool,
    /// The account's `[sync]` preferences (from the configuration, not the command line).
    #[arg(skip)]
    prefs: SyncPrefs,
    /// Print nothing on success (a sync run for another command).
    #[arg(skip)]
    quiet: bool,
}

impl SyncArgs {
    /// A plain sync of one account, as `easync sync NAME` (for `easync demo`).
    pub(crate) fn of_account(name: &str) -> Self {
        Self {
            account: Some(name.into()),
            folders: Vec::new(),
            json: false,
            allow_deletions: false,
            dry_run: false,
            prefs: SyncPrefs::default(),
            quiet: false,
        }
    }

    /// A quiet sync of some folders of one account (to push local changes at once).
    pub(crate) fn of_folders(name: &str, folders: Vec<String>) -> Self {
        Self {
            folders,
            quiet: true,
            ..Self::of_account(name)
        }
    }

    /// A quiet sync of the folders with these server ids (to push local changes, or to show
    /// an answer the server gave, at once).
    pub(crate) async fn folders_by_id(
        config_file: Option<&Path>,
        acct: &crate::config::Account,
        ids: &[String],
    ) -> anyhow::Result<()> {
        let db = Store::open(&acct.database)?;
        let names: Vec<String> = db
            .folders()?
            .into_iter()
            .filter(|f| ids.contains(&f.server_id))
            .map(|f| f.name)
            .collect();
        drop(db);
        Self::of_folders(&acct.name, names)
            .execute(config_file)
            .await
    }

    pub async fn execute(mut self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        self.prefs = acct.sync.clone();
        let _lock = WriterLock::acquire(&acct.database)?;
        let mut db = Store::open(&acct.database)?;
        let found = if self.dry_run {
            String::new()
        } else {
            record_maildir_changes(&mut db, &acct)?
        };
        if !found.is_empty() && !self.quiet {
            eprint!("{found}");
        }
        let auth = acct
            .auth()
            .await
            .with_context(|| format!("account {}", acct.name))?;
        let opts = super::connect_options(&acct);
        let mut attempt = 0;
        let result = loop {
            let result = self.run(&mut db, &opts, auth.clone()).await;
            let Some(wait) = result.as_ref().err().and_then(|e| retry::delay(e, attempt)) else {
                break result;
            };
            if let Err(e) = &result {
                tracing::warn!("{e}; trying again in {:.1} s", wait.as_secs_f64());
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        };
        if let Err(e) = &result {
            account::remember_throttle(&mut db, e)?;
        }
        let mut out = result.with_context(|| format!("account {}", acct.name))?;
        if !self.dry_run {
            super::vdir::adopt_added(&mut db)?;
            out.push_str(&run_exports(&db, &acct.exports, self.json)?);
            out.push_str(&mail_exports(&mut db, &acct, None, self.json).await?);
        }
        if self.quiet {
            return Ok(());
        }
        super::write_stdout(out.as_bytes())
    }

    async fn run(
        &self,
        db: &mut Store,
        opts: &account::ConnectOptions,
        auth: crate::http::Auth,
    ) -> Result<String, SyncError> {
        let mut session = account::connect(db, opts, auth).await?;
        if self.dry_run {
            return self.dry_run(&mut session, db).await;
        }
        hierarchy::sync(&mut session, db).await?;
        device::describe_once(&mut session, db).await?;
        // Queued messages first: their Sent Items copies then come with this sync.
        let sent = super::send::send_queued(&mut session, db).await?;
        let item_opts = item_options(&self.prefs, self.allow_deletions, session.version());
        let mut out = if self.json {
            sent.lines()
                .map(|l| format!("{}\n", serde_json::json!({"type": "send", "report": l})))
                .collect()
        } else {
            sent
        };
        let mut total = StepCounts::default();
        let progress = Progress::new();
        let mut tally = HashMap::new();
        let synced = self
            .sync_items(&mut session, db, &item_opts, &progress, &mut tally)
            .await;
        if let Err(e) = synced {
            // What committed stays; say what did before the error.
            if !self.json {
                let done: StepCounts = tally.values().fold(StepCounts::default(), |mut t, c| {
                    t.add(c);
                    t
                });
                eprintln!(
                    "easync: before the error: {} added, {} changed, {} deleted",
                    done.added,
                    done.changed,
                    done.deleted + done.soft_deleted
                );
            }
            return Err(e);
        }
        for folder in db.folders()?.into_iter().filter(|f| self.wanted(f)) {
            let c = tally.get(&folder.server_id).copied().unwrap_or_default();
            total.add(&c);
            let held = db.item_count(&folder.server_id)?;
            if self.json {
                let v = serde_json::json!({"type": "folder", "folder": folder.name, "added": c.added,
                    "changed": c.changed, "deleted": c.deleted, "soft_deleted": c.soft_deleted,
                    "undecodable": c.undecodable, "items": held});
                out.push_str(&format!("{v}\n"));
            } else if c != StepCounts::default() {
                out.push_str(&format!(
                    "{}: +{} ~{} -{} ({} items)\n",
                    crate::text::one_line(&folder.name),
                    c.added,
                    c.changed,
                    c.deleted + c.soft_deleted,
                    held
                ));
            }
        }
        let state = db.account()?;
        account::remember(db, &session, state)?;
        if self.json {
            let v = serde_json::json!({"type": "summary", "added": total.added, "changed": total.changed,
                "deleted": total.deleted, "soft_deleted": total.soft_deleted,
                "undecodable": total.undecodable});
            out.push_str(&format!("{v}\n"));
        } else {
            out.push_str(&format!(
                "synced: {} added, {} changed, {} deleted\n",
                total.added,
                total.changed,
                total.deleted + total.soft_deleted
            ));
            if total.undecodable > 0 {
                out.push_str(&format!(
                    "{} items could not be read and are kept as the server sent them \
                     (items.decode_error says why)\n",
                    total.undecodable
                ));
            }
        }
        Ok(out)
    }

    /// Syncs the items of the wanted folders, with a progress bar each on a terminal; what each
    /// committed step did is added to `tally` (by folder server id), even when a later step fails.
    async fn sync_items(
        &self,
        session: &mut crate::http::Session,
        db: &mut Store,
        opts: &ItemOptions,
        progress: &Progress,
        tally: &mut HashMap<String, StepCounts>,
    ) -> Result<(), SyncError> {
        let folders: Vec<StoredFolder> = db
            .folders()?
            .into_iter()
            .filter(|f| self.wanted(f))
            .collect();
        let estimates = if progress.visible() {
            estimates(session, &folders, opts).await
        } else {
            HashMap::new()
        };
        let bars: HashMap<&str, _> = folders
            .iter()
            .map(|f| {
                let bar = progress.folder(&f.name, estimates.get(&f.server_id).copied());
                (f.server_id.as_str(), bar)
            })
            .collect();
        let result = run::items(session, db, opts, &|f| self.wanted(f), &mut |id, c| {
            if let Some(bar) = bars.get(id) {
                progress::advance(bar, c);
            }
            tally.entry(id.to_string()).or_default().add(c);
        })
        .await;
        for bar in bars.values() {
            bar.finish_and_clear();
        }
        result.map(|_| ())
    }

    /// `--folder` names the folders (of any class the configuration syncs); without it, the
    /// configuration's `folders`/`exclude`/`classes` decide.
    fn wanted(&self, folder: &StoredFolder) -> bool {
        if self.folders.is_empty() {
            self.prefs.wants(&folder.name, folder.class.as_deref())
        } else {
            folder.class.is_some() && self.folders.contains(&folder.name)
        }
    }

    /// `--dry-run`: the estimates of the folders already known, nothing written.
    async fn dry_run(
        &self,
        session: &mut crate::http::Session,
        db: &Store,
    ) -> Result<String, SyncError> {
        let folders: Vec<StoredFolder> = db
            .folders()?
            .into_iter()
            .filter(|f| self.wanted(f))
            .collect();
        if folders.is_empty() {
            return Ok("no folders known yet: run easync sync (or easync folders) first\n".into());
        }
        let mut out = String::new();
        let opts = item_options(&self.prefs, self.allow_deletions, session.version());
        for e in estimate::estimate(session, &folders, &|c| opts.filter_for(c)).await? {
            let (n, text) = match &e.pending {
                Pending::Changes(n) => {
                    let s = if *n == 1 { "" } else { "s" };
                    (Some(*n), format!("{n} change{s} waiting"))
                }
                Pending::NeverSynced => (None, "never synced: all of it is to come".to_string()),
                Pending::Unknown(why) => (None, format!("unknown ({why})")),
            };
            if self.json {
                let v = serde_json::json!({"type": "estimate", "folder": e.name, "pending": n, "text": text});
                out.push_str(&format!("{v}\n"));
            } else {
                let name = crate::text::one_line(&e.name);
                out.push_str(&format!("{name}: {}\n", crate::text::one_line(&text)));
            }
        }
        Ok(out)
    }
}

/// The server's estimate per folder (by server id), for the progress bars. Best effort: a
/// server that cannot estimate only costs the bars their length.
async fn estimates(
    session: &mut crate::http::Session,
    folders: &[StoredFolder],
    opts: &ItemOptions,
) -> HashMap<String, u64> {
    match estimate::estimate(session, folders, &|c| opts.filter_for(c)).await {
        Ok(list) => list
            .into_iter()
            .filter_map(|e| match e.pending {
                Pending::Changes(n) => Some((e.server_id, u64::from(n))),
                _ => None,
            })
            .collect(),
        Err(e) => {
            tracing::debug!("no estimates for the progress bars: {e}");
            HashMap::new()
        }
    }
}

pub(super) use super::maildir::{mail_exports, maildirs, record_maildir_changes};

/// The account's configured exports (`[[account.NAME.export]]`), after a sync.
pub(super) fn run_exports(
    db: &Store,
    exports: &[crate::export::Export],
    json: bool,
) -> anyhow::Result<String> {
    let mut out = String::new();
    for (i, e) in exports.iter().enumerate() {
        if matches!(e, crate::export::Export::Mail(_)) {
            continue; // run with a session: mail_exports
        }
        let report = e
            .run(db)
            .with_context(|| format!("export {} ({}) of the configuration", i + 1, e.what()))?;
        for line in report.lines() {
            if json {
                let v = serde_json::json!({"type": "export", "what": e.what(), "report": line});
                out.push_str(&format!("{v}\n"));
            } else {
                out.push_str(&format!("export: {line}\n"));
            }
        }
    }
    Ok(out)
}

/// The engine's options from the account's preferences (MS-ASAIRS 2.2.2.10 for bodies).
pub(super) fn item_options(
    prefs: &SyncPrefs,
    allow_deletions: bool,
    version: ProtocolVersion,
) -> ItemOptions {
    let whole = |body_type| BodyPreference {
        body_type,
        truncation_size: None,
        all_or_none: None,
        preview: None,
    };
    let mail_body = match prefs.body {
        BodyPolicy::Headers => BodyPreference {
            truncation_size: Some(0),
            ..whole(1)
        },
        // Preview exists from 14.0 on; older servers get headers only.
        BodyPolicy::Preview => BodyPreference {
            truncation_size: Some(0),
            preview: (version >= ProtocolVersion::V14_0).then_some(255),
            ..whole(1)
        },
        BodyPolicy::Text => whole(1),
        BodyPolicy::Mime => whole(4),
    };
    let filters = [
        (ItemClass::Email, prefs.mail_filter),
        (ItemClass::Calendar, prefs.calendar_filter),
        (ItemClass::Tasks, prefs.tasks_filter),
    ]
    .into_iter()
    .filter_map(|(c, f)| Some((c, f?)))
    .collect();
    ItemOptions {
        mail_body,
        mail_mime: prefs.body == BodyPolicy::Mime,
        filters,
        max_delete_share: (!allow_deletions && prefs.max_delete_share < 1.0)
            .then_some(prefs.max_delete_share),
        conflict: prefs.local_wins.then_some(0),
        version,
        ..ItemOptions::default()
    }
}
