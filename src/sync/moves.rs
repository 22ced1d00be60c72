//! Local moves sent with MoveItems (MS-ASCMD 2.2.1.12) before the folders' Sync: the server
//! gives the moved item a new ServerId (Status 3, `DstMsgId`), and the mirror moves the row it
//! holds — no download. MoveItems is not idempotent: when a move sent before (a request whose
//! answer was lost) is answered "not in the source folder" (Status 1), the earlier attempt may
//! have moved it, so both folders are resynced to learn where it is; nothing is guessed.

use crate::model::Payload;
use crate::proto::moveitems::{Move, MoveItems, MoveStatus};
use crate::proto::{CollectionId, ServerId};
use crate::store::{JournalEntry, JournalOutcome, Outcome, Store};

use super::{SyncError, Transport};

/// Moves per MoveItems request.
const BATCH: usize = 100;

/// Sends the pending moves; returns how many the server made.
pub async fn send(t: &mut impl Transport, db: &mut Store) -> Result<usize, SyncError> {
    let mut moved = 0;
    let pending = latest_per_item(db)?;
    for chunk in pending.chunks(BATCH) {
        let mut sendable = Vec::new();
        let mut settled = Vec::new();
        for e in chunk {
            match target(e) {
                Ok(Some(m)) => sendable.push((e, m)),
                Ok(None) => settled.push(JournalOutcome {
                    id: e.id,
                    outcome: Outcome::Done,
                }),
                Err(error) => settled.push(JournalOutcome {
                    id: e.id,
                    outcome: Outcome::Conflict {
                        status: None,
                        error,
                    },
                }),
            }
        }
        db.settle_changes(&settled)?;
        if sendable.is_empty() {
            continue;
        }
        let ids: Vec<i64> = sendable.iter().map(|(e, _)| e.id).collect();
        db.note_attempts(&ids)?;
        let req = MoveItems {
            moves: sendable.iter().map(|(_, m)| m.clone()).collect(),
        };
        let results = t.execute(&req).await?;
        let mut used = vec![false; results.len()];
        for (n, (e, m)) in sendable.iter().enumerate() {
            // Each answer once: by SrcMsgId, else (a server that leaves it out) by position.
            let k = (0..results.len())
                .find(|&k| !used[k] && results[k].src_msg_id.as_ref() == Some(&m.src_msg_id))
                .or_else(|| {
                    (n < results.len() && !used[n] && results[n].src_msg_id.is_none()).then_some(n)
                });
            if let Some(k) = k {
                used[k] = true;
            }
            moved += usize::from(settle(db, e, m, k.map(|k| &results[k]))?);
        }
    }
    Ok(moved)
}

/// The pending moves, the newest per item (an item moved twice before a sync goes straight to
/// its last folder; the earlier moves are done with it).
fn latest_per_item(db: &mut Store) -> Result<Vec<JournalEntry>, SyncError> {
    let all = db.pending_moves()?;
    let mut keep: Vec<JournalEntry> = Vec::new();
    let mut superseded = Vec::new();
    for e in all {
        match keep
            .iter_mut()
            .find(|k| k.item_id.is_some() && k.item_id == e.item_id)
        {
            Some(k) => superseded.push(std::mem::replace(k, e).id),
            None => keep.push(e),
        }
    }
    let done: Vec<JournalOutcome> = superseded
        .into_iter()
        .map(|id| JournalOutcome {
            id,
            outcome: Outcome::Done,
        })
        .collect();
    db.settle_changes(&done)?;
    Ok(keep)
}

/// The Move for a journal row; `None` when there is nothing to move (already there).
fn target(e: &JournalEntry) -> Result<Option<Move>, String> {
    let (Some(_), Some(sid)) = (e.item_id, e.server_id.as_deref()) else {
        return Err(
            "the item left the mirror (deleted or moved on the server) before it was \
                    moved; nothing was changed on the server"
                .into(),
        );
    };
    let Ok(Payload::Move { to_folder }) = serde_json::from_str::<Payload>(&e.payload) else {
        return Err(format!("unreadable move {}", e.payload));
    };
    if to_folder == e.folder {
        return Ok(None);
    }
    let bad = |what: &str| format!("{what} is not a valid ActiveSync id");
    Ok(Some(Move {
        src_msg_id: ServerId::try_from(sid).map_err(|_| bad(sid))?,
        src_fld_id: CollectionId::try_from(e.folder.as_str()).map_err(|_| bad(&e.folder))?,
        dst_fld_id: CollectionId::try_from(to_folder.as_str()).map_err(|_| bad(&to_folder))?,
    }))
}

/// Stores one answer; true when the item moved.
fn settle(
    db: &mut Store,
    e: &JournalEntry,
    m: &Move,
    r: Option<&crate::proto::moveitems::MoveResult>,
) -> Result<bool, SyncError> {
    let status = r.map(|r| r.status);
    let outcome = match (status, r.and_then(|r| r.dst_msg_id.as_ref())) {
        (Some(MoveStatus::Success), Some(dst)) => {
            let item = e.item_id.unwrap_or_default();
            db.apply_move(e.id, item, m.dst_fld_id.as_str(), dst.as_str())?;
            return Ok(true);
        }
        (Some(MoveStatus::InvalidSource), _) if e.attempts > 0 => resync(db, m)?,
        (Some(MoveStatus::Success), None) => resync(db, m)?,
        (Some(MoveStatus::SameFolder), _) => Outcome::Done,
        (Some(s), _) => Outcome::Failed {
            status: Some(s.code()),
            error: format!("the server refused the move: {s}"),
        },
        // No answer: the server may have made it; learn where the item is.
        (None, _) => resync(db, m)?,
    };
    db.settle_changes(&[JournalOutcome { id: e.id, outcome }])?;
    Ok(false)
}

/// Where the item is is unknown (an earlier attempt may have moved it, or the server did not
/// say the new id): both folders are synced again from key 0 to learn it.
fn resync(db: &mut Store, m: &Move) -> Result<Outcome, SyncError> {
    db.request_resync(m.src_fld_id.as_str())?;
    db.request_resync(m.dst_fld_id.as_str())?;
    tracing::warn!(item = %m.src_msg_id, "the server's answer to a move does not say where the item is: resyncing both folders");
    Ok(Outcome::Done)
}
