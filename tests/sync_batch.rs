//! Several folders in one Sync request (MS-ASCMD 2.2.3.24.2) against a scripted transport:
//! folders leave the request when done, one response commits every folder's key together,
//! Status 15 lowers the collections per request to the server's Limit, and a Status 12 in one
//! folder still keeps the other folders' changes.

mod common;

use std::collections::VecDeque;

use easync::http::HttpError;
use easync::proto::{Command, ProtocolVersion};
use easync::store::{Store, StoredFolder, set_folder_sync_key, upsert_folder};
use easync::sync::items::{FolderReport, ItemOptions, sync_folders};
use easync::sync::{SyncError, Transport};
use wbxml::Element;
use wbxml::tags::{air_sync as s, email};

const V: ProtocolVersion = ProtocolVersion::V14_1;

#[derive(Default)]
struct Scripted {
    replies: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
}

impl Transport for Scripted {
    async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError> {
        self.sent.push(cmd.encode(V)?);
        let body = self.replies.pop_front().expect("the test scripted a reply");
        Ok(cmd.decode(&body, V)?)
    }
}

/// A store with folders a, b and c (mail), each already synced once (key "a0", "b0", "c0").
fn three_folders() -> (Store, Vec<StoredFolder>) {
    let mut db = Store::open_in_memory().unwrap();
    let folders: Vec<StoredFolder> = ["a", "b", "c"]
        .iter()
        .map(|id| common::stored_folder(id, &format!("Folder {id}"), 12, "Email"))
        .collect();
    let tx = db.transaction().unwrap();
    for f in &folders {
        upsert_folder(&tx, f).unwrap();
        set_folder_sync_key(&tx, &f.server_id, &format!("{}0", f.server_id)).unwrap();
    }
    tx.commit().unwrap();
    (db, folders)
}

/// One collection of a response: (id, status, new key, MoreAvailable, mails to add).
type Col<'a> = (&'a str, &'a str, &'a str, bool, usize);

