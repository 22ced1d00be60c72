//! Test helpers: a client that calls the simulator's handlers directly (no HTTP) with requests
//! encoded, and responses decoded, by easync's own protocol types; [`Client::post`] goes
//! through the whole request handler (credentials, faults) instead.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use base64::Engine as _;

use super::mailbox::Kind;
use super::request::Request;
use super::server::{Reply, SyncFaults};
use super::{
    Profile, Sim, SimConfig, cmd_compose, cmd_fetch, cmd_folders, cmd_meeting, cmd_move, cmd_sync,
    server,
};
use crate::proto::classes::ItemClass;
use crate::proto::foldersync::{FolderSync, FolderSyncResponse};
use crate::proto::moveitems::{Move, MoveItems, MoveResult};
use crate::proto::sync::{
    ClientCommand, CollectionResponse, ServerCommand, Sync, SyncCollection, SyncResponse,
};
use crate::proto::{Command, ProtocolVersion, WindowSize};

/// A small mailbox (96 mails in the Inbox) without provisioning, showing `profile`.
pub fn sim(profile: Profile) -> Arc<Sim> {
    Sim::new(SimConfig {
        emails: 120,
        contacts: 20,
        events: 30,
        tasks: 10,
        require_provisioning: false,
        profile,
        ..SimConfig::default()
    })
}

/// One device speaking one version.
pub struct Client {
    pub sim: Arc<Sim>,
    pub version: ProtocolVersion,
    pub device: String,
}

/// What one collection answered (`None`: an empty response).
pub type Answer = Option<CollectionResponse>;

impl Client {
    pub fn new(sim: &Arc<Sim>, version: ProtocolVersion) -> Self {
        Self {
            sim: sim.clone(),
            version,
            device: "TestDevice1".into(),
        }
    }

    /// The same client as another device.
    pub fn as_device(&self, device: &str) -> Self {
        Self {
            sim: self.sim.clone(),
            version: self.version,
            device: device.into(),
        }
    }

    fn request(&self, command: &str) -> Request {
        Request {
            command: command.into(),
            device_id: self.device.clone(),
            version: self.version.as_str().into(),
            policy_key: None,
            uri: String::new(),
            host: String::new(),
            user_agent: String::new(),
        }
    }

    fn class(&self, id: &str) -> Option<ItemClass> {
        let kind = self.sim.mailbox().folder(id).map(|f| f.kind);
        kind.map(|k| match k {
            Kind::Mail => ItemClass::Email,
            Kind::Contacts => ItemClass::Contacts,
            Kind::Calendar => ItemClass::Calendar,
            Kind::Tasks => ItemClass::Tasks,
            Kind::Notes => ItemClass::Notes,
        })
    }

    /// A collection of a Sync request, typed by the folder's class.
    pub fn collection(&self, id: &str, key: &str, window: u16) -> SyncCollection {
        let mut c = SyncCollection::new(
            key.parse().expect("a key"),
            id.parse().expect("an id"),
            self.class(id),
        );
        c.window_size = Some(WindowSize::new(window).expect("1 to 512"));
        c
    }

    fn sync_request(&self, collections: &[(&str, &str)], window: u16) -> Sync {
        Sync {
            collections: collections
                .iter()
                .map(|&(id, key)| self.collection(id, key, window))
                .collect(),
            ..Sync::default()
        }
    }

    /// A Sync of these collections (with their commands and options), decoded.
    pub fn sync_with(&self, collections: Vec<SyncCollection>) -> SyncResponse {
        let request = Sync {
            collections,
            ..Sync::default()
        };
        let body = request.encode(self.version).expect("encodes");
        match cmd_sync::handle(
            &self.sim,
            &self.request("Sync"),
            &body,
            SyncFaults::default(),
        ) {
            Reply::Wbxml(bytes) => request.decode(&bytes, self.version).expect("decodes"),
            Reply::Empty => SyncResponse::default(),
            other => panic!("Sync answered {other:?}"),
        }
    }

