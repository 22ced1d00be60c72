//! FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD 2.2.1.3, 2.2.1.6, 2.2.1.4): change the folder
//! hierarchy. None of them is idempotent: a lost answer is resolved by a FolderSync, never by
//! sending the command again.

use wbxml::tags::folder_hierarchy as fh;

use super::foldersync::FolderType;
use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, SyncKey};

status_enum! {
    /// `Status` of FolderCreate, FolderDelete and FolderUpdate (MS-ASCMD 2.2.3.177.3, .4, .6).
    FolderStatus {
        Success = 1 => "success",
        AlreadyExists = 2 => "a folder with that name already exists, or the folder is a special folder",
        SpecialFolder = 3 => "the folder (or the parent) is a special system folder such as Recipient information",
        NotFound = 4 => "the folder does not exist",
        ParentNotFound = 5 => "the parent folder was not found",
        ServerError = 6 => "server error",
        InvalidSyncKey = 9 => "the folder synchronization key is invalid; FolderSync from key 0",
        BadRequest = 10 => "the request was malformed",
        UnknownError = 11 => "an unknown error occurred",
        CodeUnknown = 12 => "an unusual back-end issue occurred",
    }
}

/// The answer to all three commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderResponse {
    pub status: FolderStatus,
    /// The new hierarchy key.
    pub sync_key: Option<SyncKey>,
    /// FolderCreate: the new folder's id.
    pub server_id: Option<CollectionId>,
}

/// Creates a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderCreate {
    pub sync_key: SyncKey,
    /// `"0"` for the top level.
    pub parent_id: CollectionId,
    pub display_name: String,
    pub folder_type: FolderType,
}

/// Renames or moves a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderUpdate {
    pub sync_key: SyncKey,
    pub server_id: CollectionId,
    pub parent_id: CollectionId,
    pub display_name: String,
}

/// Deletes a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderDelete {
    pub sync_key: SyncKey,
    pub server_id: CollectionId,
}

fn decode(
    command: &'static str,
    root: wbxml::Tag,
    body: &[u8],
) -> Result<FolderResponse, ProtoError> {
    let mut r = Reader::new(command, body)?;
    let start = r.root(root)?;
    let (mut status, mut sync_key, mut server_id) = (None, None, None);
    while let Some(el) = r.child()? {
        match el.tag {
            fh::STATUS => status = Some(r.parse(&el)?),
            fh::SYNC_KEY => sync_key = Some(r.parse(&el)?),
            fh::SERVER_ID => server_id = Some(r.parse(&el)?),
            _ => r.skip(&el)?,
        }
    }
    let status = status.ok_or_else(|| r.missing(&start, fh::STATUS))?;
    r.finish()?;
    Ok(FolderResponse {
        status,
        sync_key,
        server_id,
    })
}

impl Command for FolderCreate {
    const NAME: &'static str = "FolderCreate";
    const IDEMPOTENT: bool = false;
    type Response = FolderResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(fh::FOLDER_CREATE)?;
        w.leaf(fh::SYNC_KEY, self.sync_key.as_str())?;
        w.leaf(fh::PARENT_ID, self.parent_id.as_str())?;
        w.leaf(fh::DISPLAY_NAME, &self.display_name)?;
        w.leaf(fh::TYPE, &self.folder_type.code().to_string())?;
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<FolderResponse, ProtoError> {
        decode(Self::NAME, fh::FOLDER_CREATE, body)
    }
}

impl Command for FolderUpdate {
    const NAME: &'static str = "FolderUpdate";
    const IDEMPOTENT: bool = false;
    type Response = FolderResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(fh::FOLDER_UPDATE)?;
        w.leaf(fh::SYNC_KEY, self.sync_key.as_str())?;
        w.leaf(fh::SERVER_ID, self.server_id.as_str())?;
        w.leaf(fh::PARENT_ID, self.parent_id.as_str())?;
        w.leaf(fh::DISPLAY_NAME, &self.display_name)?;
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<FolderResponse, ProtoError> {
        decode(Self::NAME, fh::FOLDER_UPDATE, body)
    }
}

impl Command for FolderDelete {
    const NAME: &'static str = "FolderDelete";
    const IDEMPOTENT: bool = false;
    type Response = FolderResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(fh::FOLDER_DELETE)?;
        w.leaf(fh::SYNC_KEY, self.sync_key.as_str())?;
        w.leaf(fh::SERVER_ID, self.server_id.as_str())?;
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<FolderResponse, ProtoError> {
        decode(Self::NAME, fh::FOLDER_DELETE, body)
    }
}
