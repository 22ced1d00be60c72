//! Which changes of a folder a client gets next: the entries of the folder's change log after
//! the client's position, as Add (not seen before), Change (seen), Delete / SoftDelete (seen,
//! then removed), skipping the client's own changes (they are not echoed back; after a Sync
//! from key 0 it is sent everything again, see [`Folder::own`]). An item the client added
//! itself (Sync Add, MoveItems) is one it has seen. With `spread_deletions`
//! ([`super::profile`]) a page holds at most [`SPREAD_DELETES`] deletions.

use std::ops::Bound;
use std::sync::Arc;

use super::mail::MailFlags;
use super::mailbox::{Folder, Position, Source, State};
use super::occurrences::{self, Occurrence};
use super::profile::SPREAD_DELETES;
use crate::proto::classes::ApplicationData;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Change,
    Delete,
    SoftDelete,
    /// Only the series' occurrences recorded since (the device has the series itself).
    Instances,
}

/// One command to send.
#[derive(Debug, Clone)]
pub struct Planned {
    pub idx: u32,
    pub op: Op,
    pub version: u32,
    pub custom: Option<Arc<ApplicationData>>,
    pub flags: Option<Arc<MailFlags>>,
    /// Where its generated content comes from when it was moved ([`super::mailbox::Item::source`]).
    pub source: Option<Source>,
    /// Occurrences a client recorded, sent after the series or alone ([`Op::Instances`]).
    pub occurrences: Vec<Occurrence>,
    /// The MIME a mail is held as ([`super::mailbox::Item::message`]).
    pub message: Option<Arc<Vec<u8>>>,
}

/// A page of changes: at most `window` commands, the position after them, and whether more
/// entries follow.
pub struct Page {
    pub commands: Vec<Planned>,
    pub next: Position,
    pub more: bool,
}

fn op_for(f: &Folder, from: Position, (_, idx): (u64, u32), device: &str) -> Option<Planned> {
    let item = f.item(idx)?;
    let by_instance = item
        .occurrences
        .as_ref()
        .is_some_and(|o| o.last == item.modseq);
    if !by_instance && f.own(item.by.as_deref(), item.modseq, device) {
        return None;
    }
    classify(f, from, idx, device)
}

/// What a client at `from` is sent for item `idx` as it is now, whoever changed it last.
fn classify(f: &Folder, from: Position, idx: u32, device: &str) -> Option<Planned> {
    let item = f.item(idx)?;
    let seen = (item.created, idx) <= (from.modseq, from.idx)
        || f.own(item.added_by.as_deref(), item.created, device);
    let op = match (item.state, seen) {
        (State::Live, false) => Op::Add,
        (State::Live, true) => Op::Change,
        (State::Deleted, true) => Op::Delete,
        (State::SoftDeleted, true) => Op::SoftDelete,
        (_, false) => return None,
    };
    let (op, occurrences) = match (&item.occurrences, op) {
        (Some(occ), Op::Change) if occurrences::has_series(occ, item, from, idx) => {
            let pending = occurrences::pending(f, occ, from, idx, device);
            if pending.is_empty() {
                return None;
            }
            (Op::Instances, pending)
        }
        (Some(occ), Op::Add | Op::Change) => (op, occ.list.clone()),
        _ => (op, Vec::new()),
    };
    Some(Planned {
        idx,
        op,
        version: item.content_version(),
        custom: item.custom.clone(),
        flags: item.flags.clone(),
        source: item.source.clone(),
        occurrences,
        message: item.message.clone(),
    })
}

/// Whether item `idx` changed after `from` by someone other than `device` (a change the
/// device has not received: its own Change or Delete of the item is a conflict).
pub fn changed_since(f: &Folder, from: Position, idx: u32, device: &str) -> bool {
    f.item(idx).is_some_and(|item| {
        (item.modseq, idx) > (from.modseq, from.idx)
            && !f.own(item.by.as_deref(), item.modseq, device)
    })
}

/// The server's version of item `idx` for a client at `from` (sent with a conflict).
pub fn server_version(f: &Folder, from: Position, idx: u32, device: &str) -> Option<Planned> {
    classify(f, from, idx, device)
}

fn after(f: &Folder, from: Position) -> impl Iterator<Item = &(u64, u32)> {
    f.index
        .range((Bound::Excluded((from.modseq, from.idx)), Bound::Unbounded))
}

