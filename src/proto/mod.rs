//! The EAS protocol layer: typed requests and responses for every command easync speaks, over
//! the `wbxml` crate. One file per command (MS-ASCMD section 2.2.1.x), each implementing
//! [`Command`]; the classes of `ApplicationData` live in [`classes`].
//!
//! This layer does no I/O and knows no HTTP: it turns values into request bodies and response
//! bodies into values. Per-command statuses are values the engine acts on.

pub mod charset;
pub mod classes;
pub mod compose;
pub mod error;
pub mod find;
pub mod folders;
pub mod foldersync;
pub mod getitemestimate;
pub mod itemoperations;
pub mod meetingresponse;
pub mod moveitems;
pub mod ping;
pub mod provision;
pub mod read;
pub mod resolverecipients;
pub mod search;
pub mod settings;
pub mod status;
pub mod sync;
pub mod types;
pub mod write;

pub use error::ProtoError;
pub use status::CommonStatus;
pub use types::{
    CollectionId, DeviceId, HeartbeatInterval, PolicyKey, ProtocolVersion, ServerId, SyncKey,
    WindowSize,
};

/// One EAS command: its name in the request URL, its request encoding and its response
/// decoding.
pub trait Command {
    /// The `Cmd=` value of the request URL (MS-ASHTTP 2.2.1.1.1.1.2).
    const NAME: &'static str;
    /// Whether a request whose outcome is unknown (timeout, 5xx) may be sent again without
    /// risk: false for commands that change server state (SendMail, MoveItems, Folder*, …).
    const IDEMPOTENT: bool;
    /// The decoded response.
    type Response;

    /// The request body.
    fn encode(&self, version: ProtocolVersion) -> Result<Vec<u8>, ProtoError>;

    /// Decodes a non-empty response body. The request is at hand because some responses are
    /// typed by it (the class of a Sync collection's items).
    fn decode(&self, body: &[u8], version: ProtocolVersion) -> Result<Self::Response, ProtoError>;

    /// What an empty response body means, for the commands where it is allowed (Sync and
    /// Ping: "no changes", MS-ASCMD 2.2.1.21.1.1); `None` means an empty body is an error.
    fn empty_response() -> Option<Self::Response> {
        None
    }

    /// Whether this request may be answered with an empty body: when [`empty_response`]
    /// says what one means, unless the request rules it out (a Sync from SyncKey 0 must get
    /// its new key, MS-ASCMD 2.2.3.177.3: an empty answer is Exchange's quarantine).
    ///
    /// [`empty_response`]: Self::empty_response
    fn empty_allowed(&self) -> bool {
        Self::empty_response().is_some()
    }

    /// How long the server may legitimately hold the request: the heartbeat of a long poll
    /// (Ping, Sync with `HeartbeatInterval` or `Wait`). The HTTP layer waits this plus a margin.
    fn long_poll(&self) -> Option<std::time::Duration> {
        None
    }

    /// Whether to ask for the multipart response form (`MS-ASAcceptMultiPart: T`, MS-ASHTTP
    /// 2.2.1.1.2.5); only ItemOperations uses it.
    fn accept_multipart(&self) -> bool {
        false
    }
}
