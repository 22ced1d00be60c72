//! `easync export contacts`: the mirrored contacts as one vCard file or as vdir collections (one
//! per folder), vCard 3.0 by default (khard), 4.0 on request. Reads the database only.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::export::{vcard, vdir};
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::proto::read::Reader;
use crate::store::RawItem;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Contacts as vCard (`--out FILE.vcf`, `-` for stdout) or a vdir (`--vdir DIR`).
    Contacts(ContactsArgs),
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
        }
    }
}

/// Types an item's raw ApplicationData again (every field the server sent).
fn decode(item: &RawItem, class: ItemClass) -> anyhow::Result<ApplicationData> {
    let mut r = Reader::new("export", &item.raw)?;
    let root = r.root(wbxml::tags::air_sync::APPLICATION_DATA)?;
    Ok(ApplicationData::read(&mut r, &root, Some(class))?)
}

/// A stable UID for an item EAS gives none (contacts): its folder and server id.
fn uid(item: &RawItem) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    };
    format!(
        "easync-{}-{}",
        clean(&item.folder_id),
        clean(&item.server_id)
    )
}

impl ContactsArgs {
    fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let db = super::open_synced(&acct)?;
        let v4 = self.version == VCardVersionArg::V4;
        let mut cards: Vec<(RawItem, String, String)> = Vec::new();
        for item in db.raw_items("Contacts")? {
            if !self.folders.is_empty()
                && !self
                    .folders
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(&item.folder))
            {
                continue;
            }
            let ApplicationData::Contact(c) = decode(&item, ItemClass::Contacts)
                .with_context(|| format!("contact {} in {}", item.server_id, item.folder))?
            else {
                continue;
            };
            let uid = uid(&item);
            let text = vcard::write(&vcard::contact(&c, &uid, v4), v4);
            cards.push((item, uid, text));
        }
        if let Some(out) = &self.out {
            let all: String = cards.iter().map(|(_, _, t)| t.as_str()).collect();
            if out.as_os_str() == "-" {
                return super::write_stdout(all.as_bytes());
            }
            vdir::write_if_changed(out, all.as_bytes())
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("{} contacts written to {}", cards.len(), out.display());
            return Ok(());
        }
        let root = self.vdir.as_ref().expect("clap requires --out or --vdir");
        let report = export_vdir(root, &cards)?;
        super::write_stdout(report.as_bytes())
    }
}

/// One collection per folder (named after it; a second folder of the same name gets its id).
fn export_vdir(root: &Path, cards: &[(RawItem, String, String)]) -> anyhow::Result<String> {
    let mut folders: Vec<(&str, &str)> = Vec::new();
    for (item, _, _) in cards {
        if !folders.iter().any(|(id, _)| *id == item.folder_id) {
            folders.push((&item.folder_id, &item.folder));
        }
    }
    let mut report = String::new();
    let mut used = Vec::new();
    for (id, name) in folders {
        let mut dir_name = vdir::collection_name(name);
        if used.contains(&dir_name) {
            dir_name = format!("{dir_name}-{}", vdir::file_stem(id));
        }
        used.push(dir_name.clone());
        let items: Vec<(String, String)> = cards
            .iter()
            .filter(|(i, _, _)| i.folder_id == id)
            .map(|(_, uid, text)| (uid.clone(), text.clone()))
            .collect();
        let dir = root.join(&dir_name);
        let c = vdir::sync_collection(&dir, name, "vcf", &items)
            .with_context(|| format!("writing {}", dir.display()))?;
        let _ = writeln!(
            report,
            "{name}: {} contacts ({} written, {} unchanged, {} removed) in {}",
            items.len(),
            c.written,
            c.unchanged,
            c.removed,
            dir.display()
        );
    }
    Ok(report)
}
