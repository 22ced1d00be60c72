//! `easync export contacts`: the mirrored contacts as one vCard file or as vdir collections (one
//! per folder), vCard 3.0 by default (khard), 4.0 on request. Reads the database only.

use std::path::{Path, PathBuf};

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
        let mut db = super::open_synced(&acct)?;
        // The user's changes to the configured vdirs first: this export must not undo them.
        crate::export::guard::looked_now();
        eprint!("{}", super::vdir::record_changes(&mut db, &acct)?);
        let db = db;
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
        let mut db = super::open_synced(&acct)?;
        // The user's changes to the configured vdirs first: this export must not undo them.
        crate::export::guard::looked_now();
        eprint!("{}", super::vdir::record_changes(&mut db, &acct)?);
        let db = db;
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

impl MailArgs {
    fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(self.run(config_file))
    }

    async fn run(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let mut db = super::open_synced(&acct)?;
        let m = super::maildir::Maildir {
            root: self.maildir,
            folders: self.folders,
        };
        // The user's changes first: writing the mirror out must not undo them.
        crate::export::guard::looked_now();
        let mut report = String::new();
        if let Some(line) = super::maildir::record_changes(&mut db, &m)? {
            report.push_str(&line);
            report.push_str(" (the next `easync sync` sends them)\n");
        }
        report.push_str(&super::maildir::export(&acct, &mut db, None, &m).await?);
        super::write_stdout(report.as_bytes())
    }
}
