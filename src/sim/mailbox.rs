//! The simulated mailbox: folders and items as change logs, no content (content is regenerated
//! from the seed, see [`super::mail`], [`super::events`], [`super::pim`]).
//!
//! Every change takes the next value of one mailbox-wide counter (`modseq`); a folder's items
//! are indexed by `(modseq, index)`, so "what changed after the position a client has seen" is a
//! range of that index. A SyncKey is that position (`gen:modseq:index`, with `fresh_sync_keys` a
//! `#n` suffix that makes every key new and is ignored when it comes back): the server keeps no state
//! per client, a repeated key gets the same answer again (MS-ASCMD 2.2.3.177.3), and bumping a
//! folder's `gen` makes every key of it invalid (Status 3).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::mail::MailFlags;
use crate::proto::classes::ApplicationData;

/// What a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mail,
    Contacts,
    Calendar,
    Tasks,
    Notes,
}

impl Kind {
    /// The `Class` of its items (MS-ASCMD 2.2.3.27).
    pub fn class(self) -> &'static str {
        match self {
            Kind::Mail => "Email",
            Kind::Contacts => "Contacts",
            Kind::Calendar => "Calendar",
            Kind::Tasks => "Tasks",
            Kind::Notes => "Notes",
        }
    }
}

/// The state of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Live,
    Deleted,
    /// Left the sync window (MS-ASCMD 2.2.3.169): the client drops it, it was not deleted.
    SoftDeleted,
}

#[derive(Debug, Clone)]
pub struct Item {
    /// The modseq of its creation.
    pub created: u64,
    pub modseq: u64,
    /// How many times it changed (generated content depends on it).
    pub version: u32,
    pub state: State,
    /// The device whose Sync made the last change (not echoed back to it).
    pub by: Option<Arc<str>>,
    /// Content a client sent (Add/Change); `None` for generated content.
    pub custom: Option<Arc<ApplicationData>>,
    /// A mail's read/flag/categories as last set ([`super::Sim::set_mail_flags`]); `None`:
    /// generated from the version ([`super::mail::flags`]).
    pub flags: Option<Arc<MailFlags>>,
}

#[derive(Debug, Clone)]
pub struct Folder {
    pub id: String,
    /// The name its items' generated content is drawn from: its first id, kept when the
    /// folder is re-created under a new id ([`super::Sim::recreate_folder`]).
    pub content_id: String,
    pub parent: String,
    pub name: String,
    /// The FolderSync type (MS-ASCMD 2.2.3.186.3).
    pub folder_type: u16,
    pub kind: Kind,
    pub created: u64,
    pub modseq: u64,
    pub deleted: bool,
    /// Bumped to invalidate every SyncKey of the folder.
    pub generation: u32,
    /// Item `i` (1-based server id `{folder}:{i}`) is `items[i - 1]`.
    pub items: Vec<Item>,
    pub index: BTreeSet<(u64, u32)>,
}

/// A position in a folder's change log: what a client has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub modseq: u64,
    pub idx: u32,
}

impl Folder {
    pub fn new(id: &str, parent: &str, name: &str, folder_type: u16, kind: Kind) -> Self {
        Self {
            id: id.into(),
            content_id: id.into(),
            parent: parent.into(),
            name: name.into(),
            folder_type,
            kind,
            created: 0,
            modseq: 0,
            deleted: false,
            generation: 1,
            items: Vec::new(),
            index: BTreeSet::new(),
        }
    }

    /// The SyncKey for a position.
    pub fn key(&self, p: Position) -> String {
        format!("{}:{}:{}", self.generation, p.modseq, p.idx)
    }

    /// The position a key stands for; `None` when the key is not one of this folder's
    /// current generation (Status 3). "0" is the start. A `#n` suffix (fresh keys, see
    /// [`super::profile`]) is ignored.
    pub fn parse_key(&self, key: &str) -> Option<Position> {
        let key = key.split_once('#').map_or(key, |(k, _)| k);
        let mut parts = key.split(':');
        let generation: u32 = parts.next()?.parse().ok()?;
        let modseq = parts.next()?.parse().ok()?;
        let idx = parts.next()?.parse().ok()?;
        (generation == self.generation && parts.next().is_none())
            .then_some(Position { modseq, idx })
    }

    /// The server id of item `idx`.
    pub fn server_id(&self, idx: u32) -> String {
        format!("{}:{idx}", self.id)
    }

