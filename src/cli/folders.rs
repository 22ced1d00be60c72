//! `easync folders [ACCOUNT]`: bring the folder hierarchy up to date and list it.

use std::path::Path;

use anyhow::Context;
use clap::Args;

use crate::store::{Store, StoredFolder, WriterLock};
use crate::sync::{account, device, hierarchy};

#[derive(Debug, Args)]
pub struct FoldersArgs {
    /// The account (needed when the configuration has several).
    account: Option<String>,
    /// Print one JSON object per folder instead of a tree.
    #[arg(long)]
    json: bool,
    /// List what the database holds without contacting the server.
    #[arg(long)]
    offline: bool,
}

impl FoldersArgs {
    pub async fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let _lock = WriterLock::acquire(&acct.database)?;
        let mut db = Store::open(&acct.database)?;
        if !self.offline {
            let auth = acct
                .auth()
                .await
                .with_context(|| format!("account {}", acct.name))?;
            let opts = super::connect_options(&acct);
            let result = async {
                let mut session = account::connect(&mut db, &opts, auth).await?;
                let changed = hierarchy::sync(&mut session, &mut db).await?;
                device::describe_once(&mut session, &mut db).await?;
                let state = db.account()?;
                account::remember(&mut db, &session, state)?;
                Ok::<usize, crate::sync::SyncError>(changed)
            }
            .await;
            if let Err(e) = &result {
                account::remember_throttle(&mut db, e)?;
            }
            let changed = result.with_context(|| format!("account {}", acct.name))?;
            tracing::info!(changed, "folder hierarchy synced");
        }
        super::write_stdout(render(&db.folders()?, self.json).as_bytes())
    }
}

/// The folder tree; names come from the server, so their control characters are removed.
fn render(folders: &[StoredFolder], json: bool) -> String {
    use crate::text::one_line;
    use std::fmt::Write as _;
    let mut out = String::new();
    if json {
        for f in folders {
            let v = serde_json::json!({
                "server_id": f.server_id, "parent_id": f.parent_id, "name": f.name,
                "type": f.folder_type, "class": f.class, "synced": f.sync_key != "0",
            });
            let _ = writeln!(out, "{v}");
        }
        return out;
    }
    fn walk(out: &mut String, all: &[StoredFolder], parent: Option<&str>, depth: usize) {
        for f in all.iter().filter(|f| f.parent_id.as_deref() == parent) {
            let class = f.class.as_deref().unwrap_or("-");
            let name = one_line(&f.name);
            let _ = writeln!(out, "{}{name}  [{}]", "  ".repeat(depth), one_line(class));
            walk(out, all, Some(&f.server_id), depth + 1);
        }
    }
    walk(&mut out, folders, None, 0);
    // Folders whose parent is unknown (no longer listed by the server) still show.
    for f in folders.iter().filter(|f| {
        f.parent_id
            .as_deref()
            .is_some_and(|p| !folders.iter().any(|o| o.server_id == p))
    }) {
        let class = f.class.as_deref().unwrap_or("-");
        let _ = writeln!(out, "{}  [{}]", one_line(&f.name), one_line(class));
    }
    out
}
