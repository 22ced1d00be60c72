//! FolderSync against the SOGo conversation (fixtures/sogo/captures) and error shapes.

mod common;

use common::capture;

use easync::proto::foldersync::{
    FolderChange, FolderSync, FolderSyncResponse, FolderSyncStatus, FolderType,
};
use easync::proto::{Command, ProtoError, ProtocolVersion, SyncKey};

const V: ProtocolVersion = ProtocolVersion::V14_1;

static REQ: std::sync::LazyLock<FolderSync> = std::sync::LazyLock::new(|| FolderSync {
    sync_key: SyncKey::initial(),
});

#[test]
fn request_encodes_to_the_captured_bytes() {
    let req = FolderSync {
        sync_key: SyncKey::initial(),
    };
    assert_eq!(req.encode(V).unwrap(), capture("05-foldersync-0.req.wbxml"));
}

#[test]
fn initial_response_lists_every_seeded_folder() {
    let resp: FolderSyncResponse = REQ
        .decode(&capture("05-foldersync-0.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp.status, FolderSyncStatus::Success);
    assert_eq!(resp.sync_key.unwrap().as_str(), "vm_712a_30b99d42_3");
    assert_eq!(resp.count, Some(12));
    let folders: Vec<_> = resp
        .changes
        .iter()
        .map(|c| match c {
            FolderChange::Add(f) => (f.display_name.as_str(), f.folder_type, f.parent_id.as_str()),
            other => panic!("only adds expected, got {other:?}"),
        })
        .collect();
    assert_eq!(folders.len(), 12);
    assert_eq!(folders[0], ("INBOX", FolderType::Inbox, "0"));
    assert_eq!(folders[1], ("Drafts", FolderType::Drafts, "0"));
    assert_eq!(folders[2], ("Sent", FolderType::SentItems, "0"));
    assert_eq!(folders[3], ("Trash", FolderType::DeletedItems, "0"));
    assert_eq!(folders[4], ("Junk", FolderType::UserMail, "0"));
    assert_eq!(folders[9], ("Personal Calendar", FolderType::Calendar, "0"));
    assert_eq!(folders[10], ("Personal Calendar", FolderType::Tasks, "0"));
    assert_eq!(
        folders[11],
        ("Personal Address Book", FolderType::Contacts, "0")
    );
    // Alpha is a subfolder of Projects.
    let (projects, alpha) = match (&resp.changes[7], &resp.changes[8]) {
        (FolderChange::Add(p), FolderChange::Add(a)) => (p, a),
        _ => unreachable!(),
    };
    assert_eq!(alpha.parent_id, projects.server_id);
}

#[test]
fn second_foldersync_has_no_changes() {
    let resp = REQ
        .decode(&capture("06-foldersync-again.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp.status, FolderSyncStatus::Success);
    assert!(resp.changes.is_empty(), "{:?}", resp.changes);
}

#[test]
fn status_without_key_and_unknown_codes() {
    // <FolderSync><Status>9</Status></FolderSync>
    let body = [
        0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x4C, 0x03, b'9', 0x00, 0x01, 0x01,
    ];
    let resp = REQ.decode(&body, V).unwrap();
    assert_eq!(resp.status, FolderSyncStatus::InvalidSyncKey);
    assert_eq!(resp.sync_key, None);
    let mut other = body;
    other[9] = b'7';
    assert_eq!(
        REQ.decode(&other, V).unwrap().status,
        FolderSyncStatus::Unknown(7)
    );
}

#[test]
fn malformed_responses_say_what_is_wrong() {
    // No Status.
    let body = [
        0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'1', 0x00, 0x01, 0x01,
    ];
    let err = REQ.decode(&body, V).unwrap_err();
    assert!(matches!(err, ProtoError::Missing { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "FolderSync response: <FolderHierarchy:FolderSync> at byte 6 lacks the required <FolderHierarchy:Status>"
    );
    // Wrong root (an AirSync Sync).
    let sync = [0x03, 0x01, 0x6A, 0x00, 0x05];
    assert!(matches!(
        REQ.decode(&sync, V),
        Err(ProtoError::UnexpectedRoot { .. })
    ));
    // Status that is not a number.
    let bad = [
        0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x4C, 0x03, b'x', 0x00, 0x01, 0x01,
    ];
    let err = REQ.decode(&bad, V).unwrap_err();
    assert!(
        err.to_string()
            .contains("<FolderHierarchy:Status> at byte 7 has the invalid value \"x\""),
        "{err}"
    );
    // Truncated.
    assert!(matches!(
        REQ.decode(&body[..9], V),
        Err(ProtoError::Wbxml { .. })
    ));
}
