//! `easync watch [ACCOUNT]`: a catch-up sync, then Ping (MS-ASCMD 2.2.1.13) over the watched
//! folders; on Status 2 a Sync of exactly the folders that changed, in one request; then Ping
//! again. Nothing is polled while Ping works. The heartbeat adapts ([`crate::sync::push`]) and
//! is kept in the store; the account lock makes this the only Ping of the device. Changes go to
//! hooks ([`hooks`]) and, with `--json`, to stdout ([`events`]).

mod events;
mod files;
mod hooks;
mod notify;
mod pause;
mod pinged;
mod signals;
mod steps;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use self::events::Events;
use self::hooks::HookMsg;
use self::signals::{Queued, Sig, Signals};
use self::steps::{suspended, sync_folders};
use crate::config::Account;
use crate::http::{HttpError, MAX_DELAY, Session};
use crate::proto::HeartbeatInterval;
use crate::proto::classes::ItemClass;
use crate::proto::ping::{Ping, PingFolder};
use crate::store::{Store, StoredFolder, WriterLock};
use crate::sync::push::{self, Heartbeat};
use crate::sync::{SyncError, account};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The account (needed when the configuration has several).
    account: Option<String>,
    /// Print one JSON line per event on stdout (new, changed, deleted, sync, error).
    #[arg(long)]
    json: bool,
    /// Put subjects and senders in events and hook input (default: the `watch.details` key).
    #[arg(long)]
    details: bool,
    /// `easync serve`: every mail folder is watched (its IMAP clients may have any open)
    /// unless `watch.folders` names some.
    #[arg(skip)]
    all_mail: bool,
}

/// The most folders one Ping names (Exchange's default MaxFolders for Ping is 300).
const MAX_PING_FOLDERS: usize = 200;

/// How often to sync when Ping keeps failing.
const POLL: Duration = Duration::from_secs(300);

/// What woke the loop up.
enum Wake {
    Ping(
        Result<crate::proto::ping::PingResponse, HttpError>,
        Duration,
    ),
    Signal(Sig),
    Resumed,
    /// A local change was recorded (`easync mail read` while watch holds the account).
    LocalChange,
    /// An exported maildir or vdir changed.
    Files,
}

struct Watcher {
    config_file: Option<PathBuf>,
    /// Every mail folder is watched ([`WatchArgs`]'s `all_mail`).
    all_mail: bool,
    acct: Account,
    db: Store,
    session: Session,
    events: Events,
    hooks: tokio::sync::mpsc::UnboundedSender<HookMsg>,
    signals: Signals,
    /// SIGHUP/SIGUSR1 that arrived during a sync, handled after it.
    queued: Queued,
    details: bool,
    watched: Vec<StoredFolder>,
    heartbeat: Heartbeat,
    /// Whether the last sync completed.
    synced: bool,
    /// The newest pending local change already handed to a sync.
    last_change: Option<i64>,
    /// The newest queued message already handed to a sync.
    last_message: Option<i64>,
    /// The exported maildirs and vdirs, watched for the user's changes.
    files: Option<files::FileWatch>,
    /// The user changed files during the last sync: look again at once.
    files_dirty: bool,
    /// Failures in a row because of the administrator's device rules (blocked, quarantined,
    /// too many devices): waited out long, not retried at once ([`pause::device_wait`]).
    blocked: u32,
}

/// `easync watch NAME` inside another command (`easync serve`), on its runtime.
pub async fn run_for(config_file: Option<&Path>, account: &str) -> anyhow::Result<()> {
    WatchArgs {
        account: Some(account.to_string()),
        json: false,
        details: false,
        all_mail: true,
    }
    .run(config_file)
    .await
}

impl WatchArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(self.run(config_file))
    }

    async fn run(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let _lock = WriterLock::acquire(&acct.database)?;
        let mut db = Store::open(&acct.database)?;
        let auth = acct
            .auth()
            .await
            .with_context(|| format!("account {}", acct.name))?;
        notify::notify("READY=1");
        let mut signals = Signals::new()?;
        let events = Events::new(self.json, &acct.name);
        let opts = super::connect_options(&acct);
        let mut failures = 0;
        let session = loop {
            let err = match account::connect(&mut db, &opts, auth.clone()).await {
                Ok(s) => break s,
                Err(SyncError::Http(e)) if e.is_temporary() => e,
                Err(e) => {
                    return Err(anyhow::Error::from(e).context(format!("account {}", acct.name)));
                }
            };
            // Not reachable yet (no network at boot, the server restarting): keep trying.
            failures += 1;
            let wait = match &err {
                HttpError::RetryAfter {
                    delay,
                    stated: true,
                    ..
                } => (*delay).min(MAX_DELAY),
                _ => push::backoff(failures),
            };
            events.error(&err.to_string());
            tracing::warn!("connecting: {err}; again in {:.1} s", wait.as_secs_f64());
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                s = signals.next() => if s == Sig::Stop { return Ok(()) },
            }
        };
        let start = db.ping_heartbeat()?.unwrap_or(acct.watch.heartbeat);
        let mut w = Watcher {
            config_file: config_file.map(Path::to_path_buf),
            events,
            hooks: hooks::spawn(acct.name.clone(), acct.watch.clone()),
            details: self.details || acct.watch.details,
            all_mail: self.all_mail,
            heartbeat: Heartbeat::new(start),
            watched: Vec::new(),
            synced: false,
            last_change: None,
            last_message: None,
            files: None,
            files_dirty: false,
            blocked: 0,
            signals,
            queued: Queued::default(),
            session,
            db,
            acct,
        };
        let name = w.acct.name.clone();
        let result = w.watch().await;
        notify::notify("STOPPING=1");
        result.with_context(|| format!("account {name}"))
    }
}

