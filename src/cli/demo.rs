//! `easync demo`: the whole job on a machine without Exchange — a simulated server on a free
//! loopback port, a throw-away account in a temporary directory, a full sync with progress,
//! then what landed and how to query it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::sim::MailboxArgs;
use super::sync::SyncArgs;
use crate::sim::{self, Sim};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    mailbox: MailboxArgs,
    /// Where to put the demo's configuration and database (default: a new temporary directory).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The protocol version easync asks for.
    #[arg(long, default_value = "16.1")]
    protocol_version: String,
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

impl DemoArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let started = Instant::now();
        let dir = self.dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("easync-demo-{}", std::process::id()))
        });
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        let config = self.mailbox.config();
        let running = sim::spawn_thread(Sim::new(config.clone()), None)?;
        let db = dir.join("demo.sqlite");
        let config_file = dir.join("config.toml");
        let text = format!(
            "# The easync demo: an account on the simulated server (easync demo).\n\
             [account.demo]\nemail = {}\nurl = {}\npassword_cmd = [\"echo\", {}]\n\
             protocol_version = {}\ndatabase = {}\n",
            toml_str(&config.user),
            toml_str(&running.url()),
            toml_str(&config.password),
            toml_str(&self.protocol_version),
            toml_str(&db.to_string_lossy()),
        );
        std::fs::write(&config_file, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", config_file.display()))?;
        eprintln!(
            "easync demo: a simulated Exchange server (EAS {}) at {}\n  with {} emails, {} contacts, \
             {} events, {} tasks; syncing into {}\n",
            self.protocol_version,
            running.url(),
            config.emails,
            config.contacts,
            config.events,
            config.tasks,
            db.display()
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(SyncArgs::of_account("demo").execute(Some(&config_file)))?;
        let summary = summary(&db, &config_file, started)?;
        super::write_stdout(summary.as_bytes())
    }
}

/// What landed, and how to look at it.
fn summary(
    db: &std::path::Path,
    config: &std::path::Path,
    started: Instant,
) -> anyhow::Result<String> {
    let store = Store::open(db)?;
    let mut s = String::from("\nWhat landed:\n");
    for f in store.folder_status()? {
        if f.class.is_some() {
            let _ = writeln!(
                s,
                "  {:<24} {:<9} {:>6} items",
                f.name,
                f.class.as_deref().unwrap_or("-"),
                f.items
            );
        }
    }
    s.push_str("\nNewest mail:\n");
    for m in store.mail_list(None, 5)? {
        let _ = writeln!(
            s,
            "  {}  {:<32.32}  {}",
            m.date.as_deref().unwrap_or("").get(..16).unwrap_or(""),
            m.from.as_deref().unwrap_or(""),
            m.subject.as_deref().unwrap_or("")
        );
    }
    let (cfg, path) = (config.display(), db.display());
    let _ = write!(
        s,
        "\nDone in {:.1} s. The database is {path}; query it with sqlite3, e.g.\n  \
         sqlite3 {path} \"SELECT date_received, sender, subject FROM emails ORDER BY date_received DESC LIMIT 10\"\n  \
         sqlite3 {path} \"SELECT subject, start_time, location FROM events ORDER BY start_time LIMIT 10\"\n\
         or with easync (the server stopped with the demo; `easync sim serve` runs one that stays up):\n  \
         easync -c {cfg} status\n  easync -c {cfg} mail list --limit 10\n  easync -c {cfg} mail search 'Budget'\n",
        started.elapsed().as_secs_f64()
    );
    Ok(s)
}
