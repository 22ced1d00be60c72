//! Exact detection of what a user changed in an exported vdir collection (the role of
//! vdirsyncer's status database): the collection's state file records, for every file easync
//! wrote, its name, the item's server id (MS-ASCMD 2.2.3.166.8) and an FNV-1a hash of the bytes
//! written (format in `docs/exports.md`). [`local_changes`] compares it with the directory:
//! a different hash is [`VdirChange::Changed`] (a Sync `Change`, MS-ASCMD 2.2.3.24), a file gone
//! is [`VdirChange::Deleted`] (`Delete`, 2.2.3.42.2), a new `.vcf`/`.ics` file is
//! [`VdirChange::Added`] (`Add`, 2.2.3.7.2; khal and khard name theirs `<uuid>.ics`/`.vcf`).
//! Once the server accepted an Add, [`adopt`] records the file under its new server id, and the
//! export keeps writing that item to that file. Detect before exporting: the export writes the
//! store's content over the user's.
//!
//! An export writes the state twice, like a journal: before touching files, a state where each
//! entry it is about to write accepts its old and new hash and each entry it is about to remove
//! is marked pending (missing is no deletion); after, the final state. A crash in between is
//! then never reported as the user's change.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::state_file::{self, fnv1a};

const KIND: &str = "vdir";

/// What easync knows about one file it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// `None` for a name read from the old manifest (the next export fills it in).
    pub server_id: Option<String>,
    /// The hashes the file may have without the user having changed it (one, except while an
    /// export is writing it); empty when not known (the old manifest).
    pub hashes: Vec<u64>,
    /// An export was about to write or remove it: a missing file is not a deletion.
    pub pending: bool,
}

impl Entry {
    pub fn written(server_id: &str, content: &[u8]) -> Self {
        Self {
            server_id: Some(server_id.into()),
            hashes: vec![fnv1a(content)],
            pending: false,
        }
    }
}

/// Every file easync wrote into one collection, by file name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub entries: BTreeMap<String, Entry>,
}

impl State {
    /// The state of the collection at `dir` (empty when there is none yet). Lenient: the old
    /// manifest's names (one a line) load as entries without server id nor hash.
    pub fn load(dir: &Path) -> io::Result<Self> {
        let mut entries = BTreeMap::new();
        for record in state_file::read(&dir.join(state_file::FILE), KIND)? {
            let field = |i: usize| record.get(i).filter(|s| !s.is_empty());
            let Some(name) = field(0).filter(|n| plain(n)) else {
                tracing::warn!("{}: skipping a record: {record:?}", dir.display());
                continue;
            };
            let hashes = field(2).map_or(Vec::new(), |h| {
                h.split(',')
                    .filter_map(|h| u64::from_str_radix(h, 16).ok())
                    .collect()
            });
            let entry = Entry {
                server_id: field(1).cloned(),
                hashes,
                pending: field(3).is_some_and(|f| f == "pending"),
            };
            entries.insert(name.clone(), entry);
        }
        Ok(Self { entries })
    }

    /// Writes the state of the collection at `dir` atomically.
    pub fn save(&self, dir: &Path) -> io::Result<()> {
        let rows: Vec<[String; 4]> = self
            .entries
            .iter()
            .map(|(name, e)| {
                let hashes: Vec<String> = e.hashes.iter().map(|h| format!("{h:016x}")).collect();
                let pending = if e.pending { "pending" } else { "" };
                let id = e.server_id.clone().unwrap_or_default();
                [name.clone(), id, hashes.join(","), pending.into()]
            })
            .collect();
        let text = state_file::render(
            KIND,
            rows.iter().map(|r| r.iter().map(String::as_str).collect()),
        );
        state_file::write(&dir.join(state_file::FILE), &text)
    }

    /// The file easync writes the item `server_id` to.
    pub fn name_of(&self, server_id: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(_, e)| e.server_id.as_deref() == Some(server_id))
            .map(|(n, _)| n.as_str())
    }
}

/// A name that stays in its directory and is not a dotfile.
fn plain(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\'])
}