impl Watcher {
    async fn watch(&mut self) -> anyhow::Result<()> {
        // Watched before the catch-up sync, so a change made meanwhile is not missed.
        self.files = files::FileWatch::new(&files::exported_dirs(&self.acct));
        let mut failures = 0;
        while !self.synced {
            // Until the first sync completes there is nothing sound to watch.
            if self.sync(None, "catch-up").await? {
                return Ok(());
            }
            if !self.synced {
                failures += 1;
                if self.pause(self.retry_wait(failures)).await? {
                    return Ok(());
                }
            }
        }
        self.derive_watched()?;
        if self.files.is_none() {
            // The first export created the directories.
            self.files = files::FileWatch::new(&files::exported_dirs(&self.acct));
        }
        loop {
            if self.heartbeat.fall_back() {
                tracing::warn!(
                    "Ping failed {} times: syncing every {POLL:?} until it works again",
                    self.heartbeat.failures()
                );
                if self.pause(POLL).await? || self.sync(Some(self.ids()), "poll").await? {
                    return Ok(());
                }
                self.heartbeat.answered(); // try Ping again
                continue;
            }
            let wake = self.ping().await;
            if self.handle(wake).await? {
                return Ok(());
            }
        }
    }

    fn ids(&self) -> Vec<String> {
        self.watched.iter().map(|f| f.server_id.clone()).collect()
    }

    fn derive_watched(&mut self) -> anyhow::Result<()> {
        let folders = self.db.folders()?;
        self.watched = push::watched(&folders, &self.acct.watch.folders);
        if self.all_mail && self.acct.watch.folders.is_empty() {
            for f in folders.iter().filter(|f| {
                f.class.as_deref() == Some("Email") && !f.orphaned && f.folder_type != 6
            }) {
                if self.watched.len() >= MAX_PING_FOLDERS {
                    tracing::warn!(
                        "more than {MAX_PING_FOLDERS} folders: the others are not pushed (name the \
                         ones to push in watch.folders)"
                    );
                    break;
                }
                if !self.watched.iter().any(|w| w.server_id == f.server_id) {
                    self.watched.push(f.clone());
                }
            }
        }
        if self.watched.is_empty() {
            anyhow::bail!(
                "no folder to watch: watch.folders names none of the account's folders (see `easync folders`)"
            );
        }
        tracing::info!(folders = ?self.watched.iter().map(|f| &f.name).collect::<Vec<_>>(), "watching");
        Ok(())
    }

    /// One Ping, raced against signals and against a suspend of the machine.
    async fn ping(&mut self) -> Wake {
        if std::mem::take(&mut self.files_dirty) {
            return Wake::Files;
        }
        let folders = self
            .watched
            .iter()
            .map(|f| PingFolder {
                id: f
                    .server_id
                    .parse()
                    .expect("a stored folder id is a valid CollectionId"),
                class: f
                    .class
                    .as_deref()
                    .and_then(ItemClass::from_name)
                    .unwrap_or(ItemClass::Email),
            })
            .collect();
        let ping = Ping {
            heartbeat_interval: HeartbeatInterval::within(
                self.heartbeat.seconds(),
                1,
                push::MAX_HEARTBEAT,
            )
            .ok(),
            folders,
        };
        tracing::debug!(heartbeat = self.heartbeat.seconds(), "Ping");
        let started = Instant::now();
        tokio::select! {
            r = self.session.execute(&ping) => Wake::Ping(r, started.elapsed()),
            s = self.signals.next() => Wake::Signal(s),
            () = suspended() => Wake::Resumed,
            () = files::new_local_change(&self.db, self.last_change, self.last_message) => Wake::LocalChange,
            () = files::changed(&mut self.files) => Wake::Files,
        }
    }

    /// Acts on what woke the loop; true when it must stop.
    async fn handle(&mut self, wake: Wake) -> anyhow::Result<bool> {
        match wake {
            Wake::Ping(Ok(resp), _) => self.answer(push::action(&resp)).await,
            Wake::Ping(Err(e), after) => self.failed(e, after).await,
            Wake::Signal(Sig::Stop) => Ok(true),
            Wake::Signal(Sig::Reload) => {
                self.reload()?;
                Ok(false)
            }
            Wake::Signal(Sig::SyncNow) => self.sync(None, "signal").await,
            Wake::LocalChange => self.sync(None, "local change").await,
            Wake::Files => self.sync(None, "files changed").await,
            Wake::Resumed => {
                tracing::info!("the machine was suspended: syncing, then a new Ping");
                self.sync(Some(self.ids()), "resume").await
            }
        }
    }

