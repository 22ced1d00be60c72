//! `easync export contacts`: the mirrored contacts as one vCard file or as vdir collections (one
//! per folder), vCard 3.0 by default (khard), 4.0 on request. Reads the database only.

use std::path::{Path, PathBuf};

use anyhow::Context;

use clap::{Args, Subcommand, ValueEnum};

use crate::export::Target;
use crate::export::calendar::{self, CalendarExport};
use crate::export::contacts::{self, ContactsExport};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Contacts as vCard (`--out FILE.vcf`, `-` for stdout) or a vdir (`--vdir DIR`).
    Contacts(ContactsArgs),
    /// Calendars as iCalendar (`--out FILE.ics`, `-` for stdout) or a vdir (`--vdir DIR`).
    Calendar(CalendarArgs),
    /// Tasks as iCalendar VTODOs (`--out FILE.ics`, `-` for stdout) or a vdir (`--vdir DIR`).
    Tasks(CalendarArgs),
    /// Mail as maildirs (`--maildir DIR`), whole messages (fetched when only text is stored).
    Mail(MailArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "vdir"])))]
pub struct CalendarArgs {
    /// The account (needed when the configuration has several).
    #[arg(short, long)]
    account: Option<String>,
    /// Only these folders (names; repeatable). Default: every calendar (or task) folder.
    #[arg(long = "folder", value_name = "NAME")]
    folders: Vec<String>,
    /// One file with every event or task ("-": standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// A vdir: one subdirectory per folder, one file per item (a series with its overrides).
    #[arg(long, value_name = "DIR")]
    vdir: Option<PathBuf>,
}

impl CalendarArgs {
    fn execute(self, config_file: Option<&Path>, tasks: bool) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let db = super::open_synced(&acct)?;
        if self.out.as_ref().is_some_and(|o| o.as_os_str() == "-") {
            let (_, text) = calendar::one_calendar(&db, &self.folders, tasks)?;
            return super::write_stdout(text.as_bytes());
        }
        let target = match (self.out, self.vdir) {
            (Some(file), _) => Target::File(file),
            (None, Some(dir)) => Target::Vdir(dir),
            (None, None) => unreachable!("clap requires --out or --vdir"),
        };
        let export = CalendarExport {
            target,
            folders: self.folders,
            tasks,
        };
        let report = calendar::export(&db, &export)?;
        super::write_stdout(report.as_bytes())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum VCardVersionArg {
    #[value(name = "3")]
    V3,
    #[value(name = "4")]
    V4,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "vdir"])))]
pub struct ContactsArgs {
    /// The account (needed when the configuration has several).
    #[arg(short, long)]
    account: Option<String>,
    /// Only these folders (names; repeatable). Default: every contacts folder.
    #[arg(long = "folder", value_name = "NAME")]
    folders: Vec<String>,
    /// The vCard version.
    #[arg(long = "vcard", value_enum, default_value = "3")]
    version: VCardVersionArg,
    /// One file with every contact ("-": standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// A vdir: one subdirectory per folder, one file per contact.
    #[arg(long, value_name = "DIR")]
    vdir: Option<PathBuf>,
}

impl ExportCommand {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        match self {
            Self::Contacts(args) => args.execute(config_file),
            Self::Calendar(args) => args.execute(config_file, false),
            Self::Tasks(args) => args.execute(config_file, true),
            Self::Mail(args) => args.execute(config_file),
        }
    }
}

impl ContactsArgs {
    fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let db = super::open_synced(&acct)?;
        let v4 = self.version == VCardVersionArg::V4;
        if self.out.as_ref().is_some_and(|o| o.as_os_str() == "-") {
            let all: String = contacts::cards(&db, &self.folders, v4)?
                .into_iter()
                .map(|(_, _, t)| t)
                .collect();
            return super::write_stdout(all.as_bytes());
        }
        let target = match (self.out, self.vdir) {
            (Some(file), _) => Target::File(file),
            (None, Some(dir)) => Target::Vdir(dir),
            (None, None) => unreachable!("clap requires --out or --vdir"),
        };
        let report = contacts::export(
            &db,
            &ContactsExport {
                target,
                folders: self.folders,
                v4,
            },
        )?;
        super::write_stdout(report.as_bytes())
    }
}

