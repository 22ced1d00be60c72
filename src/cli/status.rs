//! `easync status [ACCOUNT]`: what the database holds, per folder, and the account's state.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;

use crate::text::one_line;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The account (needed when the configuration has several).
    account: Option<String>,
    /// JSON lines instead of text.
    #[arg(long)]
    json: bool,
}

fn ago(t: Option<i64>) -> String {
    let Some(t) = t else { return "never".into() };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    match (now - t).max(0) {
        s if s < 120 => format!("{s} s ago"),
        s if s < 7200 => format!("{} min ago", s / 60),
        s if s < 172_800 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

impl StatusArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let db = super::open_synced(&acct)?;
        let state = db.account()?;
        let folders = db.folder_status()?;
        let changes = db.journal_counts()?;
        let (queued, refused) = db.outbox_counts()?;
        let mut s = String::new();
        if self.json {
            for f in &folders {
                let _ = writeln!(s, "{}", serde_json::to_string(f)?);
            }
            let v = serde_json::json!({"type": "changes", "pending": changes.pending,
                "failed": changes.failed, "conflict": changes.conflict});
            let _ = writeln!(s, "{v}");
            let v = serde_json::json!({"type": "outbox", "queued": queued, "failed": refused});
            let _ = writeln!(s, "{v}");
        } else {
            let _ = writeln!(
                s,
                "{} ({}) — {} — EAS {} — database {}",
                acct.name,
                acct.email,
                one_line(state.base_url.as_deref().unwrap_or("no server yet")),
                one_line(state.protocol_version.as_deref().unwrap_or("?")),
                acct.database.display()
            );
            if let Some(until) = state.throttle_until {
                let _ = writeln!(s, "throttled by the server until Unix time {until}");
            }
            for f in &folders {
                let _ = writeln!(
                    s,
                    "  {:<28} {:<9} {:>7} items  synced {}",
                    one_line(&f.name),
                    one_line(f.class.as_deref().unwrap_or("-")),
                    f.items,
                    if f.synced {
                        ago(f.last_sync)
                    } else {
                        "never".into()
                    }
                );
            }
            if changes != crate::store::JournalCounts::default() {
                let _ = writeln!(
                    s,
                    "local changes: {} pending, {} failed, {} conflicts (see `easync changes`)",
                    changes.pending, changes.failed, changes.conflict
                );
            }
            if queued + refused > 0 {
                let _ = writeln!(
                    s,
                    "outbox: {queued} queued, {refused} refused (see `easync send --queue`)"
                );
            }
        }
        super::write_stdout(s.as_bytes())
    }
}
