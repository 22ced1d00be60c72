//! Regression tests of the issue "The mirror loses nothing on what real servers send", each
//! named after the bug it pins, through the engine with a scripted transport (real server
//! responses where we have them) and an in-memory store.

mod common;

use std::collections::VecDeque;

use common::fixture;
use easync::http::HttpError;
use easync::proto::{Command, ProtocolVersion};
use easync::store::{Store, StoredFolder, upsert_folder};
use easync::sync::items::{ItemOptions, sync_folder};
use easync::sync::{SyncError, Transport};
use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as asb, email};

/// The folder of the captured partial-change response.
const INBOX: &str = "i/faf2c245";

/// Answers each command with the next scripted body; with none left, fails as a dead
/// connection would (a run stopped mid-way).
#[derive(Default)]
struct Scripted {
    replies: VecDeque<Vec<u8>>,
    sent: usize,
}

impl Transport for Scripted {
    async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError> {
        self.sent += 1;
        let Some(body) = self.replies.pop_front() else {
            return Err(HttpError::Forbidden { command: "test" });
        };
        if body.is_empty() {
            return Ok(C::empty_response().expect("empty allowed"));
        }
        Ok(cmd.decode(&body, ProtocolVersion::V14_1)?)
    }
}

fn inbox() -> (Store, StoredFolder) {
    let mut db = Store::open_in_memory().unwrap();
    let f = common::stored_folder(INBOX, "Inbox", 2, "Email");
    let tx = db.transaction().unwrap();
    upsert_folder(&tx, &f).unwrap();
    easync::store::set_folder_sync_key(&tx, INBOX, "k0").unwrap();
    tx.commit().unwrap();
    (db, f)
}

fn response(key: &str, more: bool, commands: Vec<Element<'static>>) -> Vec<u8> {
    let mut coll = Element::new(s::COLLECTION)
        .with(Element::new(s::SYNC_KEY).with_text(key.to_string()))
        .with(Element::new(s::COLLECTION_ID).with_text(INBOX))
        .with(Element::new(s::STATUS).with_text("1"));
    if more {
        coll = coll.with(Element::new(s::MORE_AVAILABLE));
    }
    if !commands.is_empty() {
        coll = coll.with(
            commands
                .into_iter()
                .fold(Element::new(s::COMMANDS), Element::with),
        );
    }
    Element::new(s::SYNC)
        .with(Element::new(s::COLLECTIONS).with(coll))
        .encode()
        .unwrap()
}

fn status_3() -> Vec<u8> {
    let coll = Element::new(s::COLLECTION)
        .with(Element::new(s::SYNC_KEY).with_text("k0"))
        .with(Element::new(s::COLLECTION_ID).with_text(INBOX))
        .with(Element::new(s::STATUS).with_text("3"));
    Element::new(s::SYNC)
        .with(Element::new(s::COLLECTIONS).with(coll))
        .encode()
        .unwrap()
}

/// A whole mail, as an Add (or a whole-item command of `tag`).
fn mail(tag: wbxml::Tag, id: &str, subject: &str) -> Element<'static> {
    Element::new(tag)
        .with(Element::new(s::SERVER_ID).with_text(id.to_string()))
        .with(
            Element::new(s::APPLICATION_DATA)
                .with(Element::new(email::SUBJECT).with_text(subject.to_string()))
                .with(Element::new(email::FROM).with_text("ana@example.com"))
                .with(Element::new(email::READ).with_text("0"))
                .with(
                    Element::new(asb::BODY)
                        .with(Element::new(asb::TYPE).with_text("1"))
                        .with(Element::new(asb::DATA).with_text(format!("body of {subject}"))),
                ),
        )
}

fn read_change(id: &str) -> Element<'static> {
    Element::new(s::CHANGE)
        .with(Element::new(s::SERVER_ID).with_text(id.to_string()))
        .with(Element::new(s::APPLICATION_DATA).with(Element::new(email::READ).with_text("1")))
}