    /// The index named by a server id of this folder.
    pub fn idx_of(&self, server_id: &str) -> Option<u32> {
        let (folder, idx) = server_id.rsplit_once(':')?;
        let idx: u32 = idx.parse().ok()?;
        (folder == self.id && idx >= 1 && idx as usize <= self.items.len()).then_some(idx)
    }

    pub fn item(&self, idx: u32) -> Option<&Item> {
        self.items.get(idx.checked_sub(1)? as usize)
    }

    /// Adds an item at `modseq`; returns its index.
    pub fn push(
        &mut self,
        modseq: u64,
        by: Option<Arc<str>>,
        custom: Option<ApplicationData>,
    ) -> u32 {
        self.items.push(Item {
            created: modseq,
            modseq,
            version: 0,
            state: State::Live,
            by,
            custom: custom.map(Arc::new),
            flags: None,
        });
        let idx = self.items.len() as u32;
        self.index.insert((modseq, idx));
        idx
    }

    /// Moves item `idx` to `modseq` with a new state; false when there is no such live item.
    pub fn touch(&mut self, idx: u32, modseq: u64, state: State, by: Option<Arc<str>>) -> bool {
        let Some(item) = idx
            .checked_sub(1)
            .and_then(|i| self.items.get_mut(i as usize))
        else {
            return false;
        };
        if item.state != State::Live {
            return false;
        }
        self.index.remove(&(item.modseq, idx));
        item.modseq = modseq;
        item.state = state;
        item.by = by;
        if state == State::Live {
            item.version += 1;
        }
        self.index.insert((modseq, idx));
        true
    }

    pub fn live_count(&self) -> usize {
        self.items.iter().filter(|i| i.state == State::Live).count()
    }
}

/// The folders of the mailbox with the hierarchy's own generation.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub seed: u64,
    pub modseq: u64,
    /// Bumped to invalidate every FolderSync key (Status 9).
    pub hierarchy_gen: u32,
    pub folders: Vec<Folder>,
}

impl Mailbox {
    pub fn folder(&self, id: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.id == id && !f.deleted)
    }

    pub fn folder_mut(&mut self, id: &str) -> Option<&mut Folder> {
        self.folders.iter_mut().find(|f| f.id == id && !f.deleted)
    }

    /// The folder with this display name or id.
    pub fn find(&self, name_or_id: &str) -> Option<&Folder> {
        self.folders
            .iter()
            .find(|f| !f.deleted && (f.id == name_or_id || f.name.eq_ignore_ascii_case(name_or_id)))
    }

    pub fn next_modseq(&mut self) -> u64 {
        self.modseq += 1;
        self.modseq
    }

    /// The FolderSync key for the current hierarchy.
    pub fn hierarchy_key(&self) -> String {
        let top = self.folders.iter().map(|f| f.modseq).max().unwrap_or(0);
        format!("{}:{top}", self.hierarchy_gen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_positions_of_the_current_generation() {
        let mut f = Folder::new("2", "0", "Inbox", 2, Kind::Mail);
        let p = Position { modseq: 7, idx: 3 };
        assert_eq!(f.parse_key(&f.key(p)), Some(p));
        let old = f.key(p);
        f.generation += 1;
        assert_eq!(f.parse_key(&old), None);
        assert_eq!(f.parse_key("garbage"), None);
        assert_eq!(f.parse_key("2:1:1:1"), None);
        assert_eq!(f.parse_key(&format!("{old}#17")), None, "old generation");
        let fresh = format!("{}#17", f.key(p));
        assert_eq!(f.parse_key(&fresh), Some(p), "the suffix is ignored");
    }

    #[test]
    fn touching_moves_an_item_in_the_index() {
        let mut f = Folder::new("2", "0", "Inbox", 2, Kind::Mail);
        let a = f.push(0, None, None);
        let b = f.push(0, None, None);
        assert!(f.touch(a, 5, State::Live, None));
        let order: Vec<_> = f.index.iter().map(|&(_, i)| i).collect();
        assert_eq!(order, vec![b, a]);
        assert!(f.touch(a, 6, State::Deleted, None));
        assert!(
            !f.touch(a, 7, State::Live, None),
            "a deleted item stays deleted"
        );
        assert_eq!(f.live_count(), 1);
        assert_eq!(f.idx_of("2:2"), Some(2));
        assert_eq!(f.idx_of("3:2"), None);
        assert_eq!(f.idx_of("2:9"), None);
    }
}
