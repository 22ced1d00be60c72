//! What wakes `easync watch` for local changes: a change another easync recorded in the
//! journal, and file events: the configured maildirs (and vdirs) are watched (inotify
//! through the `notify` crate), so a change a user makes there — mutt flagging a message, khal
//! writing an event — wakes the loop, which records and sends it within seconds. Events are
//! debounced (a mail client renames many files at once), and the ones easync's own exports
//! cause are dropped after each sync.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::Account;
use crate::store::Store;

use ::notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// How long to wait for more events after the first.
const DEBOUNCE: Duration = Duration::from_millis(800);

/// Watched directories and their events.
pub(super) struct FileWatch {
    _watcher: ::notify::RecommendedWatcher,
    rx: UnboundedReceiver<()>,
}

/// Whether an event about `path` can be a user's change (not a state file, a temporary file of
/// an atomic write, or a maildir's `tmp/`).
fn relevant(path: &Path) -> bool {
    let dot = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    let in_tmp = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "tmp");
    !dot && !in_tmp
}

impl FileWatch {
    /// Watches `dirs` (recursively; the ones that do not exist yet are skipped). `None` when
    /// there is nothing to watch or the platform refuses (logged: changes are then found at the
    /// next sync).
    pub(super) fn new(dirs: &[PathBuf]) -> Option<Self> {
        let dirs: Vec<&PathBuf> = dirs.iter().filter(|d| d.is_dir()).collect();
        if dirs.is_empty() {
            return None;
        }
        let (tx, rx) = unbounded_channel();
        let handler = move |event: ::notify::Result<::notify::Event>| {
            if let Ok(e) = event
                && !e.kind.is_access()
                && e.paths.iter().any(|p| relevant(p))
            {
                let _ = tx.send(());
            }
        };
        let mut watcher = match ::notify::recommended_watcher(handler) {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(
                    "cannot watch the exported files ({e}): their changes are found at the next sync"
                );
                return None;
            }
        };
        for d in dirs {
            if let Err(e) = watcher.watch(d, RecursiveMode::Recursive) {
                tracing::warn!(dir = %d.display(), "cannot watch ({e}): its changes are found at the next sync");
            }
        }
        Some(Self {
            _watcher: watcher,
            rx,
        })
    }

    /// Resolves once files changed and stayed quiet for a moment.
    pub(super) async fn changed(&mut self) {
        if self.rx.recv().await.is_none() {
            return std::future::pending().await;
        }
        loop {
            match tokio::time::timeout(DEBOUNCE, self.rx.recv()).await {
                Ok(Some(())) => continue,
                _ => return,
            }
        }
    }

    /// Forgets the events so far; whether there were any.
    pub(super) fn drain(&mut self) -> bool {
        let mut any = false;
        while self.rx.try_recv().is_ok() {
            any = true;
        }
        any
    }
}

/// Waits for a change in `files`, forever when nothing is watched.
pub(super) async fn changed(files: &mut Option<FileWatch>) {
    match files {
        Some(f) => f.changed().await,
        None => std::future::pending().await,
    }
}

/// The directories whose changes are the user's: the configured maildirs and vdirs.
pub(super) fn exported_dirs(acct: &Account) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = super::super::sync::maildirs(acct)
        .into_iter()
        .map(|m| m.root)
        .collect();
    dirs.extend(super::super::vdir::dirs(acct));
    dirs
}
/// How often the journal is looked at during a Ping (a local read, never the server).
const JOURNAL_CHECK: Duration = Duration::from_secs(2);

/// Resolves when a local change newer than `seen` is pending, or a message newer than
/// `seen_message` is queued (another easync recorded it: `easync mail`, `easync send`).
pub(super) async fn new_local_change(db: &Store, seen: Option<i64>, seen_message: Option<i64>) {
    loop {
        tokio::time::sleep(JOURNAL_CHECK).await;
        match db.latest_pending_change() {
            Ok(Some(id)) if Some(id) > seen => return,
            Ok(_) => {}
            Err(e) => tracing::warn!("reading the journal of local changes: {e}"),
        }
        match db.latest_queued_message() {
            Ok(Some(id)) if Some(id) > seen_message => return,
            Ok(_) => {}
            Err(e) => tracing::warn!("reading the outbox: {e}"),
        }
    }
}
