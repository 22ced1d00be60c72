//! A maildir's state file (`.easync-items`, format in `super::super::state_file`): one record
//! per message easync wrote into that maildir — its file stem, its server id, the flags easync
//! last gave the file, and its Message-ID — the pair of sides mbsync's `.mbsyncstate` keeps, so
//! a change on the file side is known exactly.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use crate::export::state_file;

const KIND: &str = "maildir";

/// What easync knows about one message it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The server id (MS-ASCMD 2.2.3.166.8 `ServerId`); `None` for a stem read from the old
    /// manifest, which did not record it (the next export fills it in).
    pub server_id: Option<String>,
    /// The Maildir flags easync last wrote (the letters after `:2,`).
    pub flags: String,
    /// The Message-ID header without its angle brackets; `None` when the message has none (or,
    /// for an old manifest's stem, not known yet).
    pub message_id: Option<String>,
}

impl Entry {
    /// Whether this record came from the old manifest.
    pub fn is_legacy(&self) -> bool {
        self.server_id.is_none()
    }
}

/// Every message easync wrote into one maildir, by file stem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub entries: BTreeMap<String, Entry>,
}

impl State {
    /// The state of the maildir at `dir` (empty when there is none yet). Lenient: a record
    /// of the old manifest (a stem alone) or with an empty server id is a legacy stem.
    pub fn load(dir: &Path) -> io::Result<Self> {
        let mut entries = BTreeMap::new();
        for record in state_file::read(&dir.join(state_file::FILE), KIND)? {
            let field = |i: usize| record.get(i).filter(|s| !s.is_empty()).cloned();
            let Some(stem) = field(0).filter(|s| !s.contains('/')) else {
                tracing::warn!("{}: skipping a record: {record:?}", dir.display());
                continue;
            };
            let entry = Entry {
                server_id: field(1),
                flags: field(2).unwrap_or_default(),
                message_id: field(3),
            };
            entries.insert(stem, entry);
        }
        Ok(Self { entries })
    }

    /// Writes the state of the maildir at `dir` atomically.
    pub fn save(&self, dir: &Path) -> io::Result<()> {
        let records = self.entries.iter().map(|(stem, e)| {
            vec![
                stem.as_str(),
                e.server_id.as_deref().unwrap_or(""),
                e.flags.as_str(),
                e.message_id.as_deref().unwrap_or(""),
            ]
        });
        let text = state_file::render(KIND, records);
        state_file::write(&dir.join(state_file::FILE), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_and_an_old_manifest_reads_as_legacy_stems() {
        let dir = std::env::temp_dir().join(format!("easync-mstate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = State::default();
        let e = Entry {
            server_id: Some("5:1".into()),
            flags: "FS".into(),
            message_id: Some("a@b".into()),
        };
        s.entries.insert("easync-5-1".into(), e.clone());
        let none = Entry {
            message_id: None,
            ..e.clone()
        };
        s.entries.insert("easync-5-2".into(), none);
        s.save(&dir).unwrap();
        assert_eq!(State::load(&dir).unwrap(), s);

        std::fs::write(dir.join(state_file::FILE), "easync-x\neasync-y\n").unwrap();
        let old = State::load(&dir).unwrap();
        assert_eq!(old.entries.len(), 2);
        assert!(old.entries.values().all(Entry::is_legacy));
    }
}