fn by_id(tag: wbxml::Tag, id: &str) -> Element<'static> {
    Element::new(tag).with(Element::new(s::SERVER_ID).with_text(id.to_string()))
}

async fn run(db: &mut Store, f: &StoredFolder, replies: Vec<Vec<u8>>) -> Result<(), SyncError> {
    let mut t = Scripted {
        replies: replies.into(),
        sent: 0,
    };
    sync_folder(&mut t, db, f, &ItemOptions::default())
        .await
        .map(drop)
}

fn rows(db: &Store, sql: &str) -> Vec<String> {
    let mut st = db.connection().prepare(sql).unwrap();
    st.query_map([], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .map(|r| r.unwrap().unwrap_or_else(|| "NULL".into()))
        .collect()
}

fn one(db: &Store, sql: &str) -> i64 {
    db.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn flag_only_change_erased_subject_sender_and_body() {
    let (mut db, f) = inbox();
    let adds = ["4", "5", "6"]
        .map(|id| mail(s::ADD, id, &format!("mail {id}")))
        .to_vec();
    run(&mut db, &f, vec![response("k1", false, adds)])
        .await
        .unwrap();
    // What a real server sent after mails were marked read/unread and flagged over IMAP.
    let real = fixture("server-behaviour/sync-email-partial-change.wbxml");
    run(&mut db, &f, vec![real]).await.unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT subject || '|' || sender || '|' || body || '|' || read || '|' || \
             coalesce(flag_status, '-') FROM emails ORDER BY subject"
        ),
        [
            "mail 4|ana@example.com|body of mail 4|0|-",
            "mail 5|ana@example.com|body of mail 5|0|-",
            "mail 6|ana@example.com|body of mail 6|1|2",
        ]
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM mail_fts WHERE mail_fts MATCH 'body'"
        ),
        3
    );
}

#[tokio::test]
async fn delete_then_add_of_one_id_lost_the_item() {
    let (mut db, f) = inbox();
    run(
        &mut db,
        &f,
        vec![response("k1", false, vec![mail(s::ADD, "x", "old")])],
    )
    .await
    .unwrap();
    let cmds = vec![by_id(s::DELETE, "x"), mail(s::ADD, "x", "new")];
    run(&mut db, &f, vec![response("k2", false, cmds)])
        .await
        .unwrap();
    assert_eq!(rows(&db, "SELECT subject FROM emails"), ["new"]);
}

#[tokio::test]
async fn soft_delete_then_change_left_the_item_out() {
    let (mut db, f) = inbox();
    run(
        &mut db,
        &f,
        vec![response("k1", false, vec![mail(s::ADD, "x", "kept")])],
    )
    .await
    .unwrap();
    let cmds = vec![by_id(s::SOFT_DELETE, "x"), read_change("x")];
    run(&mut db, &f, vec![response("k2", false, cmds)])
        .await
        .unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT e.subject || '|' || e.read || '|' || i.soft_deleted FROM emails e \
             JOIN items i ON i.id = e.item_id"
        ),
        ["kept|1|0"]
    );
}

#[tokio::test]
async fn change_for_an_unknown_item_created_a_half_empty_row() {
    use wbxml::tags::item_operations as io;
    let (mut db, f) = inbox();
    // The ItemOperations fetch of the unknown item fails (the connection dies): nothing is
    // created, and the response is not applied, so its key stays and the Change comes again.
    let replies = vec![response("k1", false, vec![read_change("ghost")])];
    assert!(run(&mut db, &f, replies).await.is_err());
    assert_eq!(one(&db, "SELECT count(*) FROM items"), 0);
    assert_eq!(
        rows(&db, "SELECT sync_key FROM folders"),
        ["k0"],
        "the key stays"
    );
    // The server no longer has it: the fetch answers without it; nothing is created, the key
    // advances.
    let gone = Element::new(io::ITEM_OPERATIONS)
        .with(Element::new(io::STATUS).with_text("1"))
        .with(Element::new(io::RESPONSE))
        .encode()
        .unwrap();
    let replies = vec![response("k1", false, vec![read_change("ghost")]), gone];
    run(&mut db, &f, replies).await.unwrap();
    assert_eq!(one(&db, "SELECT count(*) FROM items"), 0);
    assert_eq!(rows(&db, "SELECT sync_key FROM folders"), ["k1"]);
}