    /// Sends client commands to one collection at `key`; its answer (`None`: an empty body).
    pub fn send(&self, id: &str, key: &str, commands: Vec<ClientCommand>) -> Answer {
        let mut c = self.collection(id, key, 100);
        c.commands = commands;
        self.sync_with(vec![c]).collections.into_iter().next()
    }

    /// A Sync with an empty body (the last request repeated).
    pub fn sync_empty(&self) -> Reply {
        cmd_sync::handle(&self.sim, &self.request("Sync"), &[], SyncFaults::default())
    }

    /// MoveItems of `(item, source folder, destination folder)` triples, decoded.
    pub fn move_items(&self, moves: &[(&str, &str, &str)]) -> Vec<MoveResult> {
        let request = MoveItems {
            moves: moves
                .iter()
                .map(|&(item, src, dst)| Move {
                    src_msg_id: item.parse().expect("a server id"),
                    src_fld_id: src.parse().expect("an id"),
                    dst_fld_id: dst.parse().expect("an id"),
                })
                .collect(),
        };
        let body = request.encode(self.version).expect("encodes");
        let reply = cmd_move::handle(
            &self.sim,
            &self.request("MoveItems"),
            &body,
            SyncFaults::default(),
        );
        match reply {
            Reply::Wbxml(bytes) => request.decode(&bytes, self.version).expect("decodes"),
            other => panic!("MoveItems answered {other:?}"),
        }
    }

    /// A request through the whole HTTP handler (credentials, armed faults): the HTTP status
    /// and body.
    pub fn post(&self, command: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
        let uri: Uri = format!(
            "/Microsoft-Server-ActiveSync?Cmd={command}&User=demo&DeviceId={}&DeviceType=Test",
            self.device
        )
        .parse()
        .expect("a URI");
        let mut headers = HeaderMap::new();
        let auth = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.sim.config.user, self.sim.config.password
        ));
        let h = |v: String| v.parse().expect("a header value");
        headers.insert("Authorization", h(format!("Basic {auth}")));
        headers.insert("MS-ASProtocolVersion", h(self.version.as_str().into()));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async {
            let sim = self.sim.clone();
            let r = server::handle(sim, Method::POST, uri, headers, Bytes::from(body)).await;
            let status = r.status().as_u16();
            let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .expect("a body");
            (status, bytes.to_vec())
        })
    }

    /// The raw answer to a Sync of `(collection id, key)` pairs: `None` for an empty body.
    pub fn sync_bytes(&self, collections: &[(&str, &str)], window: u16) -> Option<Vec<u8>> {
        let body = self
            .sync_request(collections, window)
            .encode(self.version)
            .expect("encodes");
        match cmd_sync::handle(
            &self.sim,
            &self.request("Sync"),
            &body,
            SyncFaults::default(),
        ) {
            Reply::Wbxml(bytes) => Some(bytes),
            Reply::Empty => None,
            other => panic!("Sync answered {other:?}"),
        }
    }

    /// A Sync of `(collection id, key)` pairs, decoded.
    pub fn sync(&self, collections: &[(&str, &str)], window: u16) -> SyncResponse {
        let request = self.sync_request(collections, window);
        match self.sync_bytes(collections, window) {
            Some(bytes) => request.decode(&bytes, self.version).expect("decodes"),
            None => SyncResponse::default(),
        }
    }

    /// A Sync of one collection.
    pub fn sync_one(&self, id: &str, key: &str, window: u16) -> Answer {
        self.sync(&[(id, key)], window)
            .collections
            .into_iter()
            .next()
    }

    /// Syncs a collection from key 0 to its end; the last key.
    pub fn prime(&self, id: &str) -> String {
        let mut key = self.sync_one(id, "0", 512).expect("an answer").sync_key;
        loop {
            let at = key.clone().expect("a key").as_str().to_string();
            match self.sync_one(id, &at, 512) {
                None => return at,
                Some(c) => {
                    key = c.sync_key;
                    if !c.more_available {
                        return key.expect("a key").as_str().to_string();
                    }
                }
            }
        }
    }

    /// A FolderSync from `key`, decoded.
    pub fn folder_sync(&self, key: &str) -> FolderSyncResponse {
        let request = FolderSync {
            sync_key: key.parse().expect("a key"),
        };
        let body = request.encode(self.version).expect("encodes");
        match cmd_folders::folder_sync(&self.sim, &self.request("FolderSync"), &body) {
            Reply::Wbxml(bytes) => request.decode(&bytes, self.version).expect("decodes"),
            Reply::Status(code) => FolderSyncResponse {
                status: crate::proto::foldersync::FolderSyncStatus::from_code(code),
                sync_key: None,
                count: None,
                changes: Vec::new(),
            },
            other => panic!("FolderSync answered {other:?}"),
        }
    }
}

