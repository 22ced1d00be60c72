//! The folder hierarchy engine against a scripted transport (real WBXML, real decoding) and an
//! in-memory store: first sync, incremental changes, Status 9 recovery that deletes nothing,
//! and nothing written when a step fails.

mod common;

use std::collections::VecDeque;

use common::capture;
use easync::http::HttpError;
use easync::proto::{Command, ProtocolVersion};
use easync::store::{Store, StoredFolder};
use easync::sync::{SyncError, Transport, hierarchy};
use wbxml::Element;
use wbxml::tags::folder_hierarchy as fh;

const V: ProtocolVersion = ProtocolVersion::V14_1;

/// Replies with canned bodies, decoded by the command itself; records what was sent.
#[derive(Default)]
struct Scripted {
    replies: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
}

impl Transport for Scripted {
    async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError> {
        let sent = cmd.encode(V)?;
        // Past the script, the server has nothing more: the round that ends the rounds.
        let body = self
            .replies
            .pop_front()
            .unwrap_or_else(|| response("1", Some(&sent_key(&sent)), vec![]));
        self.sent.push(sent);
        Ok(cmd.decode(&body, V)?)
    }
}

fn folder_el(tag: wbxml::Tag, id: &str, parent: &str, name: &str, ty: u8) -> Element<'static> {
    Element::new(tag)
        .with(Element::new(fh::SERVER_ID).with_text(id.to_string()))
        .with(Element::new(fh::PARENT_ID).with_text(parent.to_string()))
        .with(Element::new(fh::DISPLAY_NAME).with_text(name.to_string()))
        .with(Element::new(fh::TYPE).with_text(ty.to_string()))
}

fn response(status: &str, key: Option<&str>, changes: Vec<Element<'static>>) -> Vec<u8> {
    let mut root =
        Element::new(fh::FOLDER_SYNC).with(Element::new(fh::STATUS).with_text(status.to_string()));
    if let Some(k) = key {
        root = root.with(Element::new(fh::SYNC_KEY).with_text(k.to_string()));
    }
    if !changes.is_empty() {
        let mut c = Element::new(fh::CHANGES);
        for e in changes {
            c = c.with(e);
        }
        root = root.with(c);
    }
    root.encode().unwrap()
}

fn sent_key(body: &[u8]) -> String {
    Element::decode(body)
        .unwrap()
        .child(7, "SyncKey")
        .unwrap()
        .text()
}

fn by_name<'s>(folders: &'s [StoredFolder], name: &str) -> &'s StoredFolder {
    folders
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name}"))
}

#[tokio::test]
async fn first_sync_stores_every_folder_with_its_class_and_the_key() {
    let mut db = Store::open_in_memory().unwrap();
    let mut t = Scripted::default();
    t.replies.push_back(capture("05-foldersync-0.resp.wbxml"));
    let changed = hierarchy::sync(&mut t, &mut db).await.unwrap();
    assert_eq!(changed, 12);
    assert_eq!(sent_key(&t.sent[0]), "0");
    assert_eq!(
        db.account().unwrap().foldersync_key.as_deref(),
        Some("vm_712a_30b99d42_3")
    );
    let all = db.folders().unwrap();
    assert_eq!(all.len(), 12);
    let inbox = by_name(&all, "INBOX");
    assert_eq!(
        (
            inbox.folder_type,
            inbox.class.as_deref(),
            inbox.parent_id.as_deref()
        ),
        (2, Some("Email"), None)
    );
    let alpha = by_name(&all, "Alpha");
    assert_eq!(
        alpha.parent_id.as_deref(),
        Some(by_name(&all, "Projects").server_id.as_str())
    );
    let classes: Vec<_> = all
        .iter()
        .filter(|f| f.name == "Personal Calendar")
        .map(|f| f.class.clone().unwrap())
        .collect();
    assert!(classes.contains(&"Calendar".to_string()) && classes.contains(&"Tasks".to_string()));
    assert_eq!(
        by_name(&all, "Personal Address Book").class.as_deref(),
        Some("Contacts")
    );
}

async fn seeded() -> Store {
    let mut db = Store::open_in_memory().unwrap();
    let mut t = Scripted::default();
    t.replies.push_back(response(
        "1",
        Some("k1"),
        vec![
            folder_el(fh::ADD, "inbox", "0", "Inbox", 2),
            folder_el(fh::ADD, "arch", "0", "Archive", 12),
            folder_el(fh::ADD, "old", "0", "Old stuff", 12),
        ],
    ));
    hierarchy::sync(&mut t, &mut db).await.unwrap();
    // Pretend the item engine synced two folders.
    let tx = db.transaction().unwrap();
    easync::store::set_folder_sync_key(&tx, "inbox", "i-7").unwrap();
    easync::store::set_folder_sync_key(&tx, "arch", "a-3").unwrap();
    tx.commit().unwrap();
    db
}

