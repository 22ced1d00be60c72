//! Item sync of one folder against a scripted transport (real WBXML from the SOGo conversation
//! and built responses) and an in-memory store.

mod common;

use std::collections::VecDeque;

use common::capture;
use easync::http::HttpError;
use easync::proto::{Command, ProtocolVersion};
use easync::store::{Store, StoredFolder, upsert_folder};
use easync::sync::items::{ItemOptions, sync_folder};
use easync::sync::{SyncError, Transport};
use wbxml::Element;
use wbxml::tags::{air_sync as s, email};

const V: ProtocolVersion = ProtocolVersion::V14_1;
const INBOX: &str = "mail%2Ff54c6512c265096b6471000083ecc375";

#[derive(Default)]
struct Scripted {
    replies: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
}

impl Transport for Scripted {
    async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError> {
        self.sent.push(cmd.encode(V)?);
        let body = self.replies.pop_front().expect("the test scripted a reply");
        if body.is_empty() {
            return Ok(C::empty_response().expect("empty allowed"));
        }
        Ok(cmd.decode(&body, V)?)
    }
}

fn inbox_db() -> (Store, StoredFolder) {
    let mut db = Store::open_in_memory().unwrap();
    let f = common::stored_folder(INBOX, "INBOX", 2, "Email");
    let tx = db.transaction().unwrap();
    upsert_folder(&tx, &f).unwrap();
    tx.commit().unwrap();
    (db, f)
}

fn sent_key(body: &[u8]) -> String {
    let tree = Element::decode(body).unwrap();
    let coll = tree
        .child(0, "Collections")
        .unwrap()
        .child(0, "Collection")
        .unwrap();
    coll.child(0, "SyncKey").unwrap().text()
}

/// A Sync response for the inbox with these commands.
fn response(status: &str, key: &str, more: bool, commands: Vec<Element<'static>>) -> Vec<u8> {
    let mut coll = Element::new(s::COLLECTION)
        .with(Element::new(s::SYNC_KEY).with_text(key.to_string()))
        .with(Element::new(s::COLLECTION_ID).with_text(INBOX))
        .with(Element::new(s::STATUS).with_text(status.to_string()));
    if more {
        coll = coll.with(Element::new(s::MORE_AVAILABLE));
    }
    if !commands.is_empty() {
        let mut c = Element::new(s::COMMANDS);
        for cmd in commands {
            c = c.with(cmd);
        }
        coll = coll.with(c);
    }
    Element::new(s::SYNC)
        .with(Element::new(s::COLLECTIONS).with(coll))
        .encode()
        .unwrap()
}

fn add(id: &str, subject: &str) -> Element<'static> {
    Element::new(s::ADD)
        .with(Element::new(s::SERVER_ID).with_text(id.to_string()))
        .with(
            Element::new(s::APPLICATION_DATA)
                .with(Element::new(email::SUBJECT).with_text(subject.to_string())),
        )
}

fn by_id(tag: wbxml::Tag, id: &str) -> Element<'static> {
    Element::new(tag).with(Element::new(s::SERVER_ID).with_text(id.to_string()))
}

fn count(db: &Store, sql: &str) -> i64 {
    db.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

async fn seeded() -> (Store, StoredFolder) {
    let (mut db, f) = inbox_db();
    let mut t = Scripted::default();
    t.replies.push_back(capture("07-sync-inbox-0.resp.wbxml"));
    t.replies.push_back(capture("08-sync-inbox-1.resp.wbxml"));
    sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    (db, f)
}

#[tokio::test]
async fn bootstrap_then_items_with_their_key() {
    let (mut db, f) = inbox_db();
    let mut t = Scripted::default();
    t.replies.push_back(capture("07-sync-inbox-0.resp.wbxml"));
    t.replies.push_back(capture("08-sync-inbox-1.resp.wbxml"));
    let report = sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    assert_eq!((report.requests, report.counts.added), (2, 4));
    assert_eq!(sent_key(&t.sent[0]), "0");
    assert_eq!(
        sent_key(&t.sent[1]),
        "-1",
        "the bootstrap key is used at once"
    );
    assert_eq!(db.folder(INBOX).unwrap().unwrap().sync_key, "1-5");
    assert_eq!(db.item_count(INBOX).unwrap(), 4);
    assert_eq!(count(&db, "SELECT count(*) FROM emails WHERE read = 0"), 3);
    assert_eq!(
        count(
            &db,
            "SELECT flag_status FROM emails WHERE subject = 'Seed message 3'"
        ),
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM mail_fts WHERE mail_fts MATCH 'attachment'"
        ),
        1
    );
    let attachments: String = db
        .connection()
        .query_row(
            "SELECT attachments FROM emails WHERE subject LIKE '%attachment'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        attachments.contains("\"name\":\"hello.txt\"") && attachments.contains("mail/INBOX/4/2"),
        "{attachments}"
    );
    // The raw data is the whole ApplicationData, ready to be written back.
    let raw: Vec<u8> = db
        .connection()
        .query_row("SELECT raw FROM items WHERE server_id = '1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let tree = Element::decode(&raw).unwrap();
    assert_eq!(tree.tag, s::APPLICATION_DATA);
    assert_eq!(
        tree.child(2, "Subject").map(|e| e.text()).as_deref(),
        Some("Seed message 1")
    );
}

