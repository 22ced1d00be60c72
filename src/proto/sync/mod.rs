//! Sync (MS-ASCMD 2.2.1.21): synchronizes the items of one or more collections, both ways.

use wbxml::tags::air_sync as s;

mod decode;
mod encode;

use super::classes::{ApplicationData, ItemClass};
use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{
    CollectionId, Command, HeartbeatInterval, ProtoError, ProtocolVersion, ServerId, SyncKey,
    WindowSize,
};
use encode::write_collection;

status_enum! {
    /// Sync `Status` (MS-ASCMD 2.2.3.177.17).
    SyncStatus {
        Success = 1 => "success",
        InvalidSyncKey = 3 => "invalid synchronization key; restart the collection from key 0",
        ProtocolError = 4 => "protocol error in the request",
        ServerError = 5 => "server error; retry",
        ConversionError = 6 => "the item could not be converted between client and server",
        Conflict = 7 => "conflict between client and server versions of the item",
        ObjectNotFound = 8 => "the item was not found",
        OutOfSpace = 9 => "the mailbox is out of space",
        FolderHierarchyChanged = 12 => "the folder hierarchy changed; run FolderSync",
        IncompleteRequest = 13 => "the empty or partial request cannot be completed; send the full request",
        InvalidWaitOrHeartbeat = 14 => "the Wait or HeartbeatInterval value is out of range",
        TooManyCollections = 15 => "too many collections in the request",
        Retry = 16 => "retry the request",
    }
}

status_enum! {
    /// `FilterType` (MS-ASCMD 2.2.3.73.x): how far back items are synchronized.
    FilterType {
        All = 0 => "no filter: all items",
        OneDay = 1 => "one day back",
        ThreeDays = 2 => "three days back",
        OneWeek = 3 => "one week back",
        TwoWeeks = 4 => "two weeks back",
        OneMonth = 5 => "one month back",
        ThreeMonths = 6 => "three months back",
        SixMonths = 7 => "six months back",
        IncompleteTasks = 8 => "incomplete tasks only",
    }
}

impl FilterType {
    /// Whether the spec allows this filter for `class` (MS-ASCMD 2.2.3.73.2: Email 0–5,
    /// Calendar 0 and 4–7, Tasks 0 and 8; other classes only 0).
    pub fn valid_for(self, class: ItemClass) -> bool {
        let code = self.code();
        match class {
            ItemClass::Email | ItemClass::Sms => code <= 5,
            ItemClass::Calendar => code == 0 || (4..=7).contains(&code),
            ItemClass::Tasks => code == 0 || code == 8,
            ItemClass::Contacts | ItemClass::Notes => code == 0,
        }
    }
}

/// `BodyPreference` (MS-ASAIRS 2.2.2.10): which body type to send and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPreference {
    /// 1 plain text, 2 HTML, 3 RTF, 4 MIME.
    pub body_type: u8,
    pub truncation_size: Option<u32>,
    pub all_or_none: Option<bool>,
    /// Characters of preview to send (14.0+), at most 255.
    pub preview: Option<u16>,
}

/// `Options` of a collection (MS-ASCMD 2.2.3.125.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncOptions {
    pub filter_type: Option<FilterType>,
    pub body_preferences: Vec<BodyPreference>,
    /// `Conflict` (2.2.3.34): 0 the client wins, 1 the server wins (the default).
    pub conflict: Option<u8>,
    /// `MIMESupport` (2.2.3.109): 0 never, 1 S/MIME only, 2 always send MIME.
    pub mime_support: Option<u8>,
    /// `MIMETruncation` (2.2.3.110): 0–8.
    pub mime_truncation: Option<u8>,
    pub max_items: Option<u32>,
}

/// A change the client sends (`Commands` of a request collection, MS-ASCMD 2.2.3.32).
#[derive(Debug, Clone, PartialEq)]
pub enum ClientCommand {
    /// A new item; the server answers with its ServerId under the same `client_id`.
    Add {
        client_id: String,
        data: ApplicationData,
    },
    /// Replaces the whole item (fields left out are cleared on the server); on 16.x with
    /// `instance_id`, changes one occurrence of a series (MS-ASAIRS 2.2.2.26 `InstanceId`).
    Change {
        server_id: ServerId,
        instance_id: Option<String>,
        data: ApplicationData,
    },
    /// Deletes the item, or on 16.x one occurrence of a series (`instance_id`).
    Delete {
        server_id: ServerId,
        instance_id: Option<String>,
    },
    /// Asks for one item in full.
    Fetch { server_id: ServerId },
}

/// One collection of a Sync request (MS-ASCMD 2.2.3.29.2).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncCollection {
    pub sync_key: SyncKey,
    pub collection_id: CollectionId,
    /// The class of the collection's items, for typing the response (not sent).
    pub class: Option<ItemClass>,
    pub deletes_as_moves: Option<bool>,
    pub get_changes: Option<bool>,
    pub window_size: Option<WindowSize>,
    pub options: Option<SyncOptions>,
    pub commands: Vec<ClientCommand>,
}

impl SyncCollection {
    /// A collection asking for changes with the given key, everything else default.
    pub fn new(sync_key: SyncKey, collection_id: CollectionId, class: Option<ItemClass>) -> Self {
        Self {
            sync_key,
            collection_id,
            class,
            deletes_as_moves: None,
            get_changes: None,
            window_size: None,
            options: None,
            commands: Vec::new(),
        }
    }
}

