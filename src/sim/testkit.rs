//! Test helpers: a client that calls the simulator's handlers directly (no HTTP) with requests
//! encoded, and responses decoded, by easync's own protocol types.

use std::sync::Arc;

use super::mailbox::Kind;
use super::request::Request;
use super::server::{Reply, SyncFaults};
use super::{Profile, Sim, SimConfig, cmd_fetch, cmd_folders, cmd_sync};
use crate::proto::classes::ItemClass;
use crate::proto::foldersync::{FolderSync, FolderSyncResponse};
use crate::proto::sync::{CollectionResponse, ServerCommand, Sync, SyncCollection, SyncResponse};
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

    fn request(&self, command: &str) -> Request {
        Request {
            command: command.into(),
            device_id: self.device.clone(),
            version: self.version.as_str().into(),
            policy_key: None,
            uri: String::new(),
            host: String::new(),
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

    fn sync_request(&self, collections: &[(&str, &str)], window: u16) -> Sync {
        Sync {
            collections: collections
                .iter()
                .map(|&(id, key)| {
                    let mut c = SyncCollection::new(
                        key.parse().expect("a key"),
                        id.parse().expect("an id"),
                        self.class(id),
                    );
                    c.window_size = Some(WindowSize::new(window).expect("1 to 512"));
                    c
                })
                .collect(),
            ..Sync::default()
        }
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
