//! Exact detection of what a user changed in the exported maildirs, the file side of two-way
//! mail (the role of mbsync's `.mbsyncstate`): each maildir's state file records, for every
//! message easync wrote, its stem, server id (MS-ASCMD 2.2.3.166.8), the flags easync last
//! wrote and its Message-ID (format in `docs/exports.md`). [`local_changes`] compares that
//! with the disk and reports changes — it never touches a file, and never guesses from mtimes:
//!
//! | on disk | reported |
//! |---|---|
//! | `S` or `F` added or removed | [`MaildirChange::Flags`] (`Read`, MS-ASEMAIL 2.2.2.52; `Flag`, 2.2.2.27) |
//! | `T` (trashed: mutt's `maildir_trash`) | [`MaildirChange::Delete`] |
//! | gone, the same name in another exported folder (notmuch, afew, `mv`) | [`MaildirChange::Move`] (MS-ASCMD 2.2.1.12 `MoveItems`) |
//! | gone or `T`, a file easync did not write with the same Message-ID in another folder (mutt `save-message`) | [`MaildirChange::Move`] with that file's path |
//! | gone everywhere (or moved out of the exported folders) | [`MaildirChange::Delete`] |
//! | a file easync did not write that matches nothing | [`MaildirChange::Foreign`] |
//!
//! `R` and `P` are not sent; other letters are ignored. The caller detects *before* it exports:
//! [`super::maildir::sync_folder`] writes the store's flags and locations over the files, so a
//! change not detected first is undone on disk (the export itself never loses a message the user
//! moved: files easync did not write in a folder are never removed).

mod disk;
mod file;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};

pub(crate) use disk::{OnDisk, files, message_id, read_message_id};
pub(crate) use file::{Entry, State};

use super::maildir::folder_dir;

/// An exported mail folder: its server id and its names from the top of the tree down (the
/// path [`folder_dir`] turns into its maildir).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFolder {
    pub server_id: String,
    pub path: Vec<String>,
}

/// One change a user made to the exported maildirs. `folder` and `server_id` always name the
/// message as the server knows it now: a message moved and re-flagged yields its `Flags` first,
/// then its `Move`, both valid in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaildirChange {
    /// Flags changed: only what changed is `Some` (`S` → read, `F` → flagged).
    Flags {
        folder: String,
        server_id: String,
        read: Option<bool>,
        flagged: Option<bool>,
    },
    /// The message is now the file at `path` in the maildir of folder `to_folder`: either
    /// easync's own file renamed there, or a copy another program wrote (new name, same
    /// Message-ID). The caller removes that file once the move is journaled (the server's copy
    /// is exported again under easync's name).
    Move {
        folder: String,
        server_id: String,
        to_folder: String,
        path: PathBuf,
    },
    /// The message was deleted (its file gone from every exported folder) or trashed (`T`).
    Delete { folder: String, server_id: String },
    /// A file easync did not write that matches no message (not sent).
    Foreign { folder: String, path: PathBuf },
}

/// Every change the user made to the maildirs of `folders` under `root` since easync last
/// exported them. Read-only. A maildir that cannot be listed or a state file that cannot be
/// read is an error (its messages would otherwise look deleted); a message file that cannot be
/// read is skipped with a warning. Messages of a state file from before easync recorded server
/// ids (the old manifest) are not reported until the next export upgrades it.
pub fn local_changes(root: &Path, folders: &[MailFolder]) -> io::Result<Vec<MaildirChange>> {
    let scans = folders
        .iter()
        .map(|f| Scan::load(root, f))
        .collect::<io::Result<Vec<_>>>()?;
    let mut d = Detect::new(scans);
    for si in 0..d.scans.len() {
        let entries: Vec<(String, Entry)> = d.scans[si].state.entries.clone().into_iter().collect();
        for (stem, entry) in entries {
            if let Some(server_id) = entry.server_id.clone() {
                d.message(si, &stem, &server_id, &entry);
            }
        }
    }
    d.foreign();
    Ok(d.out)
}

/// One exported folder as found: its state and its files.
struct Scan<'a> {
    folder: &'a str,
    state: State,
    files: Vec<OnDisk>,
    /// The file easync wrote for each stem of the state still here (the first of that stem).
    own: BTreeMap<String, usize>,
}

impl<'a> Scan<'a> {
    fn load(root: &Path, folder: &'a MailFolder) -> io::Result<Self> {
        let dir = folder_dir(root, &folder.path);
        let state = State::load(&dir)?;
        let files = files(&dir)?;
        let mut own = BTreeMap::new();
        for (i, f) in files.iter().enumerate() {
            if state.entries.contains_key(f.stem()) {
                own.entry(f.stem().to_string()).or_insert(i);
            }
        }
        Ok(Self {
            folder: &folder.server_id,
            state,
            files,
            own,
        })
    }
}

