//! `easync mail list|search|show`: read the mirrored mail from the database (no server needed).
//! Every string came from the server: control characters are removed before it is printed
//! ([`crate::text`]), so a subject cannot send escape sequences to the terminal.

use std::fmt::Write as _;
use std::path::Path;

use clap::{Args, Subcommand};

use super::mail_change::{Edit, Targets};
use crate::store::MailRow;
use crate::text::{multi_line, one_line};

#[derive(Debug, Args)]
pub struct MailArgs {
    /// The account (needed when the configuration has several).
    #[arg(long, short, global = true)]
    account: Option<String>,
    /// JSON lines instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: MailCommand,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// The newest mails.
    List {
        /// Only this folder (by name).
        #[arg(long)]
        folder: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Full-text search of the mirror (SQLite FTS5 syntax: words, "phrases", AND/OR/NOT,
    /// subject:word), or with --server of the whole mailbox on the server.
    ///
    /// --server finds mail the mirror does not hold (outside the synced window, or not synced
    /// yet): with Find on EAS 16.1 (the words as KQL: words, "phrases", subject:word,
    /// from:word), with Search of the Mailbox before (Exchange 2016 and later refuse that with
    /// Status 110: use 16.1). Results the mirror does not hold show `-` instead of an id.
    Search {
        /// The words (several arguments are one query).
        #[arg(required = true, value_name = "WORDS")]
        words: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Search the mailbox on the server, not the mirror.
        #[arg(long)]
        server: bool,
        /// With --server: only this folder and its subfolders (name, or server id).
        #[arg(long, requires = "server")]
        folder: Option<String>,
    },
    /// One mail, by the id a listing shows.
    Show { id: i64 },
    /// Mark mails read (sent to the server at once, or by the next sync).
    Read(Targets),
    /// Mark mails unread.
    Unread(Targets),
    /// Flag mails for follow-up.
    Flag {
        #[command(flatten)]
        targets: Targets,
        /// Due date, UTC (`2027-01-15T17:00:00.000Z`).
        #[arg(long)]
        due: Option<String>,
    },
    /// Clear the follow-up flag.
    Unflag(Targets),
    /// Move mails to another mail folder (by name, or server id when names repeat).
    Move {
        /// The destination folder.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Set the categories of mails (`--set Red --set "Project X"`; none: clear them).
    Categories {
        #[command(flatten)]
        targets: Targets,
        /// A category (repeatable).
        #[arg(long = "set", value_name = "CATEGORY")]
        set: Vec<String>,
    },
    /// Delete mails: to Deleted Items, or for good with --hard (`--in FOLDER`: empty it).
    Delete {
        #[command(flatten)]
        targets: Targets,
        /// Delete for good instead of moving to Deleted Items.
        #[arg(long)]
        hard: bool,
    },
}

impl MailArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let (targets, edit) = match self.command {
            MailCommand::Read(t) => (t, Edit::Read(true)),
            MailCommand::Unread(t) => (t, Edit::Read(false)),
            MailCommand::Flag { targets, due } => (targets, Edit::Flag(due)),
            MailCommand::Unflag(t) => (t, Edit::Unflag),
            MailCommand::Move { to, targets } => (targets, Edit::Move(to)),
            MailCommand::Delete { targets, hard } => (targets, Edit::Delete { hard }),
            MailCommand::Categories { targets, set } => (targets, Edit::Categories(set)),
            MailCommand::Search {
                words,
                limit,
                server: true,
                folder,
            } => {
                let text = words.join(" ");
                return super::runtime()?.block_on(super::mail_server::execute(
                    config_file,
                    self.account.as_deref(),
                    self.json,
                    &text,
                    folder.as_deref(),
                    limit,
                ));
            }
            command => return read(config_file, self.account.as_deref(), self.json, command),
        };
        let account = self.account.as_deref();
        super::runtime()?.block_on(super::mail_change::execute(
            config_file,
            account,
            targets,
            edit,
        ))
    }
}

fn read(
    config_file: Option<&Path>,
    account: Option<&str>,
    json: bool,
    command: MailCommand,
) -> anyhow::Result<()> {
    let acct = super::load_account(config_file, account)?;
    let db = super::open_synced(&acct)?;
    let out = match command {
        MailCommand::List { folder, limit } => rows(&db.mail_list(folder.as_deref(), limit)?, json),
        MailCommand::Search { words, limit, .. } => {
            let query = words.join(" ");
            let found = db.mail_search(&query, limit).map_err(|e| {
                anyhow::anyhow!(
                    "{e}\n(the query uses SQLite FTS5 syntax, e.g. `invoice AND march`)"
                )
            })?;
            rows(&found, json)
        }
        MailCommand::Show { id } => {
            let m = db.mail_get(id)?.ok_or_else(|| {
                anyhow::anyhow!(
                    "no mail with id {id}; ids are the first column of `easync mail list`"
                )
            })?;
            if json {
                format!("{}\n", serde_json::to_string(&m)?)
            } else {
                let mut s = String::new();
                let r = &m.row;
                let field = |v: Option<&str>| one_line(v.unwrap_or("")).into_owned();
                let _ = writeln!(s, "Folder:  {}", one_line(&r.folder));
                let _ = writeln!(s, "Date:    {}", field(r.date.as_deref()));
                let _ = writeln!(s, "From:    {}", field(r.from.as_deref()));
                let _ = writeln!(s, "To:      {}", field(m.to.as_deref()));
                if let Some(cc) = &m.cc {
                    let _ = writeln!(s, "Cc:      {}", one_line(cc));
                }
                let _ = writeln!(s, "Subject: {}\n", field(r.subject.as_deref()));
                s.push_str(&multi_line(m.body.as_deref().unwrap_or("(no body stored)")));
                s.push('\n');
                s
            }
        }
        other => anyhow::bail!("not a reading command: {other:?}"),
    };
    super::write_stdout(out.as_bytes())
}

fn rows(rows: &[MailRow], json: bool) -> String {
    let mut s = String::new();
    for r in rows {
        if json {
            let _ = writeln!(s, "{}", serde_json::to_string(r).unwrap_or_default());
        } else {
            let unread = if r.read == Some(false) { "*" } else { " " };
            let field = |v: &Option<String>| one_line(v.as_deref().unwrap_or("")).into_owned();
            let _ = writeln!(
                s,
                "{:>6} {unread} {:<24} {:<30} {}",
                r.id,
                field(&r.date).get(..16).unwrap_or(""),
                field(&r.from).chars().take(30).collect::<String>(),
                field(&r.subject)
            );
        }
    }
    s
}
