//! Decoding of Sync responses (MS-ASCMD 2.2.1.21.3): collections, server commands, and the
//! results of the client's commands, typed by each collection's class.

use wbxml::StartTag;
use wbxml::tags::{air_sync as s, air_sync_base as asb};

use super::{ClientCommandResult, CollectionResponse, ServerCommand, Sync, SyncStatus};
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::proto::read::Reader;
use crate::proto::{CollectionId, ProtoError, ServerId};

impl Sync {
    /// The class the request declared for a collection.
    fn class_of(&self, id: Option<&CollectionId>) -> Option<ItemClass> {
        let id = id?;
        self.collections
            .iter()
            .find(|c| &c.collection_id == id)
            .and_then(|c| c.class)
    }

    pub(super) fn read_collection(
        &self,
        r: &mut Reader<'_>,
        start: &StartTag,
    ) -> Result<CollectionResponse, ProtoError> {
        let (mut class, mut sync_key, mut id, mut status) = (None, None, None, None);
        let (mut more, mut commands, mut responses) = (false, Vec::new(), Vec::new());
        while let Some(el) = r.child()? {
            match el.tag {
                s::CLASS => class = ItemClass::from_name(&r.text(&el)?),
                s::SYNC_KEY => sync_key = Some(r.parse(&el)?),
                s::COLLECTION_ID => id = Some(r.parse::<CollectionId>(&el)?),
                s::STATUS => status = Some(r.parse(&el)?),
                s::MORE_AVAILABLE => more = r.flag(&el)?,
                s::COMMANDS => {
                    let class = class.or_else(|| self.class_of(id.as_ref()));
                    read_server_commands(r, class, &mut commands)?;
                }
                s::RESPONSES => {
                    let class = class.or_else(|| self.class_of(id.as_ref()));
                    read_responses(r, class, &mut responses)?;
                }
                _ => r.skip(&el)?,
            }
        }
        Ok(CollectionResponse {
            class: class.or_else(|| self.class_of(id.as_ref())),
            sync_key,
            collection_id: id.ok_or_else(|| r.missing(start, s::COLLECTION_ID))?,
            status: status.ok_or_else(|| r.missing(start, s::STATUS))?,
            more_available: more,
            commands,
            responses,
        })
    }
}

/// The parts of an `Add`/`Change`/`Delete`/`Fetch` element in either direction.
#[derive(Default)]
struct Parts {
    server_id: Option<ServerId>,
    client_id: Option<String>,
    status: Option<SyncStatus>,
    data: Option<ApplicationData>,
    instance_id: Option<String>,
}

fn read_parts(r: &mut Reader<'_>, class: Option<ItemClass>) -> Result<Parts, ProtoError> {
    let mut p = Parts::default();
    let mut class = class;
    while let Some(el) = r.child()? {
        match el.tag {
            s::SERVER_ID => p.server_id = Some(r.parse(&el)?),
            s::CLIENT_ID => p.client_id = Some(r.string(&el)?),
            s::STATUS => p.status = Some(r.parse(&el)?),
            s::CLASS => class = ItemClass::from_name(&r.text(&el)?).or(class),
            s::APPLICATION_DATA => p.data = Some(ApplicationData::read(r, &el, class)?),
            asb::INSTANCE_ID => p.instance_id = Some(r.string(&el)?),
            _ => r.skip(&el)?,
        }
    }
    Ok(p)
}

fn read_server_commands(
    r: &mut Reader<'_>,
    class: Option<ItemClass>,
    out: &mut Vec<ServerCommand>,
) -> Result<(), ProtoError> {
    while let Some(el) = r.child()? {
        let Parts {
            server_id,
            data,
            instance_id,
            ..
        } = read_parts(r, class)?;
        let server_id = server_id.ok_or_else(|| r.missing(&el, s::SERVER_ID))?;
        out.push(match el.tag {
            s::ADD | s::CHANGE => {
                let data = data.ok_or_else(|| r.missing(&el, s::APPLICATION_DATA))?;
                if el.tag == s::ADD {
                    ServerCommand::Add { server_id, data }
                } else {
                    ServerCommand::Change { server_id, data }
                }
            }
            s::DELETE => ServerCommand::Delete {
                server_id,
                instance_id,
            },
            s::SOFT_DELETE => ServerCommand::SoftDelete { server_id },
            _ => continue,
        });
    }
    Ok(())
}

fn read_responses(
    r: &mut Reader<'_>,
    class: Option<ItemClass>,
    out: &mut Vec<ClientCommandResult>,
) -> Result<(), ProtoError> {
    while let Some(el) = r.child()? {
        let Parts {
            server_id,
            client_id,
            status,
            data,
            ..
        } = read_parts(r, class)?;
        let status = status.unwrap_or(SyncStatus::Success);
        let need_server_id = || {
            server_id
                .clone()
                .ok_or_else(|| r.missing(&el, s::SERVER_ID))
        };
        out.push(match el.tag {
            s::ADD => ClientCommandResult::Add {
                client_id: client_id.ok_or_else(|| r.missing(&el, s::CLIENT_ID))?,
                server_id,
                status,
            },
            s::CHANGE => ClientCommandResult::Change {
                server_id: need_server_id()?,
                status,
            },
            s::DELETE => ClientCommandResult::Delete {
                server_id: need_server_id()?,
                status,
            },
            s::FETCH => ClientCommandResult::Fetch {
                server_id: need_server_id()?,
                status,
                data,
            },
            _ => continue,
        });
    }
    Ok(())
}
