//! Decoding of Sync responses (MS-ASCMD 2.2.1.21.3): collections, server commands, and the
//! results of the client's commands, typed by each collection's class.

use wbxml::tags::{air_sync as s, air_sync_base as asb};
use wbxml::{Element, StartTag};

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

/// The `ApplicationData` of a command: typed, or kept as received when it cannot be.
enum Data {
    Typed(ApplicationData),
    Undecodable {
        data: Element<'static>,
        error: ProtoError,
    },
}

impl Data {
    /// Reads `ApplicationData` (just opened) as `class`. When typing fails, the reader goes back
    /// to the element's start and keeps it whole instead, so the rest of the response reads on;
    /// only when the element cannot even be kept (the WBXML itself is broken) is it an error.
    fn read(
        r: &mut Reader<'_>,
        start: &StartTag,
        class: Option<ItemClass>,
    ) -> Result<Self, ProtoError> {
        let at = r.checkpoint();
        let error = match ApplicationData::read(r, start, class) {
            Ok(data) => return Ok(Self::Typed(data)),
            Err(error) => error,
        };
        r.rewind(at);
        match r.capture_lossy(start) {
            Ok(data) => Ok(Self::Undecodable { data, error }),
            Err(_) => Err(error),
        }
    }

    /// The typed data, where an untyped one is an error (the results of client commands).
    fn typed(self) -> Result<ApplicationData, ProtoError> {
        match self {
            Self::Typed(data) => Ok(data),
            Self::Undecodable { error, .. } => Err(error),
        }
    }
}

/// The parts of an `Add`/`Change`/`Delete`/`Fetch` element in either direction.
#[derive(Default)]
struct Parts {
    server_id: Option<ServerId>,
    client_id: Option<String>,
    status: Option<SyncStatus>,
    data: Option<Data>,
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
            s::APPLICATION_DATA => p.data = Some(Data::read(r, &el, class)?),
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
                let change = el.tag == s::CHANGE;
                match data.ok_or_else(|| r.missing(&el, s::APPLICATION_DATA))? {
                    Data::Typed(data) if change => ServerCommand::Change { server_id, data },
                    Data::Typed(data) => ServerCommand::Add { server_id, data },
                    Data::Undecodable { data, error } => ServerCommand::Undecodable {
                        server_id,
                        change,
                        data,
                        error: error.to_string(),
                    },
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
                data: data.map(Data::typed).transpose()?,
            },
            _ => continue,
        });
    }
    Ok(())
}
