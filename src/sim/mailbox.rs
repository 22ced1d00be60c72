//! The simulated mailbox: folders and items as change logs, no content (content is regenerated
//! from the seed, see [`super::mail`], [`super::events`], [`super::pim`]).
//!
//! Every change takes the next value of one mailbox-wide counter (`modseq`); a folder's items
//! are indexed by `(modseq, index)`, so "what changed after the position a client has seen" is a
//! range of that index. A SyncKey is that position (`gen:modseq:index`, with `fresh_sync_keys` a
//! `#n` suffix that makes every key new and is ignored when it comes back): the server keeps no
//! sync state per client, a repeated key gets the same answer again (MS-ASCMD 2.2.3.177.3), and
//! bumping a folder's `gen` makes every key of it invalid (Status 3). Per device a folder
//! remembers only the ClientIds of its Adds (for resends) and when it last synced from key 0.
//! An item moved to another folder ([`Mailbox::move_item`]) is a new item there that keeps its
//! content ([`Source`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::mail::{self, MailFlags};
use super::occurrences::Occurrences;
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
    /// The device whose Add or move created it: it knows the item without an `Add`, so it
    /// gets a later change as a `Change`.
    pub added_by: Option<Arc<str>>,
    /// Content a client sent (Add/Change); `None` for generated content.
    pub custom: Option<Arc<ApplicationData>>,
    /// A mail's read/flag/categories as last set ([`super::Sim::set_mail_flags`]); `None`:
    /// generated from the version ([`super::mail::flags`]).
    pub flags: Option<Arc<MailFlags>>,
    /// Where its generated content comes from when it was moved here (MoveItems, a Delete
    /// moved to Deleted Items); `None`: its own folder's content at its own index.
    pub source: Option<Source>,
    /// A series' occurrences a client changed or cancelled on 16.x ([`super::occurrences`]).
    pub occurrences: Option<Arc<Occurrences>>,
    /// A mail the server holds as this RFC 5322 message (a Sent Items copy of a SendMail,
    /// `cmd_compose`): its Email class value is read from it ([`super::mime::email`]).
    pub message: Option<Arc<Vec<u8>>>,
}

impl Item {
    /// The version its generated content is drawn from: changes of single occurrences bump
    /// [`Item::version`] but leave the series as it was.
    pub fn content_version(&self) -> u32 {
        let bumps = self.occurrences.as_ref().map_or(0, |o| o.bumps);
        self.version.saturating_sub(bumps)
    }
}

/// The generated content an item shows: a folder's content name and an index in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub stream: Arc<str>,
    pub idx: u32,
}

/// An Add the server remembers for a retry (MS-ASCMD 2.2.3.28.2 `ClientId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAdd {
    /// The item it created.
    pub idx: u32,
    /// The position of the SyncKey it came with: a request from there or before is a resend.
    pub at: Position,
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
    /// Per device, the Adds it made by ClientId.
    pub client_ids: HashMap<Arc<str>, HashMap<String, ClientAdd>>,
    /// Per device, the modseq of its last Sync from key 0: what it changed before is not its
    /// own any more (it starts over and is sent everything).
    pub resets: HashMap<Arc<str>, u64>,
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
            client_ids: HashMap::new(),
            resets: HashMap::new(),
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

    /// Adds an item at `modseq` (made by `by`, which then knows it); returns its index.
    pub fn push(
        &mut self,
        modseq: u64,
        by: Option<Arc<str>>,
        custom: Option<ApplicationData>,
    ) -> u32 {
        self.insert(Item {
            created: modseq,
            modseq,
            version: 0,
            state: State::Live,
            added_by: by.clone(),
            by,
            custom: custom.map(Arc::new),
            flags: None,
            source: None,
            occurrences: None,
            message: None,
        })
    }

    /// Adds an item as it is (its `modseq` is its place in the log); returns its index.
    pub fn insert(&mut self, item: Item) -> u32 {
        let modseq = item.modseq;
        self.items.push(item);
        let idx = self.items.len() as u32;
        self.index.insert((modseq, idx));
        idx
    }

    /// Where the content of item `idx` comes from.
    pub fn source_of(&self, idx: u32) -> Source {
        match self.item(idx).and_then(|i| i.source.clone()) {
            Some(s) => s,
            None => Source {
                stream: self.content_id.as_str().into(),
                idx,
            },
        }
    }

    /// Whether a change made by `by` at `modseq` is `device`'s own since its last Sync from
    /// key 0: it has it, and it is not sent back to it.
    pub fn own(&self, by: Option<&str>, modseq: u64, device: &str) -> bool {
        by == Some(device) && self.resets.get(device).is_none_or(|&r| modseq > r)
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

    /// Moves live item `idx` of folder `src` to folder `dst` under a new index, at one new
    /// modseq: a `Delete` in `src` made by `by`, an `Add` in `dst` made by `dst_by` (which then
    /// knows the item), with the same content, version and state. Returns the new index;
    /// `None` (nothing changed) when a folder or the live item is not there.
    pub fn move_item(
        &mut self,
        (src, idx): (&str, u32),
        dst: &str,
        by: Option<Arc<str>>,
        dst_by: Option<Arc<str>>,
    ) -> Option<u32> {
        self.folder(dst)?;
        let f = self.folder(src)?;
        let item = f.item(idx).filter(|i| i.state == State::Live)?;
        let flags = match (f.kind, &item.custom) {
            (Kind::Mail, None) => Some(Arc::new(mail::flags(
                idx,
                item.version,
                item.flags.as_deref(),
            ))),
            _ => item.flags.clone(),
        };
        let (version, custom, source) = (item.version, item.custom.clone(), f.source_of(idx));
        let occurrences = item.occurrences.clone();
        let message = item.message.clone();
        let m = self.next_modseq();
        self.folder_mut(src)?.touch(idx, m, State::Deleted, by);
        let moved = self.folder_mut(dst)?.insert(Item {
            created: m,
            modseq: m,
            version,
            state: State::Live,
            added_by: dst_by.clone(),
            by: dst_by,
            custom,
            flags,
            source: Some(source),
            occurrences,
            message,
        });
        Some(moved)
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
