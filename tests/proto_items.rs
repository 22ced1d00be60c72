//! ItemOperations, MoveItems and the folder commands against the SOGo conversation.

mod common;

use common::capture;

use easync::proto::classes::ApplicationData;
use easync::proto::folders::{FolderCreate, FolderDelete, FolderStatus, FolderUpdate};
use easync::proto::foldersync::FolderType;
use easync::proto::itemoperations::{Fetch, ItemOperations, ItemOperationsStatus};
use easync::proto::moveitems::{Move, MoveItems, MoveStatus};
use easync::proto::{CollectionId, Command, ProtocolVersion, ServerId, SyncKey};

const V: ProtocolVersion = ProtocolVersion::V14_1;
const INBOX: &str = "mail%2Ff54c6512c265096b6471000083ecc375";
const ARCHIVE: &str = "mail%2F68077115c265096b6471000083ecc375";
const NEW_FOLDER: &str = "mail%2F616a223bda65096b7174000083ecc375";

fn id(s: &str) -> CollectionId {
    CollectionId::try_from(s).unwrap()
}

fn key(s: &str) -> SyncKey {
    SyncKey::try_from(s).unwrap()
}

#[test]
fn fetch_mime_of_an_email() {
    let req = ItemOperations {
        fetches: vec![Fetch::mime(id(INBOX), ServerId::try_from("1").unwrap())],
        multipart: false,
    };
    assert_eq!(
        req.encode(V).unwrap(),
        capture("18-itemoperations-fetch-mime.req.wbxml")
    );
    let resp = req
        .decode(&capture("18-itemoperations-fetch-mime.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp.status, Some(ItemOperationsStatus::Success));
    let f = &resp.fetches[0];
    assert_eq!(f.status, Some(ItemOperationsStatus::Success));
    assert_eq!(f.server_id.as_ref().map(ServerId::as_str), Some("1"));
    let Some(ApplicationData::Email(mail)) = &f.item else {
        panic!("{:?}", f.item)
    };
    assert_eq!(mail.subject.as_deref(), Some("Seed message 1"));
    let body = mail.body.as_ref().unwrap();
    assert_eq!(body.body_type, Some(4));
    let mime = body.data.as_deref().unwrap();
    assert!(
        mime.starts_with("From: Alice Example <alice@example.test>\r\n"),
        "{mime:.80}"
    );
    assert!(mime.contains("Message-ID: <seed-1@example.test>"));
}

#[test]
fn fetch_an_attachment() {
    let req = ItemOperations {
        fetches: vec![Fetch::attachment("mail/INBOX/4/2")],
        multipart: false,
    };
    assert_eq!(
        req.encode(V).unwrap(),
        capture("19-itemoperations-fetch-attachment.req.wbxml")
    );
    let resp = req
        .decode(&capture("19-itemoperations-fetch-attachment.resp.wbxml"), V)
        .unwrap();
    let f = &resp.fetches[0];
    assert_eq!(f.file_reference.as_deref(), Some("mail/INBOX/4/2"));
    assert_eq!(f.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        f.data.as_deref(),
        Some(&b"attachment payload: hello from the seed\n"[..])
    );
    assert!(f.item.is_none());
}

#[test]
fn fetch_in_multipart_form() {
    use wbxml::tags::{air_sync_base as asb, item_operations as io};
    let doc = wbxml::Element::new(io::ITEM_OPERATIONS)
        .with(wbxml::Element::new(io::STATUS).with_text("1"))
        .with(
            wbxml::Element::new(io::RESPONSE).with(
                wbxml::Element::new(io::FETCH)
                    .with(wbxml::Element::new(io::STATUS).with_text("1"))
                    .with(wbxml::Element::new(asb::FILE_REFERENCE).with_text("att-1"))
                    .with(
                        wbxml::Element::new(io::PROPERTIES)
                            .with(wbxml::Element::new(asb::CONTENT_TYPE).with_text("image/png"))
                            .with(wbxml::Element::new(io::PART).with_text("1")),
                    ),
            ),
        )
        .encode()
        .unwrap();
    let payload: Vec<u8> = (0..=255u8).collect();
    let mut body = 2i32.to_le_bytes().to_vec();
    body.extend_from_slice(&20i32.to_le_bytes());
    body.extend_from_slice(&(doc.len() as i32).to_le_bytes());
    body.extend_from_slice(&((20 + doc.len()) as i32).to_le_bytes());
    body.extend_from_slice(&(payload.len() as i32).to_le_bytes());
    body.extend_from_slice(&doc);
    body.extend_from_slice(&payload);
    let req = ItemOperations {
        fetches: vec![Fetch::attachment("att-1")],
        multipart: true,
    };
    assert!(req.accept_multipart());
    let resp = req.decode(&body, V).unwrap();
    assert_eq!(resp.fetches[0].data.as_deref(), Some(&payload[..]));
    assert_eq!(resp.fetches[0].content_type.as_deref(), Some("image/png"));
}

#[test]
fn move_items() {
    let req = MoveItems {
        moves: vec![Move {
            src_msg_id: ServerId::try_from("2").unwrap(),
            src_fld_id: id(INBOX),
            dst_fld_id: id(ARCHIVE),
        }],
    };
    const { assert!(!MoveItems::IDEMPOTENT) };
    assert_eq!(
        req.encode(V).unwrap(),
        capture("36-moveitems-archive.req.wbxml")
    );
    let resp = req
        .decode(&capture("36-moveitems-archive.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp[0].status, MoveStatus::Success);
    assert_eq!(resp[0].src_msg_id.as_ref().map(ServerId::as_str), Some("2"));
    assert_eq!(resp[0].dst_msg_id.as_ref().map(ServerId::as_str), Some("1"));
}

#[test]
fn folder_create_update_delete() {
    let create = FolderCreate {
        sync_key: key("vm_712a_30b99d42_3"),
        parent_id: id("0"),
        display_name: "EAS Folder".into(),
        folder_type: FolderType::UserMail,
    };
    assert_eq!(
        create.encode(V).unwrap(),
        capture("39-foldercreate.req.wbxml")
    );
    let created = create
        .decode(&capture("39-foldercreate.resp.wbxml"), V)
        .unwrap();
    assert_eq!(created.status, FolderStatus::Success);
    assert_eq!(created.sync_key, Some(key("vm_712a_30b99d42_5")));
    assert_eq!(created.server_id, Some(id(NEW_FOLDER)));

    let update = FolderUpdate {
        sync_key: key("vm_712a_30b99d42_5"),
        server_id: id(NEW_FOLDER),
        parent_id: id("0"),
        display_name: "EAS Folder Renamed".into(),
    };
    assert_eq!(
        update.encode(V).unwrap(),
        capture("45-folderupdate.req.wbxml")
    );
    let updated = update
        .decode(&capture("45-folderupdate.resp.wbxml"), V)
        .unwrap();
    assert_eq!(
        (updated.status, updated.sync_key),
        (FolderStatus::Success, Some(key("vm_712a_30b99d42_6")))
    );

    let delete = FolderDelete {
        sync_key: key("vm_712a_30b99d42_6"),
        server_id: id(NEW_FOLDER),
    };
    assert_eq!(
        delete.encode(V).unwrap(),
        capture("47-folderdelete.req.wbxml")
    );
    let deleted = delete
        .decode(&capture("47-folderdelete.resp.wbxml"), V)
        .unwrap();
    assert_eq!(
        (deleted.status, deleted.sync_key),
        (FolderStatus::Success, Some(key("vm_712a_30b99d42_7")))
    );
    const {
        assert!(!FolderCreate::IDEMPOTENT && !FolderUpdate::IDEMPOTENT && !FolderDelete::IDEMPOTENT)
    };
}