    fn reload(&mut self) -> anyhow::Result<()> {
        let acct = super::load_account(self.config_file.as_deref(), Some(&self.acct.name))?;
        tracing::info!("configuration reloaded");
        let _ = self.hooks.send(HookMsg::Reload(acct.watch.clone()));
        self.details = self.details || acct.watch.details;
        self.acct = acct;
        if self.files.is_some() {
            self.files = files::FileWatch::new(&files::exported_dirs(&self.acct));
        }
        // Before the first sync there is nothing to derive yet; `watch` does it after that.
        if self.watched.is_empty() {
            return Ok(());
        }
        self.derive_watched()
    }

    /// Syncs (see [`Self::sync_once`]), then handles the signals that arrived meanwhile; true
    /// when it must stop.
    async fn sync(&mut self, only: Option<Vec<String>>, reason: &str) -> anyhow::Result<bool> {
        if self.sync_once(only, reason).await? {
            return Ok(true);
        }
        while let Some(sig) = self.queued.take() {
            match sig {
                Sig::Reload => self.reload()?,
                Sig::SyncNow => {
                    if self.sync_once(None, "signal").await? {
                        return Ok(true);
                    }
                }
                Sig::Stop => return Ok(true),
            }
        }
        Ok(false)
    }

    /// Syncs the folders (server ids; all the configuration wants when `None`), then reports
    /// what changed. A stop signal ends it between two transactions; true then. SIGHUP and
    /// SIGUSR1 are queued and the sync goes on.
    async fn sync_once(&mut self, only: Option<Vec<String>>, reason: &str) -> anyhow::Result<bool> {
        let mark = self.db.change_mark()?;
        // The user's changes to the maildirs first (writing the mirror out must not undo them);
        // the local changes pending now go with this sync, newer ones wake the next.
        if let Err(e) = super::sync::record_maildir_changes(&mut self.db, &self.acct) {
            self.events.error(&format!("{e:#}"));
            tracing::error!("{e:#}");
        }
        let sending = self.db.latest_pending_change()?;
        self.last_change = sending.max(self.last_change);
        self.last_message = self.db.latest_queued_message()?.max(self.last_message);
        // A store that never synced: its catch-up is a download, not news (no item events).
        let first = self.db.folders()?.iter().all(|f| f.sync_key == "0");
        let result = {
            let work = sync_folders(&mut self.session, &mut self.db, &self.acct, only.as_deref());
            tokio::pin!(work);
            loop {
                tokio::select! {
                    r = &mut work => break r,
                    s = self.signals.next() => match s {
                        Sig::Stop => return Ok(true),
                        other => {
                            tracing::info!("signal {other:?} during a sync: handled after it");
                            self.queued.push(other);
                        }
                    },
                }
            }
        };
        self.synced = result.is_ok();
        let result = result.map(|sent| {
            for line in sent.lines() {
                tracing::info!("{line}");
                if line.contains("refused") {
                    self.events.error(line);
                }
            }
        });
        if let Err(e) = result {
            match &e {
                SyncError::Http(h) if h.is_device_rule() => {
                    // Waiting for an administrator: say so, then wait long (SIGUSR1: now).
                    self.blocked += 1;
                    self.events.error(&e.to_string());
                    let wait = pause::device_wait(self.blocked);
                    tracing::error!("sync ({reason}): {e}; trying again in {} s", wait.as_secs());
                    return Ok(false);
                }
                SyncError::Http(h) if h.is_temporary() && !h.needs_attention() => {
                    // Whatever committed is kept; the changes are fetched by a later sync.
                    self.events.error(&e.to_string());
                    tracing::warn!("sync ({reason}): {e}");
                    return Ok(false);
                }
                _ => return Err(e.into()),
            }
        }
        self.blocked = 0;
        let changes = self.db.changes_since(&mark, self.details)?;
        self.events.synced(reason, &changes);
        // Local changes are in the mirror already (recorded with their effect): the exports
        // show what the server now has of them.
        // Events so far are the user's (during the sync); the export's own come next.
        let during = self.files.as_mut().is_some_and(files::FileWatch::drain);
        if first || !changes.is_empty() || sending.is_some() {
            match steps::exports(&mut self.session, &mut self.db, &self.acct).await {
                Ok(report) => report.lines().for_each(|l| tracing::info!("{l}")),
                Err(e) => {
                    self.events.error(&format!("{e:#}"));
                    tracing::error!("{e:#}");
                }
            }
        }
        if !first && !changes.is_empty() {
            self.events.items(&changes);
            let _ = self.hooks.send(HookMsg::Changes(changes));
        }
        if let Some(f) = self.files.as_mut() {
            f.drain(); // what the exports just wrote
        }
        self.files_dirty |= during;
        let state = self.db.account()?;
        account::remember(&mut self.db, &self.session, state)?;
        Ok(false)
    }
}