#[tokio::test]
async fn status_3_resyncs_without_duplicates() {
    let (mut db, f) = seeded().await;
    let mut t = Scripted::default();
    t.replies.push_back(response("3", "1-5", false, vec![]));
    t.replies.push_back(capture("07-sync-inbox-0.resp.wbxml"));
    t.replies.push_back(capture("08-sync-inbox-1.resp.wbxml"));
    let report = sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    assert_eq!(sent_key(&t.sent[0]), "1-5");
    assert_eq!(sent_key(&t.sent[1]), "0", "restarted from 0");
    assert_eq!(
        (report.counts.added, report.counts.changed),
        (0, 0),
        "re-sent items are matched by ServerId; unchanged ones are not counted as changes"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM items"), 4);
    assert_eq!(count(&db, "SELECT count(*) FROM emails"), 4);
    assert_eq!(
        count(&db, "SELECT count(*) FROM items WHERE soft_deleted = 0"),
        4,
        "every re-sent item is current again"
    );
}

#[tokio::test]
async fn a_resync_flags_what_the_server_no_longer_sends() {
    let (mut db, f) = seeded().await;
    let mut t = Scripted::default();
    t.replies.push_back(response("3", "1-5", false, vec![]));
    t.replies.push_back(response("1", "r0", false, vec![])); // key 0 → r0
    t.replies.push_back(response(
        "1",
        "r1",
        false,
        vec![add("1", "Seed message 1"), add("2", "Seed message 2")],
    ));
    sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    assert_eq!(
        count(&db, "SELECT count(*) FROM items"),
        4,
        "nothing erased"
    );
    let flagged: String = db
        .connection()
        .query_row(
            "SELECT group_concat(server_id) FROM \
             (SELECT server_id FROM items WHERE soft_deleted = 2 ORDER BY server_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        flagged, "3,4",
        "the two mails not sent again are flagged gone from the server (2), not erased"
    );
}

#[tokio::test]
async fn a_new_filter_type_restarts_the_folder_and_is_stored_with_the_key() {
    use easync::proto::classes::ItemClass;
    use easync::proto::sync::FilterType;
    let (mut db, f) = seeded().await;
    let opts = ItemOptions {
        filters: vec![(ItemClass::Email, FilterType::OneMonth)],
        ..ItemOptions::default()
    };
    let mut t = Scripted::default();
    t.replies.push_back(response("1", "m0", false, vec![]));
    t.replies
        .push_back(response("1", "m1", false, vec![add("4", "recent")]));
    sync_folder(&mut t, &mut db, &f, &opts).await.unwrap();
    assert_eq!(
        sent_key(&t.sent[0]),
        "0",
        "the old key belongs to another filter"
    );
    let options = Element::decode(&t.sent[1]).unwrap();
    let filter = common::find(&options, s::FILTER_TYPE).map(|e| e.text());
    assert_eq!(filter.as_deref(), Some("5"));
    let stored = db.folder(INBOX).unwrap().unwrap();
    assert_eq!(
        (stored.sync_key.as_str(), stored.filter_type),
        ("m1", Some(5))
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM items WHERE soft_deleted = 1"),
        3,
        "the three mails outside the month are flagged, not erased"
    );

    // Same filter next time: the key is kept.
    let mut t = Scripted::default();
    t.replies.push_back(Vec::new());
    sync_folder(&mut t, &mut db, &f, &opts).await.unwrap();
    assert_eq!(sent_key(&t.sent[0]), "m1");
}

#[tokio::test]
async fn deletes_are_journaled_and_soft_deletes_kept() {
    let (mut db, f) = seeded().await;
    let mut t = Scripted::default();
    t.replies.push_back(response(
        "1",
        "1-6",
        false,
        vec![by_id(s::DELETE, "2"), by_id(s::SOFT_DELETE, "3")],
    ));
    let report = sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    assert_eq!((report.counts.deleted, report.counts.soft_deleted), (1, 1));
    assert_eq!(
        count(&db, "SELECT count(*) FROM items"),
        3,
        "a SoftDelete keeps the item"
    );
    assert_eq!(db.item_count(INBOX).unwrap(), 2);
    let journal: String = db
        .connection()
        .query_row(
            "SELECT server_id || ' ' || summary FROM deletions",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(journal, "2 Seed message 2");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM mail_fts WHERE mail_fts MATCH 'message AND 2'"
        ),
        0,
        "gone from search"
    );
}