#[tokio::test]
async fn resync_flagged_items_at_the_bootstrap_instead_of_sweeping_at_the_end() {
    let (mut db, f) = inbox();
    let adds = ["a", "b", "c"].map(|id| mail(s::ADD, id, id)).to_vec();
    run(&mut db, &f, vec![response("k1", false, adds)])
        .await
        .unwrap();
    // Status 3, the bootstrap, one page re-sending "a" — then the connection dies.
    let replies = vec![
        status_3(),
        response("r0", false, vec![]),
        response("r1", true, vec![mail(s::ADD, "a", "a")]),
    ];
    assert!(run(&mut db, &f, replies).await.is_err());
    assert_eq!(
        one(&db, "SELECT count(*) FROM items WHERE soft_deleted = 0"),
        3,
        "mid-resync nothing is flagged gone"
    );
    assert_eq!(
        one(&db, "SELECT resync FROM folders"),
        1,
        "the resync state is kept"
    );
    // The next run resumes from the stored key; the last page re-sends "b": "c" is swept.
    let replies = vec![response("r2", false, vec![mail(s::ADD, "b", "b")])];
    run(&mut db, &f, replies).await.unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT i.server_id || ':' || i.soft_deleted FROM items i ORDER BY 1"
        ),
        ["a:0", "b:0", "c:2"]
    );
    assert_eq!(
        one(
            &db,
            "SELECT resync + sum(resync_pending) FROM folders, items"
        ),
        0
    );
}

#[tokio::test]
async fn deletions_spread_over_windows_slipped_past_the_guard() {
    let (mut db, f) = inbox();
    let adds = (0..30)
        .map(|i| mail(s::ADD, &format!("m{i}"), "m"))
        .collect();
    run(&mut db, &f, vec![response("k1", false, adds)])
        .await
        .unwrap();
    let window = |n: usize, more| {
        let dels = (n * 5..n * 5 + 5)
            .map(|i| by_id(s::DELETE, &format!("m{i}")))
            .collect();
        response(&format!("d{n}"), more, dels)
    };
    let replies = (0..6).map(|n| window(n, n < 5)).collect();
    let err = run(&mut db, &f, replies).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            SyncError::MassDeletion {
                deletes: 20,
                held: 30,
                applied: 15,
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("15 already applied") && text.contains("--allow-deletions"),
        "{text}"
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM items"),
        15,
        "the refused window is not applied"
    );
    assert_eq!(rows(&db, "SELECT sync_key FROM folders"), ["d2"]);
}

#[tokio::test]
async fn more_available_with_a_fresh_key_each_time_looped_forever() {
    let (mut db, f) = inbox();
    let replies = (0..10)
        .map(|n| response(&format!("fresh{n}"), true, vec![]))
        .collect();
    let err = run(&mut db, &f, replies).await.unwrap_err();
    assert!(err.to_string().contains("without sending any"), "{err}");
}