/// The next page for a client at `from`; with `spread_deletions`, a deletion beyond the
/// [`SPREAD_DELETES`]th ends the page (it comes with the next one).
pub fn page(
    f: &Folder,
    from: Position,
    device: &str,
    window: usize,
    spread_deletions: bool,
) -> Page {
    let mut commands: Vec<Planned> = Vec::new();
    let mut next = from;
    let mut entries = after(f, from).peekable();
    let mut deletions = 0;
    while commands.len() < window {
        let Some(&&entry) = entries.peek() else {
            break;
        };
        let planned = op_for(f, from, entry, device);
        let deletion = planned
            .as_ref()
            .is_some_and(|p| matches!(p.op, Op::Delete | Op::SoftDelete));
        if spread_deletions && deletion && deletions == SPREAD_DELETES {
            break;
        }
        deletions += usize::from(deletion);
        entries.next();
        next = Position {
            modseq: entry.0,
            idx: entry.1,
        };
        commands.extend(planned);
    }
    Page {
        commands,
        next,
        more: entries.peek().is_some(),
    }
}

/// How many commands wait for a client at `from`.
pub fn pending(f: &Folder, from: Position, device: &str) -> usize {
    after(f, from)
        .filter(|&&e| op_for(f, from, e, device).is_some())
        .count()
}

/// Whether any command waits for a client at `from`.
pub fn has_pending(f: &Folder, from: Position, device: &str) -> bool {
    after(f, from).any(|&e| op_for(f, from, e, device).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::mailbox::Kind;

    fn folder(n: u32) -> Folder {
        let mut f = Folder::new("inbox", "0", "Inbox", 2, Kind::Mail);
        for _ in 0..n {
            f.push(0, None, None);
        }
        f
    }

    const START: Position = Position { modseq: 0, idx: 0 };

    #[test]
    fn pages_cover_every_item_once_then_changes_and_deletes() {
        let mut f = folder(5);
        let p1 = page(&f, START, "d", 2, false);
        assert_eq!(
            p1.commands.iter().map(|c| c.idx).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(p1.more);
        let p2 = page(&f, p1.next, "d", 10, false);
        assert_eq!(p2.commands.len(), 3);
        assert!(!p2.more);
        assert!(p2.commands.iter().all(|c| c.op == Op::Add));
        // Item 1 changes, item 2 is deleted, a new item 6 arrives, item 6 is deleted before
        // the client saw it (nothing to send for it).
        f.touch(1, 1, State::Live, None);
        f.touch(2, 2, State::Deleted, None);
        let six = f.push(3, None, None);
        f.touch(six, 4, State::Deleted, None);
        let p3 = page(&f, p2.next, "d", 10, false);
        let ops: Vec<_> = p3.commands.iter().map(|c| (c.idx, c.op)).collect();
        assert_eq!(ops, vec![(1, Op::Change), (2, Op::Delete)]);
        assert_eq!(pending(&f, p2.next, "d"), 2);
        assert_eq!(pending(&f, p3.next, "d"), 0);
        // The same key gets the same page again.
        assert_eq!(page(&f, p2.next, "d", 10, false).commands.len(), 2);
    }

    #[test]
    fn a_clients_own_changes_are_not_echoed() {
        let mut f = folder(1);
        let p = page(&f, START, "d", 10, false);
        f.touch(1, 1, State::Live, Some("d".into()));
        assert!(page(&f, p.next, "d", 10, false).commands.is_empty());
        assert_eq!(page(&f, p.next, "other", 10, false).commands.len(), 1);
    }

    #[test]
    fn spread_deletions_end_a_page_after_five() {
        let mut f = folder(12);
        let seen = page(&f, START, "d", 100, true).next;
        for idx in 1..=12 {
            f.touch(idx, u64::from(idx), State::Deleted, None);
        }
        let mut at = seen;
        let mut sizes = Vec::new();
        loop {
            let p = page(&f, at, "d", 100, true);
            assert!(p.commands.iter().all(|c| c.op == Op::Delete));
            sizes.push(p.commands.len());
            at = p.next;
            if !p.more {
                break;
            }
        }
        assert_eq!(sizes, vec![5, 5, 2]);
        assert_eq!(page(&f, seen, "d", 100, false).commands.len(), 12);
        assert_eq!(
            page(&f, seen, "d", 3, true).commands.len(),
            3,
            "the window still counts"
        );
    }
}