/// The Sync request (MS-ASCMD 2.2.1.21).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sync {
    pub collections: Vec<SyncCollection>,
    /// `Wait` in minutes (1–59); not together with `heartbeat_interval`.
    pub wait: Option<u8>,
    pub heartbeat_interval: Option<HeartbeatInterval>,
    /// The window for the whole request.
    pub window_size: Option<WindowSize>,
    /// `Partial`: only the listed collections changed since the cached request.
    pub partial: bool,
}

/// A change the server sends (MS-ASCMD 2.2.3.32 in a response).
#[derive(Debug, Clone, PartialEq)]
pub enum ServerCommand {
    Add {
        server_id: ServerId,
        data: ApplicationData,
    },
    Change {
        server_id: ServerId,
        data: ApplicationData,
    },
    /// The item was deleted on the server; on 16.x, `instance_id` names the one occurrence of a
    /// series that was deleted (`airsyncbase:InstanceId`, MS-ASAIRS 2.2.2.26).
    Delete {
        server_id: ServerId,
        instance_id: Option<String>,
    },
    /// The item left the sync window (FilterType); it was not deleted by the user.
    SoftDelete { server_id: ServerId },
    /// An Add (`change` false) or Change (`change` true) whose `ApplicationData` could not be
    /// typed as the collection's class. One such item does not fail the response: the other
    /// commands and collections decode, and the engine decides what to do with this one (store
    /// it raw, count and report it, advance the key — EAS-4-TbSync #164 shows a client stuck
    /// behind one item it could not take).
    Undecodable {
        server_id: ServerId,
        /// Change (true) or Add (false).
        change: bool,
        /// The `ApplicationData` element as received; a token the decoder could only skip
        /// (a bad ENTITY, an STR_T outside the string table) is kept as U+FFFD.
        data: wbxml::Element<'static>,
        /// Why typing failed.
        error: String,
    },
}

/// The server's answer to one client command (`Responses`, MS-ASCMD 2.2.3.155).
#[derive(Debug, Clone, PartialEq)]
pub enum ClientCommandResult {
    Add {
        client_id: String,
        server_id: Option<ServerId>,
        status: SyncStatus,
    },
    Change {
        server_id: ServerId,
        status: SyncStatus,
    },
    Delete {
        server_id: ServerId,
        status: SyncStatus,
    },
    Fetch {
        server_id: ServerId,
        status: SyncStatus,
        data: Option<ApplicationData>,
    },
}

/// One collection of a Sync response.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionResponse {
    pub class: Option<ItemClass>,
    pub sync_key: Option<SyncKey>,
    pub collection_id: CollectionId,
    pub status: SyncStatus,
    /// More changes wait on the server (MS-ASCMD 2.2.3.106).
    pub more_available: bool,
    pub commands: Vec<ServerCommand>,
    pub responses: Vec<ClientCommandResult>,
}

/// The Sync response. An empty HTTP body means "no changes" and decodes to the default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncResponse {
    /// A status for the whole request (errors such as 4, 13, 14, 15).
    pub status: Option<SyncStatus>,
    /// `Limit` (MS-ASCMD 2.2.3.97): the allowed bound with status 14 or 15.
    pub limit: Option<u32>,
    pub collections: Vec<CollectionResponse>,
}

impl Command for Sync {
    const NAME: &'static str = "Sync";
    const IDEMPOTENT: bool = true;
    type Response = SyncResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(s::SYNC)?;
        w.start(s::COLLECTIONS)?;
        for c in &self.collections {
            write_collection(&mut w, c)?;
        }
        w.end()?;
        w.opt_leaf(s::WAIT, self.wait)?;
        w.opt_leaf(
            s::HEARTBEAT_INTERVAL,
            self.heartbeat_interval.map(|h| h.seconds()),
        )?;
        w.opt_leaf(s::WINDOW_SIZE, self.window_size.map(|n| n.get()))?;
        if self.partial {
            w.empty(s::PARTIAL)?;
        }
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _version: ProtocolVersion) -> Result<SyncResponse, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(s::SYNC)?;
        let mut resp = SyncResponse::default();
        while let Some(el) = r.child()? {
            match el.tag {
                s::STATUS => resp.status = Some(r.parse(&el)?),
                s::LIMIT => resp.limit = Some(r.parse(&el)?),
                s::COLLECTIONS => {
                    while let Some(c) = r.child()? {
                        match c.tag {
                            s::COLLECTION => {
                                resp.collections.push(self.read_collection(&mut r, &c)?)
                            }
                            _ => r.skip(&c)?,
                        }
                    }
                }
                _ => r.skip(&el)?,
            }
        }
        r.finish()?;
        Ok(resp)
    }

    fn empty_response() -> Option<SyncResponse> {
        Some(SyncResponse::default())
    }

    fn empty_allowed(&self) -> bool {
        !self.collections.iter().any(|c| c.sync_key.is_initial())
    }

    fn long_poll(&self) -> Option<std::time::Duration> {
        let secs = match (self.heartbeat_interval, self.wait) {
            (Some(h), _) => u64::from(h.seconds()),
            (None, Some(minutes)) => u64::from(minutes) * 60,
            (None, None) => return None,
        };
        Some(std::time::Duration::from_secs(secs))
    }
}