#[tokio::test]
async fn a_reused_rowid_was_reported_as_a_change_not_a_new_item() {
    let (mut db, f) = inbox();
    run(
        &mut db,
        &f,
        vec![response("k1", false, vec![mail(s::ADD, "x", "x")])],
    )
    .await
    .unwrap();
    let mark = db.change_mark().unwrap();
    // x (the highest rowid) is deleted, then y added: SQLite gives y the rowid x had.
    let replies = vec![
        response("k2", true, vec![by_id(s::DELETE, "x")]),
        response("k3", false, vec![mail(s::ADD, "y", "y")]),
    ];
    run(&mut db, &f, replies).await.unwrap();
    let events: Vec<String> = db
        .changes_since(&mark, false)
        .unwrap()
        .into_iter()
        .map(|e| format!("{:?}:{}", e.kind, e.id))
        .collect();
    assert_eq!(events, ["New:y", "Deleted:x"]);
}

#[tokio::test]
async fn one_item_that_cannot_be_typed_blocked_the_folder() {
    let (mut db, f) = inbox();
    // The second mail's subject holds ENTITY &#xD800; (a lone surrogate): it cannot be typed.
    let doc = response(
        "k1",
        false,
        vec![
            mail(s::ADD, "1", "first"),
            mail(s::ADD, "2", "@@BAD@@"),
            mail(s::ADD, "3", "third"),
        ],
    );
    let needle = b"\x03@@BAD@@\x00";
    let at = doc.windows(needle.len()).position(|w| w == needle).unwrap();
    let doc = [
        &doc[..at],
        &[0x02, 0x83, 0xB0, 0x00][..],
        &doc[at + needle.len()..],
    ]
    .concat();
    run(&mut db, &f, vec![doc]).await.unwrap();
    assert_eq!(
        rows(&db, "SELECT subject FROM emails ORDER BY subject"),
        ["first", "third"]
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM items WHERE server_id = '2' AND decode_error IS NOT NULL"
        ),
        1,
        "kept raw, with why"
    );
    assert_eq!(
        rows(&db, "SELECT sync_key FROM folders"),
        ["k1"],
        "the key advances"
    );
}

#[tokio::test]
async fn change_for_an_item_not_held_is_fetched_whole() {
    use wbxml::tags::item_operations as io;
    let (mut db, f) = inbox();
    // What the server answers the ItemOperations Fetch of the item the Change named.
    let fetched = Element::new(io::ITEM_OPERATIONS)
        .with(Element::new(io::STATUS).with_text("1"))
        .with(
            Element::new(io::RESPONSE).with(
                Element::new(io::FETCH)
                    .with(Element::new(io::STATUS).with_text("1"))
                    .with(Element::new(s::COLLECTION_ID).with_text(INBOX))
                    .with(Element::new(s::SERVER_ID).with_text("late"))
                    .with(Element::new(s::CLASS).with_text("Email"))
                    .with(
                        Element::new(io::PROPERTIES)
                            .with(Element::new(email::SUBJECT).with_text("came late"))
                            .with(Element::new(email::FROM).with_text("ana@example.com"))
                            .with(Element::new(email::READ).with_text("1")),
                    ),
            ),
        )
        .encode()
        .unwrap();
    let replies = vec![response("k1", false, vec![read_change("late")]), fetched];
    run(&mut db, &f, replies).await.unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT server_id || '|' || subject || '|' || sender || '|' || read \
             FROM items i JOIN emails e ON e.item_id = i.id"
        ),
        ["late|came late|ana@example.com|1"]
    );
}

#[tokio::test]
async fn a_resync_ending_in_an_empty_response_was_never_swept() {
    let (mut db, f) = inbox();
    let adds = ["a", "b"].map(|id| mail(s::ADD, id, id)).to_vec();
    run(&mut db, &f, vec![response("k1", false, adds)])
        .await
        .unwrap();
    // Status 3, the bootstrap, then nothing more: the server holds none of them any longer.
    let replies = vec![status_3(), response("r0", false, vec![]), Vec::new()];
    run(&mut db, &f, replies).await.unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT server_id || ':' || soft_deleted || resync_pending FROM items ORDER BY 1"
        ),
        ["a:20", "b:20"]
    );
    assert_eq!(one(&db, "SELECT resync FROM folders"), 0);
}
