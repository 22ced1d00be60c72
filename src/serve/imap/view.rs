//! The selected mailbox as one client sees it: its messages in UID order (the message sequence
//! numbers), and what changed in the store since it last looked, as the untagged responses of
//! RFC 3501 7.3–7.4 (EXPUNGE highest first, so no number shifts under another, then EXISTS,
//! then FETCH FLAGS of messages whose flags changed).

use std::collections::HashSet;

use imap_next::imap_types::fetch::MessageDataItem;
use imap_next::imap_types::response::Data;

use super::FolderCache;
use super::wire::{Flags, nz};
use crate::store::{ImapMessage, Store, StoreError};

/// One message of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub uid: u32,
    pub item_id: i64,
    pub flags: Flags,
    pub date_received: Option<String>,
    /// Gone from the store; still numbered here until the client may be told (no EXPUNGE
    /// during FETCH, STORE or SEARCH, RFC 3501 7.4.1).
    pub gone: bool,
}

/// The selected mailbox.
#[derive(Debug, Clone)]
pub struct View {
    pub folder: String,
    pub read_only: bool,
    pub uid_validity: u32,
    pub uid_next: u32,
    pub msgs: Vec<Msg>,
    /// `PRAGMA data_version` when it was last compared with the store.
    data_version: i64,
    /// [`Store::imap_token`] when the view was last read.
    token: [i64; 4],
}

fn msg(m: &ImapMessage) -> Msg {
    Msg {
        uid: m.uid,
        item_id: m.item_id,
        flags: Flags {
            seen: m.read,
            flagged: m.flagged,
            local: Flags::local_from(&m.local_flags),
        },
        date_received: m.date_received.clone(),
        gone: false,
    }
}

impl View {
    /// The folder as it is now; `None` when it is not in the mirror.
    pub fn load(
        db: &mut Store,
        cache: &FolderCache,
        folder: &str,
        read_only: bool,
    ) -> Result<Option<Self>, StoreError> {
        let data_version = db.data_version()?;
        let token = db.imap_token(folder)?;
        let Some(f) = cache.read(db, folder, token)? else {
            return Ok(None);
        };
        Ok(Some(Self {
            folder: folder.to_string(),
            read_only,
            uid_validity: f.uid_validity,
            uid_next: f.uid_next,
            msgs: f.messages.iter().map(msg).collect(),
            data_version,
            token,
        }))
    }

    /// Whether what the client sees may have changed: another connection (the sync, another
    /// client) committed since the last look, and not only whole messages fetched.
    pub fn stale(&mut self, db: &Store) -> Result<bool, StoreError> {
        let v = db.data_version()?;
        if v == self.data_version {
            return Ok(false);
        }
        self.data_version = v;
        Ok(db.imap_token(&self.folder)? != self.token)
    }