/// A file by (folder, file) index.
type At = (usize, usize);

/// The detection's working set: files already accounted for, Message-IDs read so far.
struct Detect<'a> {
    scans: Vec<Scan<'a>>,
    claimed: BTreeSet<At>,
    ids: HashMap<At, Option<String>>,
    out: Vec<MaildirChange>,
}

impl<'a> Detect<'a> {
    fn new(scans: Vec<Scan<'a>>) -> Self {
        let claimed = scans
            .iter()
            .enumerate()
            .flat_map(|(si, s)| s.own.values().map(move |&fi| (si, fi)))
            .collect();
        Self {
            scans,
            claimed,
            ids: HashMap::new(),
            out: Vec::new(),
        }
    }

    /// What became of one message easync wrote into folder `si`.
    fn message(&mut self, si: usize, stem: &str, server_id: &str, entry: &Entry) {
        let own = self.scans[si].own.get(stem).copied();
        if let Some(fi) = own.filter(|&fi| !self.scans[si].files[fi].has('T')) {
            let now = self.scans[si].files[fi].flags().to_string();
            self.flags(si, server_id, &entry.flags, &now);
            return;
        }
        let id = entry.message_id.as_deref();
        let moved = self
            .same_stem_elsewhere(si, stem)
            .or_else(|| id.and_then(|id| self.same_id(id, |sj| sj != si)));
        let found = match (moved, id) {
            // A file renamed in place by another program is no deletion.
            (None, Some(id)) if own.is_none() => self.same_id(id, |sj| sj == si),
            (moved, _) => moved,
        };
        let folder = self.scans[si].folder.to_string();
        let Some((sj, fj)) = found else {
            return self.push_delete(folder, server_id);
        };
        self.claimed.insert((sj, fj));
        let file = &self.scans[sj].files[fj];
        if file.has('T') {
            return self.push_delete(folder, server_id);
        }
        let (now, path) = (file.flags().to_string(), file.path.clone());
        self.flags(si, server_id, &entry.flags, &now);
        if sj != si {
            self.out.push(MaildirChange::Move {
                folder,
                server_id: server_id.into(),
                to_folder: self.scans[sj].folder.into(),
                path,
            });
        }
    }

    fn push_delete(&mut self, folder: String, server_id: &str) {
        self.out.push(MaildirChange::Delete {
            folder,
            server_id: server_id.into(),
        });
    }

    /// A `Flags` change when `S` or `F` differs between what easync wrote and what is there.
    fn flags(&mut self, si: usize, server_id: &str, was: &str, now: &str) {
        let changed = |c: char| (was.contains(c) != now.contains(c)).then(|| now.contains(c));
        let (read, flagged) = (changed('S'), changed('F'));
        if read.is_some() || flagged.is_some() {
            self.out.push(MaildirChange::Flags {
                folder: self.scans[si].folder.into(),
                server_id: server_id.into(),
                read,
                flagged,
            });
        }
    }

    /// An unclaimed file named `stem` in another folder.
    fn same_stem_elsewhere(&self, si: usize, stem: &str) -> Option<At> {
        self.unclaimed(|sj| sj != si)
            .into_iter()
            .find(|&(sj, fj)| self.scans[sj].files[fj].stem() == stem)
    }

    /// An unclaimed file with Message-ID `id` in a folder `which` accepts (read lazily).
    fn same_id(&mut self, id: &str, which: impl Fn(usize) -> bool) -> Option<At> {
        self.unclaimed(which).into_iter().find(|&at| {
            let scans = &self.scans;
            let found = self.ids.entry(at).or_insert_with(|| {
                let path = &scans[at.0].files[at.1].path;
                read_message_id(path).unwrap_or_else(|e| {
                    tracing::warn!("{}: skipped: {e}", path.display());
                    None
                })
            });
            found.as_deref() == Some(id)
        })
    }

    /// The files of the folders `which` accepts that nothing has claimed yet.
    fn unclaimed(&self, which: impl Fn(usize) -> bool) -> Vec<At> {
        self.scans
            .iter()
            .enumerate()
            .filter(|(sj, _)| which(*sj))
            .flat_map(|(sj, s)| (0..s.files.len()).map(move |fj| (sj, fj)))
            .filter(|at| !self.claimed.contains(at))
            .collect()
    }

    /// Every file left unclaimed is foreign.
    fn foreign(&mut self) {
        for (sj, fj) in self.unclaimed(|_| true) {
            self.out.push(MaildirChange::Foreign {
                folder: self.scans[sj].folder.into(),
                path: self.scans[sj].files[fj].path.clone(),
            });
        }
    }
}
