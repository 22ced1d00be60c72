//! Encoding of Sync requests (MS-ASCMD 2.2.1.21.2): collections, options, client commands.

use wbxml::tags::{air_sync as s, air_sync_base as asb};

use super::{ClientCommand, SyncCollection, SyncOptions};
use crate::proto::ProtoError;
use crate::proto::write::Writer;

pub(super) fn write_collection(w: &mut Writer, c: &SyncCollection) -> Result<(), ProtoError> {
    w.start(s::COLLECTION)?;
    w.leaf(s::SYNC_KEY, c.sync_key.as_str())?;
    w.leaf(s::COLLECTION_ID, c.collection_id.as_str())?;
    w.opt_leaf(s::DELETES_AS_MOVES, c.deletes_as_moves.map(u8::from))?;
    w.opt_leaf(s::GET_CHANGES, c.get_changes.map(u8::from))?;
    w.opt_leaf(s::WINDOW_SIZE, c.window_size.map(|n| n.get()))?;
    if let Some(o) = &c.options {
        write_options(w, o)?;
    }
    if !c.commands.is_empty() {
        w.start(s::COMMANDS)?;
        for cmd in &c.commands {
            write_client_command(w, cmd)?;
        }
        w.end()?;
    }
    w.end()
}

fn write_options(w: &mut Writer, o: &SyncOptions) -> Result<(), ProtoError> {
    w.start(s::OPTIONS)?;
    w.opt_leaf(s::FILTER_TYPE, o.filter_type.map(|f| f.code()))?;
    for p in &o.body_preferences {
        w.start(asb::BODY_PREFERENCE)?;
        w.leaf(asb::TYPE, &p.body_type.to_string())?;
        w.opt_leaf(asb::TRUNCATION_SIZE, p.truncation_size)?;
        w.opt_leaf(asb::ALL_OR_NONE, p.all_or_none.map(u8::from))?;
        w.opt_leaf(asb::PREVIEW, p.preview)?;
        w.end()?;
    }
    w.opt_leaf(s::CONFLICT, o.conflict)?;
    w.opt_leaf(s::MIME_SUPPORT, o.mime_support)?;
    w.opt_leaf(s::MIME_TRUNCATION, o.mime_truncation)?;
    w.opt_leaf(s::MAX_ITEMS, o.max_items)?;
    w.end()
}

fn write_client_command(w: &mut Writer, cmd: &ClientCommand) -> Result<(), ProtoError> {
    match cmd {
        ClientCommand::Add { client_id, data } => {
            w.start(s::ADD)?;
            w.leaf(s::CLIENT_ID, client_id)?;
            data.write(w)?;
        }
        ClientCommand::Change {
            server_id,
            instance_id,
            data,
        } => {
            w.start(s::CHANGE)?;
            w.leaf(s::SERVER_ID, server_id.as_str())?;
            w.opt_leaf(asb::INSTANCE_ID, instance_id.as_deref())?;
            data.write(w)?;
        }
        ClientCommand::Delete {
            server_id,
            instance_id,
        } => {
            w.start(s::DELETE)?;
            w.leaf(s::SERVER_ID, server_id.as_str())?;
            w.opt_leaf(asb::INSTANCE_ID, instance_id.as_deref())?;
        }
        ClientCommand::Fetch { server_id } => {
            w.start(s::FETCH)?;
            w.leaf(s::SERVER_ID, server_id.as_str())?;
        }
    }
    w.end()
}