/// Whether a file of a collection is an item: a `.vcf` or `.ics` file, not a dotfile (so not
/// `displayname`, `color`, easync's state or a temporary file).
pub fn is_item(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    plain(name) && (lower.ends_with(".vcf") || lower.ends_with(".ics"))
}

/// One change a user made to a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VdirChange {
    /// The file of item `server_id` holds other bytes than easync wrote.
    Changed { server_id: String, path: PathBuf },
    /// The file of item `server_id` is gone.
    Deleted { server_id: String },
    /// An item file easync did not write (send it as an Add, then [`adopt`] it).
    Added { path: PathBuf },
}

/// Every change the user made to the collection at `dir` since easync last exported it, in
/// file-name order. Read-only. The directory or state file not readable is an error; a file
/// that cannot be read is skipped with a warning. Names from the old manifest (no server id
/// yet) are not reported until the next export upgrades the state.
pub fn local_changes(dir: &Path) -> io::Result<Vec<VdirChange>> {
    let state = State::load(dir)?;
    let mut out = Vec::new();
    for (name, e) in &state.entries {
        let (Some(server_id), false) = (&e.server_id, e.hashes.is_empty()) else {
            continue;
        };
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) if e.hashes.contains(&fnv1a(&bytes)) => {}
            Ok(_) => out.push(VdirChange::Changed {
                server_id: server_id.clone(),
                path,
            }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                if !e.pending {
                    out.push(VdirChange::Deleted {
                        server_id: server_id.clone(),
                    });
                }
            }
            Err(err) => tracing::warn!("{}: skipped: {err}", path.display()),
        }
    }
    for name in item_names(dir)? {
        if !state.entries.contains_key(&name) {
            out.push(VdirChange::Added {
                path: dir.join(name),
            });
        }
    }
    Ok(out)
}

/// The item files of the collection at `dir`, sorted (none when it does not exist).
fn item_names(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                tracing::warn!("{}: skipping an entry: {e}", dir.display());
                continue;
            }
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        match entry.file_name().into_string() {
            Ok(name) if is_file && is_item(&name) => out.push(name),
            _ => {}
        }
    }
    out.sort();
    Ok(out)
}

/// Records the file `file_name` of the collection at `dir` as item `server_id` (after the
/// server accepted its Add), with its current bytes: the next [`local_changes`] does not report
/// it, and the export writes that item to this file instead of one named from its UID. A file
/// easync already wrote for `server_id` under another name is removed if the user did not change
/// it (else it is left, and reported as `Added`).
pub fn adopt(dir: &Path, file_name: &str, server_id: &str) -> io::Result<()> {
    // A name that is not the collection's is refused by adopt_as, before anything is read.
    let bytes = match plain(file_name) {
        true => std::fs::read(dir.join(file_name))?,
        false => Vec::new(),
    };
    adopt_as(dir, file_name, server_id, &bytes)
}

/// [`adopt`], recording `sent` — the text the server was sent — as what the file holds: an edit
/// the user made to the file after it was sent is then found as a change by the next sync.
pub fn adopt_as(dir: &Path, file_name: &str, server_id: &str, sent: &[u8]) -> io::Result<()> {
    if !plain(file_name) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file name of the collection: {file_name:?}"),
        ));
    }
    std::fs::metadata(dir.join(file_name))?;
    let mut state = State::load(dir)?;
    let others: Vec<String> = state
        .entries
        .iter()
        .filter(|(n, e)| *n != file_name && e.server_id.as_deref() == Some(server_id))
        .map(|(n, _)| n.clone())
        .collect();
    for name in others {
        let Some(e) = state.entries.remove(&name) else {
            continue;
        };
        let path = dir.join(&name);
        let unchanged = std::fs::read(&path).is_ok_and(|b| e.hashes.contains(&fnv1a(&b)));
        if unchanged {
            std::fs::remove_file(&path)?;
        }
    }
    state
        .entries
        .insert(file_name.to_string(), Entry::written(server_id, sent));
    state.save(dir)
}