impl Client {
    /// The raw answer to an ItemOperations Fetch of an item's whole MIME message.
    pub fn fetch_mime(&self, collection: &str, server_id: &str) -> Vec<u8> {
        use crate::proto::itemoperations::{Fetch, ItemOperations};
        let request = ItemOperations {
            fetches: vec![Fetch::mime(
                collection.parse().expect("an id"),
                server_id.parse().expect("a server id"),
            )],
            multipart: false,
        };
        let body = request.encode(self.version).expect("encodes");
        match cmd_fetch::item_operations(&self.sim, &self.request("ItemOperations"), &body) {
            Reply::Wbxml(bytes) => bytes,
            other => panic!("ItemOperations answered {other:?}"),
        }
    }
}

impl Client {
    /// A SendMail, SmartReply or SmartForward request body through its handler.
    pub fn compose(&self, command: &str, body: &[u8]) -> Reply {
        let req = self.request(command);
        cmd_compose::handle(&self.sim, &req, body, SyncFaults::default())
    }

    /// A SendMail of `mime` with `client_id` (saved in Sent Items when `save`).
    pub fn send_mail(&self, client_id: &str, mime: &[u8], save: bool) -> Reply {
        use crate::proto::compose::{Message, SendMail};
        let m = SendMail(Message {
            client_id: client_id.into(),
            save_in_sent_items: save,
            mime: mime.to_vec(),
            ..Message::default()
        });
        self.compose("SendMail", &m.encode(self.version).expect("encodes"))
    }

    /// A MeetingResponse of `requests`, decoded.
    pub fn meeting_response(
        &self,
        requests: Vec<crate::proto::meetingresponse::Request>,
    ) -> Vec<crate::proto::meetingresponse::MeetingResult> {
        let request = crate::proto::meetingresponse::MeetingResponse { requests };
        let body = request.encode(self.version).expect("encodes");
        let req = self.request("MeetingResponse");
        match cmd_meeting::handle(&self.sim, &req, &body, SyncFaults::default()) {
            Reply::Wbxml(bytes) => request.decode(&bytes, self.version).expect("decodes"),
            other => panic!("MeetingResponse answered {other:?}"),
        }
    }
}

/// The server id a command names.
pub fn server_id(c: &ServerCommand) -> String {
    match c {
        ServerCommand::Add { server_id, .. }
        | ServerCommand::Change { server_id, .. }
        | ServerCommand::Delete { server_id, .. }
        | ServerCommand::SoftDelete { server_id }
        | ServerCommand::Undecodable { server_id, .. } => server_id.to_string(),
    }
}

/// `("Add", "inbox:3")`-style pairs, in order.
pub fn ops(c: &CollectionResponse) -> Vec<(&'static str, String)> {
    c.commands
        .iter()
        .map(|cmd| {
            let op = match cmd {
                ServerCommand::Add { .. } => "Add",
                ServerCommand::Change { .. } => "Change",
                ServerCommand::Delete { .. } => "Delete",
                ServerCommand::SoftDelete { .. } => "SoftDelete",
                ServerCommand::Undecodable { .. } => "Undecodable",
            };
            (op, server_id(cmd))
        })
        .collect()
}