fn response(status: Option<&str>, limit: Option<&str>, cols: &[Col<'_>]) -> Vec<u8> {
    let mut root = Element::new(s::SYNC);
    if let Some(st) = status {
        root = root.with(Element::new(s::STATUS).with_text(st.to_string()));
    }
    if let Some(l) = limit {
        root = root.with(Element::new(s::LIMIT).with_text(l.to_string()));
    }
    let mut collections = Element::new(s::COLLECTIONS);
    for &(id, status, key, more, adds) in cols {
        let mut c = Element::new(s::COLLECTION)
            .with(Element::new(s::SYNC_KEY).with_text(key.to_string()))
            .with(Element::new(s::COLLECTION_ID).with_text(id.to_string()))
            .with(Element::new(s::STATUS).with_text(status.to_string()));
        if more {
            c = c.with(Element::new(s::MORE_AVAILABLE));
        }
        if adds > 0 {
            let mut cmds = Element::new(s::COMMANDS);
            for n in 0..adds {
                cmds = cmds.with(
                    Element::new(s::ADD)
                        .with(Element::new(s::SERVER_ID).with_text(format!("{key}-{n}")))
                        .with(Element::new(s::APPLICATION_DATA).with(
                            Element::new(email::SUBJECT).with_text(format!("{id} mail {n}")),
                        )),
                );
            }
            c = c.with(cmds);
        }
        collections = collections.with(c);
    }
    if !cols.is_empty() {
        root = root.with(collections);
    }
    root.encode().unwrap()
}

/// The (CollectionId, SyncKey) pairs a request carried.
fn carried(body: &[u8]) -> Vec<(String, String)> {
    let tree = Element::decode(body).unwrap();
    let colls = tree.child(0, "Collections").unwrap();
    colls
        .elements()
        .map(|c| {
            (
                c.child(0, "CollectionId").unwrap().text(),
                c.child(0, "SyncKey").unwrap().text(),
            )
        })
        .collect()
}

/// `sync_folders` with the default options and no progress listener.
async fn sync_all(
    t: &mut Scripted,
    db: &mut Store,
    folders: &[StoredFolder],
) -> Result<Vec<(String, FolderReport)>, SyncError> {
    sync_folders(t, db, folders, &ItemOptions::default(), &mut |_, _| {}).await
}

fn key(db: &Store, id: &str) -> String {
    db.folder(id).unwrap().unwrap().sync_key
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn one_request_for_all_folders_until_each_is_done() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    // c has no changes and is left out of the answer; a pages twice.
    t.replies.push_back(response(
        None,
        None,
        &[("a", "1", "a1", true, 2), ("b", "1", "b1", false, 3)],
    ));
    t.replies
        .push_back(response(None, None, &[("a", "1", "a2", false, 1)]));
    let mut heard = Vec::new();
    let reports = sync_folders(
        &mut t,
        &mut db,
        &folders,
        &ItemOptions::default(),
        &mut |id, c| heard.push((id.to_string(), c.added)),
    )
    .await
    .unwrap();
    assert_eq!(t.sent.len(), 2);
    assert_eq!(
        carried(&t.sent[0]),
        pairs(&[("a", "a0"), ("b", "b0"), ("c", "c0")])
    );
    assert_eq!(carried(&t.sent[1]), pairs(&[("a", "a1")]));
    assert_eq!(
        (key(&db, "a"), key(&db, "b"), key(&db, "c")),
        ("a2".into(), "b1".into(), "c0".into())
    );
    let added: Vec<usize> = reports.iter().map(|(_, r)| r.counts.added).collect();
    assert_eq!(added, vec![3, 3, 0]);
    assert_eq!(
        heard,
        vec![("a".into(), 2), ("b".into(), 3), ("a".into(), 1)]
    );
    assert_eq!(db.item_count("a").unwrap(), 3);
}

#[tokio::test]
async fn status_15_lowers_the_collections_per_request_to_the_limit() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    t.replies.push_back(response(Some("15"), Some("2"), &[]));
    t.replies.push_back(response(
        None,
        None,
        &[("a", "1", "a1", false, 1), ("b", "1", "b1", false, 1)],
    ));
    t.replies
        .push_back(response(None, None, &[("c", "1", "c1", false, 1)]));
    sync_all(&mut t, &mut db, &folders).await.unwrap();
    let sizes: Vec<usize> = t.sent.iter().map(|b| carried(b).len()).collect();
    assert_eq!(sizes, vec![3, 2, 1]);
    assert_eq!(key(&db, "c"), "c1");
}

#[tokio::test]
async fn status_12_in_one_folder_keeps_the_others_changes() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    t.replies.push_back(response(
        None,
        None,
        &[("a", "12", "a0", false, 0), ("b", "1", "b1", false, 2)],
    ));
    let err = sync_all(&mut t, &mut db, &folders).await.unwrap_err();
    assert!(matches!(err, SyncError::HierarchyChanged), "{err}");
    assert_eq!((key(&db, "a"), key(&db, "b")), ("a0".into(), "b1".into()));
    assert_eq!(db.item_count("b").unwrap(), 2);
}

/// Issue "the mirror loses nothing", B12: a folder the server fails (Status 6) no longer
/// throws away the other folders of the same response.
#[tokio::test]
async fn a_failed_folder_does_not_block_the_others() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    t.replies.push_back(response(
        None,
        None,
        &[
            ("a", "1", "a1", false, 2),
            ("b", "6", "b0", false, 0),
            ("c", "1", "c1", false, 1),
        ],
    ));
    let err = sync_all(&mut t, &mut db, &folders).await.unwrap_err();
    assert!(err.to_string().contains("Folder b"), "{err}");
    assert!(
        err.to_string().contains("the other folders were synced"),
        "{err}"
    );
    assert_eq!((key(&db, "a"), key(&db, "c")), ("a1".into(), "c1".into()));
    assert_eq!(db.item_count("a").unwrap(), 2);
    assert_eq!(key(&db, "b"), "b0", "the failed folder keeps its key");
}