#[tokio::test]
async fn more_available_pages_until_done_and_idle_servers_are_stopped() {
    let (mut db, f) = seeded().await;
    let mut t = Scripted::default();
    t.replies
        .push_back(response("1", "p1", true, vec![add("10", "page one")]));
    t.replies
        .push_back(response("1", "p2", false, vec![add("11", "page two")]));
    let report = sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    assert_eq!((report.requests, report.counts.added), (2, 2));
    assert_eq!(sent_key(&t.sent[1]), "p1");

    let mut idle = Scripted::default();
    for _ in 0..3 {
        idle.replies.push_back(response("1", "p2", true, vec![]));
    }
    let err = sync_folder(&mut idle, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("without sending any"), "{err}");
    assert_eq!(
        db.folder(INBOX).unwrap().unwrap().sync_key,
        "p2",
        "the store stays consistent"
    );
}

#[tokio::test]
async fn failures_write_nothing() {
    let (mut db, f) = seeded().await;
    let mut t = Scripted::default();
    let mut broken = response("1", "1-9", false, vec![add("20", "never stored")]);
    broken.truncate(broken.len() - 4);
    t.replies.push_back(broken);
    assert!(matches!(
        sync_folder(&mut t, &mut db, &f, &ItemOptions::default()).await,
        Err(SyncError::Http(_))
    ));
    assert_eq!(db.folder(INBOX).unwrap().unwrap().sync_key, "1-5");
    assert_eq!(count(&db, "SELECT count(*) FROM items"), 4);

    let mut t = Scripted::default();
    t.replies.push_back(response("12", "1-5", false, vec![]));
    assert!(matches!(
        sync_folder(&mut t, &mut db, &f, &ItemOptions::default()).await,
        Err(SyncError::HierarchyChanged)
    ));

    let mut t = Scripted::default();
    t.replies.push_back(Vec::new()); // empty body: no changes
    let report = sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    assert_eq!(report.counts, Default::default());
}

#[tokio::test]
async fn the_mass_deletion_guard_refuses_and_says_so() {
    let (mut db, f) = inbox_db();
    let mut t = Scripted::default();
    let adds: Vec<_> = (0..30)
        .map(|i| add(&format!("m{i}"), &format!("mail {i}")))
        .collect();
    t.replies.push_back(response("1", "k1", false, adds));
    // Pretend the folder was already synced once, so the request uses a key.
    let tx = db.transaction().unwrap();
    easync::store::set_folder_sync_key(&tx, INBOX, "k0").unwrap();
    tx.commit().unwrap();
    sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap();
    let deletes: Vec<_> = (0..20)
        .map(|i| by_id(s::DELETE, &format!("m{i}")))
        .collect();
    let mut t = Scripted::default();
    t.replies
        .push_back(response("1", "k2", false, deletes.clone()));
    let err = sync_folder(&mut t, &mut db, &f, &ItemOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::MassDeletion {
                deletes: 20,
                held: 30,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("--allow-deletions"));
    assert_eq!(db.item_count(INBOX).unwrap(), 30, "nothing applied");
    assert_eq!(
        db.folder(INBOX).unwrap().unwrap().sync_key,
        "k1",
        "the key stays"
    );
    let mut t = Scripted::default();
    t.replies.push_back(response("1", "k2", false, deletes));
    let opts = ItemOptions {
        max_delete_share: None,
        ..ItemOptions::default()
    };
    sync_folder(&mut t, &mut db, &f, &opts).await.unwrap();
    assert_eq!(db.item_count(INBOX).unwrap(), 10);
}