#[tokio::test]
async fn incremental_changes_keep_item_sync_state() {
    let mut db = seeded().await;
    let mut t = Scripted::default();
    t.replies.push_back(response(
        "1",
        Some("k2"),
        vec![
            folder_el(fh::UPDATE, "arch", "0", "Archive 2026", 12),
            Element::new(fh::DELETE).with(Element::new(fh::SERVER_ID).with_text("old")),
            folder_el(fh::ADD, "new", "arch", "Receipts", 12),
        ],
    ));
    assert_eq!(hierarchy::sync(&mut t, &mut db).await.unwrap(), 3);
    assert_eq!(sent_key(&t.sent[0]), "k1");
    let all = db.folders().unwrap();
    let arch = by_name(&all, "Archive 2026");
    assert_eq!(
        arch.sync_key, "a-3",
        "a rename keeps the folder's item state"
    );
    assert!(all.iter().all(|f| f.server_id != "old"));
    assert_eq!(by_name(&all, "Receipts").parent_id.as_deref(), Some("arch"));
    assert_eq!(db.account().unwrap().foldersync_key.as_deref(), Some("k2"));
}

#[tokio::test]
async fn status_9_refetches_everything_and_deletes_nothing() {
    let mut db = seeded().await;
    let mut t = Scripted::default();
    t.replies.push_back(response("9", None, vec![]));
    // The full list: Inbox unchanged, Archive under a new id (renumbered), "Old stuff" missing.
    t.replies.push_back(response(
        "1",
        Some("k9"),
        vec![
            folder_el(fh::ADD, "inbox", "0", "Inbox", 2),
            folder_el(fh::ADD, "arch-new", "0", "Archive", 12),
        ],
    ));
    hierarchy::sync(&mut t, &mut db).await.unwrap();
    assert_eq!(sent_key(&t.sent[0]), "k1");
    assert_eq!(sent_key(&t.sent[1]), "0", "status 9 restarts from key 0");
    let all = db.folders().unwrap();
    assert_eq!(
        all.len(),
        3,
        "no local folder is deleted by a key reset: {all:?}"
    );
    assert_eq!(
        by_name(&all, "Inbox").sync_key,
        "i-7",
        "same id: item state kept"
    );
    let arch = by_name(&all, "Archive");
    assert_eq!(
        (arch.server_id.as_str(), arch.sync_key.as_str()),
        ("arch-new", "0"),
        "re-matched; its items resync"
    );
    assert!(
        all.iter().any(|f| f.server_id == "old"),
        "unlisted folders are kept"
    );
    assert_eq!(db.account().unwrap().foldersync_key.as_deref(), Some("k9"));
}

#[tokio::test]
async fn status_9_twice_is_a_clear_error() {
    let mut db = seeded().await;
    let mut t = Scripted::default();
    t.replies.push_back(response("9", None, vec![]));
    t.replies.push_back(response("9", None, vec![]));
    let err = hierarchy::sync(&mut t, &mut db).await.unwrap_err();
    assert!(
        matches!(err, SyncError::Server(_)) && err.to_string().contains("remove the device"),
        "{err}"
    );
    assert_eq!(
        db.account().unwrap().foldersync_key.as_deref(),
        Some("k1"),
        "nothing written"
    );
}

#[tokio::test]
async fn a_failed_step_writes_nothing() {
    let mut db = seeded().await;
    let before = db.folders().unwrap();
    let mut t = Scripted::default();
    // A truncated body: the decode fails after the request was sent.
    let mut body = response("1", Some("k2"), vec![folder_el(fh::ADD, "x", "0", "X", 12)]);
    body.truncate(body.len() - 3);
    t.replies.push_back(body);
    let err = hierarchy::sync(&mut t, &mut db).await.unwrap_err();
    assert!(
        matches!(err, SyncError::Http(HttpError::Protocol(_))),
        "{err}"
    );
    assert_eq!(db.folders().unwrap(), before);
    assert_eq!(db.account().unwrap().foldersync_key.as_deref(), Some("k1"));
}

#[test]
fn classes_of_folder_types() {
    use hierarchy::class_of_type as c;
    assert_eq!(
        (c(2), c(12), c(8), c(13), c(9), c(7), c(10), c(18)),
        (
            Some("Email"),
            Some("Email"),
            Some("Calendar"),
            Some("Calendar"),
            Some("Contacts"),
            Some("Tasks"),
            Some("Notes"),
            None
        )
    );
}

/// Issue "the mirror loses nothing", A6: a nested folder a server sends one FolderSync round
/// late (its parent came first) was missing after the first `easync sync`.
#[tokio::test]
async fn a_nested_folder_sent_a_round_late_is_fetched_in_the_same_run() {
    let mut db = Store::open_in_memory().unwrap();
    let mut t = Scripted::default();
    t.replies.push_back(response(
        "1",
        Some("1"),
        vec![folder_el(fh::ADD, "p", "0", "Projects", 12)],
    ));
    t.replies.push_back(response(
        "1",
        Some("2"),
        vec![folder_el(fh::ADD, "c", "p", "Easync", 12)],
    ));
    assert_eq!(hierarchy::sync(&mut t, &mut db).await.unwrap(), 2);
    assert_eq!(t.sent.len(), 3, "rounds until one returns no change");
    let names: Vec<String> = db.folders().unwrap().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["Projects", "Easync"]);
    assert_eq!(db.account().unwrap().foldersync_key.as_deref(), Some("2"));
}