/// Status 8 for one collection (the server no longer knows it) asks for a FolderSync, after
/// the other folders' changes are applied.
#[tokio::test]
async fn status_8_in_one_folder_asks_for_a_foldersync() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    t.replies.push_back(response(
        None,
        None,
        &[("a", "1", "a1", false, 2), ("b", "8", "b0", false, 0)],
    ));
    let err = sync_all(&mut t, &mut db, &folders).await.unwrap_err();
    assert!(matches!(err, SyncError::HierarchyChanged), "{err}");
    assert_eq!(key(&db, "a"), "a1");
}

/// Status 5 for one collection is retried in the next request while the others go on.
#[tokio::test]
async fn status_5_in_one_folder_is_retried() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    t.replies.push_back(response(
        None,
        None,
        &[
            ("a", "1", "a1", false, 1),
            ("b", "5", "b0", false, 0),
            ("c", "1", "c1", false, 0),
        ],
    ));
    t.replies
        .push_back(response(None, None, &[("b", "1", "b1", false, 1)]));
    sync_all(&mut t, &mut db, &folders).await.unwrap();
    assert_eq!(key(&db, "b"), "b1");
    assert_eq!(db.item_count("b").unwrap(), 1);
}

#[tokio::test]
async fn occurrences_changed_or_cancelled_on_16_x_merge_into_the_series() {
    use wbxml::tags::{air_sync_base as asb, calendar as cal};
    let mut db = Store::open_in_memory().unwrap();
    let folder = common::stored_folder("cal", "Calendar", 8, "Calendar");
    let tx = db.transaction().unwrap();
    upsert_folder(&tx, &folder).unwrap();
    set_folder_sync_key(&tx, "cal", "c0").unwrap();
    tx.commit().unwrap();
    let leaf = |tag, text: &str| Element::new(tag).with_text(text.to_string());
    let series = Element::new(s::ADD).with(leaf(s::SERVER_ID, "3:41")).with(
        Element::new(s::APPLICATION_DATA)
            .with(leaf(cal::SUBJECT, "Weekly sync"))
            .with(leaf(cal::START_TIME, "20240305T140000Z"))
            .with(Element::new(cal::RECURRENCE).with(leaf(cal::TYPE, "1"))),
    );
    let moved = Element::new(s::CHANGE)
        .with(leaf(s::SERVER_ID, "3:41"))
        .with(
            Element::new(s::APPLICATION_DATA)
                .with(leaf(asb::INSTANCE_ID, "20240312T140000Z"))
                .with(leaf(cal::START_TIME, "20240312T160000Z"))
                .with(leaf(cal::END_TIME, "20240312T170000Z")),
        );
    let cancelled = Element::new(s::DELETE)
        .with(leaf(s::SERVER_ID, "3:41"))
        .with(leaf(asb::INSTANCE_ID, "20240319T140000Z"));
    let page = |key: &str, cmds: Vec<Element<'static>>| {
        let mut c = Element::new(s::COMMANDS);
        for x in cmds {
            c = c.with(x);
        }
        Element::new(s::SYNC)
            .with(
                Element::new(s::COLLECTIONS).with(
                    Element::new(s::COLLECTION)
                        .with(leaf(s::SYNC_KEY, key))
                        .with(leaf(s::COLLECTION_ID, "cal"))
                        .with(leaf(s::STATUS, "1"))
                        .with(c),
                ),
            )
            .encode()
            .unwrap()
    };
    let mut t = Scripted::default();
    t.replies.push_back(page("c1", vec![series]));
    sync_all(&mut t, &mut db, std::slice::from_ref(&folder))
        .await
        .unwrap();
    let series_again = Element::new(s::CHANGE)
        .with(leaf(s::SERVER_ID, "3:41"))
        .with(
            Element::new(s::APPLICATION_DATA)
                .with(leaf(cal::SUBJECT, "Weekly sync (renamed)"))
                .with(leaf(cal::START_TIME, "20240305T140000Z"))
                .with(Element::new(asb::BODY).with(leaf(asb::TYPE, "1")))
                .with(Element::new(cal::RECURRENCE).with(leaf(cal::TYPE, "1"))),
        );
    let mut t = Scripted::default();
    t.replies.push_back(page("c2", vec![moved, cancelled]));
    let reports = sync_all(&mut t, &mut db, std::slice::from_ref(&folder))
        .await
        .unwrap();
    assert_eq!(reports[0].1.counts.changed, 2);
    let (subject, exceptions): (String, String) = db
        .connection()
        .query_row("SELECT subject, exceptions FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(subject, "Weekly sync", "the series is kept");
    assert_eq!(
        exceptions,
        r#"[{"deleted":false,"end_time":"20240312T170000Z","original_start":"20240312T140000Z","start_time":"20240312T160000Z"},{"deleted":true,"original_start":"20240319T140000Z"}]"#
    );
    // Issue "the mirror loses nothing", A4: a later whole Change of the series (a new subject)
    // dropped the per-occurrence changes, and the cancelled occurrence came back in exports.
    let mut t = Scripted::default();
    t.replies.push_back(page("c3", vec![series_again]));
    sync_all(&mut t, &mut db, &[folder]).await.unwrap();
    let (subject, after): (String, String) = db
        .connection()
        .query_row("SELECT subject, exceptions FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(subject, "Weekly sync (renamed)");
    assert_eq!(
        after, exceptions,
        "the occurrences survive the rewrite of the series"
    );
}

/// Issue 16.2: a top-level Status 3 restarts every folder of the request from key 0 instead
/// of failing the run as "Sync failed: status 3".
#[tokio::test]
async fn top_level_status_3_restarts_the_folders_of_the_request() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    t.replies.push_back(response(
        None,
        None,
        &[("a", "1", "a1", false, 1), ("b", "1", "b1", false, 1)],
    ));
    sync_all(&mut t, &mut db, &folders[..2]).await.unwrap();
    let mut t = Scripted::default();
    t.replies.push_back(response(Some("3"), None, &[]));
    t.replies.push_back(response(
        None,
        None,
        &[("a", "1", "a2", true, 0), ("b", "1", "b2", true, 0)],
    ));
    t.replies.push_back(response(
        None,
        None,
        &[("a", "1", "a3", false, 1), ("b", "1", "b3", false, 1)],
    ));
    sync_all(&mut t, &mut db, &folders[..2]).await.unwrap();
    assert_eq!(carried(&t.sent[1]), pairs(&[("a", "0"), ("b", "0")]));
    assert_eq!((key(&db, "a"), key(&db, "b")), ("a3".into(), "b3".into()));
}

/// Issue 16.2: top-level Status 5/16 is retried; a Status 4 says what it means and what to do.
#[tokio::test]
async fn top_level_status_5_is_retried_and_4_is_explained() {
    let (mut db, folders) = three_folders();
    let mut t = Scripted::default();
    t.replies.push_back(response(Some("5"), None, &[]));
    t.replies
        .push_back(response(None, None, &[("a", "1", "a1", false, 1)]));
    sync_all(&mut t, &mut db, &folders[..1]).await.unwrap();
    assert_eq!(key(&db, "a"), "a1");
    let mut t = Scripted::default();
    t.replies.push_back(response(Some("4"), None, &[]));
    let err = sync_all(&mut t, &mut db, &folders[..1]).await.unwrap_err();
    assert!(
        err.to_string().contains("status 4") && err.to_string().contains("report"),
        "{err}"
    );
}
