//! `easync changes [ACCOUNT]`: the local changes not on the server yet — pending (sent with the
//! next sync), failed (the server refused them: why) and conflicts (the server's version won) —
//! and `retry` / `drop` for the ones that need a person.

use std::fmt::Write as _;
use std::path::Path;

use clap::{Args, Subcommand};

use crate::text::one_line;

#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// The account (needed when the configuration has several).
    #[arg(long, short)]
    account: Option<String>,
    /// JSON lines instead of text.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    command: Option<ChangesCommand>,
}

#[derive(Debug, Subcommand)]
enum ChangesCommand {
    /// List the journal (the default).
    List,
    /// Send failed or conflicting changes again with the next sync.
    Retry {
        /// Change ids (the first column of `easync changes`).
        ids: Vec<i64>,
        /// Every failed and conflicting change.
        #[arg(long)]
        all: bool,
    },
    /// Forget changes: they will not be sent (the mirror keeps what the server says).
    Drop {
        ids: Vec<i64>,
        /// Every failed and conflicting change.
        #[arg(long)]
        all: bool,
    },
}

impl ChangesArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let mut db = super::open_synced(&acct)?;
        let (retry, ids, all) = match self.command.unwrap_or(ChangesCommand::List) {
            ChangesCommand::List => return list(&db, self.json),
            ChangesCommand::Retry { ids, all } => (true, ids, all),
            ChangesCommand::Drop { ids, all } => (false, ids, all),
        };
        let ids: Vec<i64> = if all {
            db.journal()?
                .into_iter()
                .filter(|e| e.state == "failed" || e.state == "conflict")
                .map(|e| e.id)
                .collect()
        } else {
            ids
        };
        if ids.is_empty() {
            anyhow::bail!("name the changes (ids from `easync changes`) or --all");
        }
        for id in ids {
            let found = if retry {
                db.retry_change(id)?
            } else {
                db.drop_change(id)?
            };
            if !found {
                anyhow::bail!("there is no change {id} (see `easync changes`)");
            }
        }
        if retry {
            eprintln!("easync: the next `easync sync` sends them again");
        }
        Ok(())
    }
}

fn list(db: &crate::store::Store, json: bool) -> anyhow::Result<()> {
    let mut s = String::new();
    for e in db.journal()? {
        if json {
            let _ = writeln!(s, "{}", serde_json::to_string(&e)?);
            continue;
        }
        let what = match e.kind.as_str() {
            "mail" | "move" | "delete" => format!("{} {}", e.kind, e.payload),
            other => other.to_string(),
        };
        let _ = writeln!(
            s,
            "{:>5} {:<8} {:<40} {}{}",
            e.id,
            e.state,
            one_line(e.summary.as_deref().unwrap_or(""))
                .chars()
                .take(40)
                .collect::<String>(),
            one_line(&what),
            e.error
                .as_deref()
                .map(|m| format!(" — {}", one_line(m)))
                .unwrap_or_default()
        );
    }
    if s.is_empty() && !json {
        s.push_str("no local changes waiting\n");
    }
    super::write_stdout(s.as_bytes())
}