    /// Looks at the store again; the responses that tell the client. `expunge`: messages that
    /// left may be reported (else they stay numbered, marked gone, until a later look).
    pub fn refresh(
        &mut self,
        db: &mut Store,
        cache: &FolderCache,
        expunge: bool,
    ) -> Result<Vec<Data<'static>>, StoreError> {
        self.data_version = db.data_version()?;
        self.token = db.imap_token(&self.folder)?;
        let Some(f) = cache.read(db, &self.folder, self.token)? else {
            // The folder itself went: every message left.
            let mut out = Vec::new();
            if expunge {
                for seq in (1..=self.msgs.len()).rev() {
                    out.push(Data::Expunge(nz(seq as u32)));
                }
                self.msgs.clear();
            }
            return Ok(out);
        };
        self.uid_next = f.uid_next;
        let now: Vec<Msg> = f.messages.iter().map(msg).collect();
        let present: HashSet<u32> = now.iter().map(|m| m.uid).collect();
        let mut out = Vec::new();
        if expunge {
            for seq in (1..=self.msgs.len()).rev() {
                if !present.contains(&self.msgs[seq - 1].uid) {
                    self.msgs.remove(seq - 1);
                    out.push(Data::Expunge(nz(seq as u32)));
                }
            }
        } else {
            for m in &mut self.msgs {
                m.gone = !present.contains(&m.uid);
            }
        }
        let before = self.msgs.len();
        let highest = self.msgs.last().map_or(0, |m| m.uid);
        let mut changed = Vec::new();
        for m in now {
            if m.uid > highest {
                self.msgs.push(m);
            } else if let Ok(i) = self.msgs.binary_search_by_key(&m.uid, |x| x.uid) {
                if self.msgs[i].flags != m.flags {
                    self.msgs[i].flags = m.flags.clone();
                    changed.push(i);
                }
                self.msgs[i].date_received = m.date_received;
            }
        }
        if self.msgs.len() != before || !out.is_empty() {
            out.push(Data::Exists(self.msgs.len() as u32));
        }
        for i in changed {
            out.push(self.flags_data(i));
        }
        Ok(out)
    }

    /// `* n FETCH (UID u FLAGS (...))` for message index `i`.
    pub fn flags_data(&self, i: usize) -> Data<'static> {
        let m = &self.msgs[i];
        Data::Fetch {
            seq: nz(i as u32 + 1),
            items: imap_next::imap_types::core::Vec1::try_from(vec![
                MessageDataItem::Uid(nz(m.uid)),
                MessageDataItem::Flags(m.flags.fetch()),
            ])
            .unwrap_or_else(|_| MessageDataItem::Uid(nz(m.uid)).into()),
        }
    }

    /// The indexes of the messages `set` names, by number or by UID, ascending, once each
    /// (ranges found by binary search: a client fetching one UID at a time from a large
    /// mailbox costs a lookup per command, not a scan).
    pub fn select(
        &self,
        set: &imap_next::imap_types::sequence::SequenceSet,
        uid: bool,
    ) -> Vec<usize> {
        use imap_next::imap_types::sequence::{SeqOrUid, Sequence};
        let Some(last) = self.msgs.last() else {
            return Vec::new();
        };
        let largest = if uid {
            last.uid
        } else {
            self.msgs.len() as u32
        };
        let n = |s: &SeqOrUid| match s {
            SeqOrUid::Value(v) => v.get(),
            SeqOrUid::Asterisk => largest,
        };
        let mut out = Vec::new();
        for s in set.0.as_ref() {
            let (a, b) = match s {
                Sequence::Single(v) => (n(v), n(v)),
                Sequence::Range(x, y) => (n(x).min(n(y)), n(x).max(n(y))),
            };
            if uid {
                let from = self.msgs.partition_point(|m| m.uid < a);
                let to = self.msgs.partition_point(|m| m.uid <= b);
                out.extend(from..to);
            } else {
                let from = (a.max(1) - 1) as usize;
                let to = (b as usize).min(self.msgs.len());
                out.extend(from..to.max(from));
            }
        }
        // RFC 3501 6.4.8: "*" names the highest UID even when the range starts above it.
        if uid && out.is_empty() && super::wire::names_last(set) {
            out.push(self.msgs.len() - 1);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn unseen(&self) -> usize {
        self.msgs.iter().filter(|m| !m.flags.seen).count()
    }

    /// The number of the first unseen message, for SELECT's `[UNSEEN n]`.
    pub fn first_unseen(&self) -> Option<u32> {
        self.msgs
            .iter()
            .position(|m| !m.flags.seen)
            .map(|i| i as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imap_next::imap_types::sequence::SequenceSet;

    fn view(uids: &[u32]) -> View {
        View {
            folder: "f".into(),
            read_only: false,
            uid_validity: 1,
            uid_next: uids.last().map_or(1, |u| u + 1),
            msgs: uids
                .iter()
                .map(|&uid| Msg {
                    uid,
                    item_id: i64::from(uid),
                    flags: Flags::default(),
                    date_received: None,
                    gone: false,
                })
                .collect(),
            data_version: 0,
            token: [0; 4],
        }
    }

    #[test]
    fn sets_select_by_uid_and_by_number_once_each() {
        let v = view(&[3, 5, 9, 20]);
        let set = |s: &str| SequenceSet::try_from(s).unwrap();
        assert_eq!(v.select(&set("4:9"), true), [1, 2]);
        assert_eq!(v.select(&set("1:*"), true), [0, 1, 2, 3]);
        assert_eq!(
            v.select(&set("21:*"), true),
            [3],
            "* is the highest UID even below 21"
        );
        assert_eq!(v.select(&set("5,5,3:5"), true), [0, 1]);
        assert_eq!(v.select(&set("2:3"), false), [1, 2]);
        assert_eq!(v.select(&set("*"), false), [3]);
        assert_eq!(v.select(&set("7:9"), false), Vec::<usize>::new());
        assert!(view(&[]).select(&set("1:*"), true).is_empty());
    }
}