/// `easync export mail --maildir DIR`.
#[derive(Debug, Args)]
pub struct MailArgs {
    /// The account (needed when the configuration has several).
    #[arg(short, long)]
    account: Option<String>,
    /// Only these folders (names; repeatable). Default: every mail folder.
    #[arg(long = "folder", value_name = "NAME")]
    folders: Vec<String>,
    /// The root of the maildirs: one per folder, nested like the folder tree.
    #[arg(long, value_name = "DIR")]
    maildir: PathBuf,
}

/// How many messages one ItemOperations request fetches.
const FETCH_BATCH: usize = 50;

impl MailArgs {
    fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(self.run(config_file))
    }

    async fn run(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        use crate::export::maildir;
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let mut db = super::open_synced(&acct)?;
        let folders = db.folders()?;
        let mut session = None;
        let mut report = String::new();
        for (folder_id, mut messages) in self.by_folder(&db, &folders)? {
            let path = folder_path(&folders, &folder_id);
            let dir = maildir::folder_dir(&self.maildir, &path);
            let wanted = maildir::missing(&dir, &messages)?;
            if !wanted.is_empty() && session.is_none() {
                let auth = acct
                    .auth()
                    .await
                    .with_context(|| format!("account {}", acct.name))?;
                let opts = super::connect_options(&acct);
                session = Some(crate::sync::account::connect(&mut db, &opts, auth).await?);
            }
            if let Some(s) = session.as_mut() {
                for chunk in wanted.chunks(FETCH_BATCH) {
                    let fetched = crate::export::mail::fetch_mime(s, &folder_id, chunk).await?;
                    for m in messages.iter_mut() {
                        if let Some(mime) = fetched.get(&m.server_id) {
                            m.mime = Some(mime.clone());
                        }
                    }
                }
            }
            let lost = messages
                .iter()
                .filter(|m| m.mime.is_none() && wanted.contains(&m.server_id))
                .count();
            let c = maildir::sync_folder(&dir, &messages)?;
            let lost = if lost > 0 {
                format!(", {lost} the server could not send")
            } else {
                String::new()
            };
            report.push_str(&format!(
                "{}: {} messages ({} written, {} renamed, {} unchanged, {} removed{lost}) in {}\n",
                crate::text::one_line(&path.join("/")),
                messages.len(),
                c.written,
                c.renamed,
                c.unchanged,
                c.removed,
                dir.display()
            ));
        }
        super::write_stdout(report.as_bytes())
    }

    /// The stored mail of the wanted folders, grouped by folder (server id).
    fn by_folder(
        &self,
        db: &crate::store::Store,
        folders: &[crate::store::StoredFolder],
    ) -> anyhow::Result<Vec<(String, Vec<crate::export::maildir::Message>)>> {
        let mut out: Vec<(String, Vec<_>)> = Vec::new();
        for (folder_id, msg) in crate::export::mail::messages(db)? {
            let name = folders
                .iter()
                .find(|f| f.server_id == folder_id)
                .map_or("", |f| f.name.as_str());
            if !self.folders.is_empty()
                && !self.folders.iter().any(|f| f.eq_ignore_ascii_case(name))
            {
                continue;
            }
            match out.iter_mut().find(|(id, _)| *id == folder_id) {
                Some((_, list)) => list.push(msg),
                None => out.push((folder_id, vec![msg])),
            }
        }
        Ok(out)
    }
}

/// A folder's names from the top of the tree down to it.
fn folder_path(folders: &[crate::store::StoredFolder], id: &str) -> Vec<String> {
    let mut path = Vec::new();
    let mut cur = folders.iter().find(|f| f.server_id == id);
    while let Some(f) = cur {
        path.insert(0, f.name.clone());
        cur = f
            .parent_id
            .as_deref()
            .and_then(|p| folders.iter().find(|f| f.server_id == p));
    }
    path
}
