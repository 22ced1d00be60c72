//! A folder's lane set up for a run (its key: the stored one, or 0 when its FilterType
//! changed), and the collection each request carries for it (options, local changes).

use crate::proto::classes::ItemClass;
use crate::proto::sync::{FilterType, SyncCollection, SyncOptions};
use crate::proto::{CollectionId, SyncKey};
use crate::store::StoredFolder;

use super::SyncError;
use super::items::{FolderReport, ItemOptions};
use super::lane::Lane;
use super::store::SyncStore;

pub(super) fn lane<'f>(
    db: &impl SyncStore,
    folder: &'f StoredFolder,
    opts: &ItemOptions,
) -> Result<Lane<'f>, SyncError> {
    let class = folder.class.as_deref().and_then(ItemClass::from_name);
    let (key, restarted, resync) = current_key(db, folder, opts.filter_for(class))?;
    Ok(Lane {
        folder,
        id: CollectionId::try_from(folder.server_id.as_str())
            .map_err(|e| SyncError::Server(e.to_string()))?,
        class,
        key,
        restarted,
        window_reset: restarted,
        resync,
        resets: 0,
        retries: 0,
        idle: 0,
        removed: 0,
        report: FolderReport::default(),
        done: false,
        failure: None,
        seen: Default::default(),
        outgoing: Default::default(),
        trashed: false,
        asked: 0,
    })
}

/// The stored key, whether the folder restarts now, and whether a resync is in flight. Key 0
/// and "restarted" when the folder was synced with another FilterType — the server would
/// reject the key (PITFALLS 9); the items come back and are matched.
fn current_key(
    db: &impl SyncStore,
    folder: &StoredFolder,
    filter: Option<FilterType>,
) -> Result<(SyncKey, bool, bool), SyncError> {
    let Some(stored) = db.folder_state(&folder.server_id)? else {
        return Ok((SyncKey::initial(), false, false));
    };
    let wanted = filter.map(|f| f.code());
    if stored.sync_key != "0" && stored.filter_type.map(u16::from) != wanted {
        tracing::warn!(folder = %folder.name, from = ?stored.filter_type, to = ?wanted,
            "the FilterType changed: resyncing the folder from key 0");
        return Ok((SyncKey::initial(), true, stored.resync));
    }
    Ok((
        SyncKey::try_from(stored.sync_key).unwrap_or_else(|_| SyncKey::initial()),
        false,
        stored.resync,
    ))
}

pub(super) fn collection(lane: &Lane<'_>, opts: &ItemOptions) -> SyncCollection {
    let mut c = SyncCollection::new(lane.key.clone(), lane.id.clone(), lane.class);
    if !lane.key.is_initial() {
        c.get_changes = Some(true);
        c.window_size = Some(opts.window);
        let mail = lane.class == Some(ItemClass::Email);
        c.commands.clone_from(&lane.outgoing.commands);
        c.deletes_as_moves = lane.outgoing.deletes_as_moves;
        c.options = Some(SyncOptions {
            conflict: opts.conflict,
            filter_type: opts.filter_for(lane.class),
            body_preferences: vec![if mail { opts.mail_body } else { opts.body }],
            mime_support: (mail && opts.mail_mime).then_some(2),
            ..SyncOptions::default()
        });
    }
    c
}
