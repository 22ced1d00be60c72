//! FolderSync (MS-ASCMD 2.2.1.5): synchronizes the folder hierarchy.

use wbxml::tags::folder_hierarchy as fh;

use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, SyncKey};

status_enum! {
    /// FolderSync `Status` (MS-ASCMD 2.2.3.177.5).
    FolderSyncStatus {
        Success = 1 => "success",
        ServerError = 6 => "an error occurred on the server; retry",
        InvalidSyncKey = 9 => "the synchronization key is invalid or out of date; FolderSync from key 0",
        BadRequest = 10 => "the request was malformed",
        UnknownError = 11 => "an unknown error occurred; retry",
        CodeUnknown = 12 => "an unusual back-end issue occurred",
    }
}

status_enum! {
    /// A folder's `Type` (MS-ASCMD 2.2.3.186.3).
    FolderType {
        Generic = 1 => "user-created folder (generic)",
        Inbox = 2 => "default Inbox",
        Drafts = 3 => "default Drafts",
        DeletedItems = 4 => "default Deleted Items",
        SentItems = 5 => "default Sent Items",
        Outbox = 6 => "default Outbox",
        Tasks = 7 => "default Tasks",
        Calendar = 8 => "default Calendar",
        Contacts = 9 => "default Contacts",
        Notes = 10 => "default Notes",
        Journal = 11 => "default Journal",
        UserMail = 12 => "user-created mail folder",
        UserCalendar = 13 => "user-created calendar",
        UserContacts = 14 => "user-created contacts folder",
        UserTasks = 15 => "user-created tasks folder",
        UserJournal = 16 => "user-created journal",
        UserNotes = 17 => "user-created notes folder",
        UnknownType = 18 => "unknown folder type",
        RecipientInformationCache = 19 => "recipient information cache",
    }
}

/// The FolderSync request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderSync {
    /// The key of the last FolderSync, or `"0"` for the whole hierarchy.
    pub sync_key: SyncKey,
}

/// A folder as FolderSync describes it (`Add` and `Update`, MS-ASCMD 2.2.3.7.1, 2.2.3.190).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub server_id: CollectionId,
    /// The parent folder's id; `"0"` for a top-level folder.
    pub parent_id: CollectionId,
    pub display_name: String,
    pub folder_type: FolderType,
}

/// One change to the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderChange {
    Add(Folder),
    Update(Folder),
    Delete(CollectionId),
}

/// The FolderSync response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderSyncResponse {
    pub status: FolderSyncStatus,
    /// The new key; absent when the status is an error.
    pub sync_key: Option<SyncKey>,
    /// The `Count` the server announced, if any.
    pub count: Option<u32>,
    pub changes: Vec<FolderChange>,
}

impl Command for FolderSync {
    const NAME: &'static str = "FolderSync";
    const IDEMPOTENT: bool = true;
    type Response = FolderSyncResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(fh::FOLDER_SYNC)?;
        w.leaf(fh::SYNC_KEY, self.sync_key.as_str())?;
        w.end()?;
        w.finish()
    }

    fn decode(
        &self,
        body: &[u8],
        _version: ProtocolVersion,
    ) -> Result<FolderSyncResponse, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        let root = r.root(fh::FOLDER_SYNC)?;
        let mut resp = FolderSyncResponse {
            status: FolderSyncStatus::Unknown(0),
            sync_key: None,
            count: None,
            changes: Vec::new(),
        };
        let mut has_status = false;
        while let Some(el) = r.child()? {
            match el.tag {
                fh::STATUS => {
                    resp.status = r.parse(&el)?;
                    has_status = true;
                }
                fh::SYNC_KEY => resp.sync_key = Some(r.parse(&el)?),
                fh::CHANGES => read_changes(&mut r, &mut resp)?,
                _ => r.skip(&el)?,
            }
        }
        if !has_status {
            return Err(r.missing(&root, fh::STATUS));
        }
        r.finish()?;
        Ok(resp)
    }
}

fn read_changes(r: &mut Reader<'_>, resp: &mut FolderSyncResponse) -> Result<(), ProtoError> {
    while let Some(el) = r.child()? {
        match el.tag {
            fh::COUNT => resp.count = Some(r.parse(&el)?),
            fh::ADD => resp.changes.push(FolderChange::Add(read_folder(r, &el)?)),
            fh::UPDATE => resp
                .changes
                .push(FolderChange::Update(read_folder(r, &el)?)),
            fh::DELETE => {
                let mut id = None;
                while let Some(c) = r.child()? {
                    match c.tag {
                        fh::SERVER_ID => id = Some(r.parse(&c)?),
                        _ => r.skip(&c)?,
                    }
                }
                let id = id.ok_or_else(|| r.missing(&el, fh::SERVER_ID))?;
                resp.changes.push(FolderChange::Delete(id));
            }
            _ => r.skip(&el)?,
        }
    }
    Ok(())
}

fn read_folder(r: &mut Reader<'_>, parent: &wbxml::StartTag) -> Result<Folder, ProtoError> {
    let (mut server_id, mut parent_id, mut name, mut folder_type) = (None, None, None, None);
    while let Some(c) = r.child()? {
        match c.tag {
            fh::SERVER_ID => server_id = Some(r.parse(&c)?),
            fh::PARENT_ID => parent_id = Some(r.parse(&c)?),
            fh::DISPLAY_NAME => name = Some(r.string(&c)?),
            fh::TYPE => folder_type = Some(r.parse(&c)?),
            _ => r.skip(&c)?,
        }
    }
    Ok(Folder {
        server_id: server_id.ok_or_else(|| r.missing(parent, fh::SERVER_ID))?,
        parent_id: parent_id.ok_or_else(|| r.missing(parent, fh::PARENT_ID))?,
        display_name: name.ok_or_else(|| r.missing(parent, fh::DISPLAY_NAME))?,
        folder_type: folder_type.ok_or_else(|| r.missing(parent, fh::TYPE))?,
    })
}
