//! Ping (MS-ASCMD 2.2.1.13): the long poll that returns when folders change.

use wbxml::tags::ping as p;

use super::classes::ItemClass;
use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, HeartbeatInterval, ProtoError, ProtocolVersion};

status_enum! {
    /// Ping `Status` (MS-ASCMD 2.2.3.177.11).
    PingStatus {
        NoChanges = 1 => "the heartbeat expired without changes",
        Changes = 2 => "changes occurred in the listed folders",
        MissingParameters = 3 => "the request lacks the heartbeat or folders; send them in full",
        SyntaxError = 4 => "the request is malformed (a duplicate folder, for example)",
        InvalidHeartbeat = 5 => "the heartbeat is out of range; HeartbeatInterval carries the limit",
        TooManyFolders = 6 => "too many folders; MaxFolders carries the limit",
        FolderSyncRequired = 7 => "the folder hierarchy changed; run FolderSync",
        ServerError = 8 => "server error; back off and retry",
    }
}

/// A folder to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingFolder {
    pub id: CollectionId,
    pub class: ItemClass,
}

/// The Ping request. Heartbeat and folders may be omitted after the first Ping: the server
/// reuses the cached ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ping {
    pub heartbeat_interval: Option<HeartbeatInterval>,
    pub folders: Vec<PingFolder>,
}

/// The Ping response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingResponse {
    pub status: PingStatus,
    /// With status 2: the folders that changed.
    pub changed: Vec<CollectionId>,
    /// With status 6: the most folders the server watches.
    pub max_folders: Option<u32>,
    /// With status 5: the server's minimum or maximum heartbeat, in seconds.
    pub heartbeat_interval: Option<u32>,
}

impl Command for Ping {
    const NAME: &'static str = "Ping";
    const IDEMPOTENT: bool = true;
    type Response = PingResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(p::PING)?;
        w.opt_leaf(
            p::HEARTBEAT_INTERVAL,
            self.heartbeat_interval.map(|h| h.seconds()),
        )?;
        if !self.folders.is_empty() {
            w.start(p::FOLDERS)?;
            for f in &self.folders {
                w.start(p::FOLDER)?;
                w.leaf(p::ID, f.id.as_str())?;
                w.leaf(p::CLASS, f.class.as_str())?;
                w.end()?;
            }
            w.end()?;
        }
        w.end()?;
        w.finish()
    }

    /// An empty answer is read as a heartbeat that expired without changes.
    fn empty_response() -> Option<PingResponse> {
        Some(PingResponse {
            status: PingStatus::NoChanges,
            changed: Vec::new(),
            max_folders: None,
            heartbeat_interval: None,
        })
    }

    fn long_poll(&self) -> Option<std::time::Duration> {
        // Without a heartbeat the server reuses the cached one, at most 3540 s.
        let secs = self
            .heartbeat_interval
            .map_or(HeartbeatInterval::MAX, |h| h.seconds());
        Some(std::time::Duration::from_secs(secs.into()))
    }

    fn decode(&self, body: &[u8], _version: ProtocolVersion) -> Result<PingResponse, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        let root = r.root(p::PING)?;
        let (mut status, mut changed, mut max_folders, mut heartbeat) = (None, vec![], None, None);
        while let Some(el) = r.child()? {
            match el.tag {
                p::STATUS => status = Some(r.parse(&el)?),
                p::FOLDERS => {
                    while let Some(f) = r.child()? {
                        match f.tag {
                            p::FOLDER => changed.push(r.parse(&f)?),
                            _ => r.skip(&f)?,
                        }
                    }
                }
                p::MAX_FOLDERS => max_folders = Some(r.parse(&el)?),
                p::HEARTBEAT_INTERVAL => heartbeat = Some(r.parse(&el)?),
                _ => r.skip(&el)?,
            }
        }
        let status = status.ok_or_else(|| r.missing(&root, p::STATUS))?;
        r.finish()?;
        Ok(PingResponse {
            status,
            changed,
            max_folders,
            heartbeat_interval: heartbeat,
        })
    }
}
