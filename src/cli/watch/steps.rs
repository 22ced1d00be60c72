//! The two long-running steps of the watch loop that need no watcher state: a sync of some
//! folders, and noticing that the machine was suspended.

use std::time::{Duration, Instant, SystemTime};

use crate::config::Account;
use crate::http::Session;
use crate::store::{Store, StoredFolder};
use crate::sync::{SyncError, device, hierarchy, run};

/// Syncs the hierarchy (for a full sync) and the folders' items.
pub(super) async fn sync_folders(
    session: &mut Session,
    db: &mut Store,
    acct: &Account,
    only: Option<&[String]>,
) -> Result<String, SyncError> {
    if only.is_none() {
        hierarchy::sync(session, db).await?;
        device::describe_once(session, db).await?;
    }
    let sent = super::super::send::send_queued(session, db).await?;
    let opts = super::super::sync::item_options(&acct.sync, false, session.version());
    let wanted = |f: &StoredFolder| match only {
        Some(ids) => ids.contains(&f.server_id) && f.class.is_some(),
        None => acct.sync.wants(&f.name, f.class.as_deref()),
    };
    run::items(session, db, &opts, &wanted, &mut |_, _| {})
        .await
        .map(|_| sent)
}

/// Resolves when the wall clock jumps ahead of the monotonic clock: the machine slept, and
/// the Ping's connection is most likely dead.
pub(super) async fn suspended() {
    let (mono, wall) = (Instant::now(), SystemTime::now());
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let walled = SystemTime::now().duration_since(wall).unwrap_or_default();
        if walled > mono.elapsed() + Duration::from_secs(15) {
            return;
        }
    }
}

/// Writes the configured exports out (vdirs and files, then maildirs with the watch's session
/// for messages to fetch); the report.
pub(super) async fn exports(
    session: &mut Session,
    db: &mut Store,
    acct: &Account,
) -> anyhow::Result<String> {
    super::super::vdir::adopt_added(db)?;
    let mut report = super::super::sync::run_exports(db, &acct.exports, false)?;
    report.push_str(&super::super::sync::mail_exports(db, acct, Some(session), false).await?);
    Ok(report)
}
