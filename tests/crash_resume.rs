//! `easync sync` killed with SIGKILL in the middle of a sync, then run again: the database is
//! intact, each committed page was kept with its SyncKey, and the rerun finishes with every item
//! exactly once (table, unique index and full-text index agree).
//!
//! The server is a key-driven mailbox on 127.0.0.1 in the test process: it answers each Sync by
//! the SyncKey it is sent, as an Exchange server answers a repeated key by resending its
//! response (MS-ASCMD 2.2.3.177.3), so a client that lost a response gets it again.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{Method, Response, Uri};
use wbxml::Element;
use wbxml::tags::{air_sync as s, email, folder_hierarchy as fh};

const PAGES: usize = 20;
const PER_PAGE: usize = 10;
const INBOX: &str = "inbox-1";

/// What the mailbox server does besides answering.
#[derive(Default)]
struct Behaviour {
    /// A Sync with this key is never answered (the client waits until it is killed).
    hang_on: Mutex<Option<String>>,
    /// Set when a request with `hang_on` arrived.
    hung: AtomicBool,
    /// Delay before each Sync answer, in milliseconds.
    delay_ms: AtomicU64,
}

fn wbxml(body: Vec<u8>) -> Response<Body> {
    Response::builder()
        .header("Content-Type", "application/vnd.ms-sync.wbxml")
        .body(Body::from(body))
        .unwrap()
}

fn foldersync(key: &str) -> Vec<u8> {
    let mut root = Element::new(fh::FOLDER_SYNC)
        .with(Element::new(fh::STATUS).with_text("1"))
        .with(Element::new(fh::SYNC_KEY).with_text("f1"));
    if key == "0" {
        root = root.with(
            Element::new(fh::CHANGES)
                .with(Element::new(fh::COUNT).with_text("1"))
                .with(
                    Element::new(fh::ADD)
                        .with(Element::new(fh::SERVER_ID).with_text(INBOX))
                        .with(Element::new(fh::PARENT_ID).with_text("0"))
                        .with(Element::new(fh::DISPLAY_NAME).with_text("Inbox"))
                        .with(Element::new(fh::TYPE).with_text("2")),
                ),
        );
    }
    root.encode().unwrap()
}

/// The answer to a Sync of the inbox with `key`: "0" → "k0" (no items), "kN" → page N+1 of
/// PAGES with key "k{N+1}", MoreAvailable until the last page; the last key → nothing new.
fn sync(key: &str) -> Vec<u8> {
    let page = match key {
        "0" => None,
        k => k.strip_prefix('k').and_then(|n| n.parse::<usize>().ok()),
    };
    let next = page.map_or(0, |n| (n + 1).min(PAGES));
    let mut coll = Element::new(s::COLLECTION)
        .with(Element::new(s::SYNC_KEY).with_text(format!("k{next}")))
        .with(Element::new(s::COLLECTION_ID).with_text(INBOX))
        .with(Element::new(s::STATUS).with_text("1"));
    if let Some(n) = page.filter(|&n| n < PAGES) {
        if n + 1 < PAGES {
            coll = coll.with(Element::new(s::MORE_AVAILABLE));
        }
        let mut commands = Element::new(s::COMMANDS);
        for i in n * PER_PAGE..(n + 1) * PER_PAGE {
            commands = commands.with(
                Element::new(s::ADD)
                    .with(Element::new(s::SERVER_ID).with_text(format!("m{i}")))
                    .with(
                        Element::new(s::APPLICATION_DATA)
                            .with(
                                Element::new(email::SUBJECT)
                                    .with_text(format!("crashproof message {i}")),
                            )
                            .with(
                                Element::new(email::DATE_RECEIVED)
                                    .with_text("2026-11-27T10:00:00.000Z"),
                            ),
                    ),
            );
        }
        coll = coll.with(commands);
    }
    Element::new(s::SYNC)
        .with(Element::new(s::COLLECTIONS).with(coll))
        .encode()
        .unwrap()
}

fn sent_sync_key(body: &[u8]) -> String {
    let tree = Element::decode(body).unwrap();
    let coll = tree.child(0, "Collections").unwrap();
    coll.child(0, "Collection")
        .unwrap()
        .child(0, "SyncKey")
        .unwrap()
        .text()
}

async fn answer(b: Arc<Behaviour>, method: Method, uri: Uri, body: Bytes) -> Response<Body> {
    if method == Method::OPTIONS {
        return Response::builder()
            .header("MS-ASProtocolVersions", "12.1,14.0,14.1")
            .header("MS-ASProtocolCommands", "Sync,FolderSync,Ping")
            .body(Body::empty())
            .unwrap();
    }
    let query = uri.query().unwrap_or("");
    if query.contains("Cmd=FolderSync") {
        let key = Element::decode(&body)
            .unwrap()
            .child(7, "SyncKey")
            .unwrap()
            .text();
        return wbxml(foldersync(&key));
    }
    assert!(query.contains("Cmd=Sync"), "unexpected request {uri}");
    let key = sent_sync_key(&body);
    let hang = b.hang_on.lock().unwrap().as_deref() == Some(key.as_str());
    if hang {
        b.hung.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    tokio::time::sleep(Duration::from_millis(b.delay_ms.load(Ordering::SeqCst))).await;
    wbxml(sync(&key))
}

fn serve(b: Arc<Behaviour>) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let app = axum::Router::new()
            .fallback(move |m: Method, u: Uri, body: Bytes| answer(b.clone(), m, u, body));
        rt.block_on(async { axum::serve(listener, app).await.unwrap() });
    });
    format!("http://{addr}/Microsoft-Server-ActiveSync")
}

struct Setup {
    config: std::path::PathBuf,
    db: std::path::PathBuf,
}

fn setup(name: &str, url: &str) -> Setup {
    let dir = std::env::temp_dir().join(format!("easync-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("a.sqlite");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account.a]\nemail = \"bob@example.test\"\nurl = \"{url}\"\n\
             password_env = \"EASYNC_CRASH_TEST_PW\"\nprotocol_version = \"14.1\"\n\
             device_id = \"CRASHTEST1\"\ndatabase = \"{}\"\n",
            db.display()
        ),
    )
    .unwrap();
    Setup { config, db }
}

fn easync_sync(s: &Setup) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_easync"));
    c.arg("-c")
        .arg(&s.config)
        .args(["sync", "--json"])
        .env("EASYNC_CRASH_TEST_PW", "not-a-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn kill(mut child: Child) {
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no rollback handler runs
    let status = child.wait().unwrap();
    assert!(!status.success(), "the sync was still running");
}

fn q<T: rusqlite::types::FromSql>(db: &std::path::Path, sql: &str) -> T {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The store is sound and holds exactly what the server sent up to its SyncKey.
fn assert_consistent(db: &std::path::Path) -> usize {
    assert_eq!(q::<String>(db, "PRAGMA integrity_check"), "ok");
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute(
        "INSERT INTO mail_fts (mail_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("the full-text index matches the mail table");
    let key: String = q(
        db,
        &format!("SELECT sync_key FROM folders WHERE server_id = '{INBOX}'"),
    );
    let pages = match key.as_str() {
        "0" | "k0" => 0,
        k => k[1..].parse::<usize>().unwrap(),
    };
    let items: i64 = q(db, "SELECT count(*) FROM items");
    let distinct: i64 = q(db, "SELECT count(DISTINCT server_id) FROM items");
    let mails: i64 = q(db, "SELECT count(*) FROM emails");
    let found: i64 = q(
        db,
        "SELECT count(*) FROM mail_fts WHERE mail_fts MATCH 'crashproof'",
    );
    let want = (pages * PER_PAGE) as i64;
    assert_eq!(
        (items, distinct, mails, found),
        (want, want, want, want),
        "key {key}: items, distinct ids, mails, search hits"
    );
    pages
}

fn finish(s: &Setup) {
    let out = easync_sync(s).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(assert_consistent(&s.db), PAGES);
}

#[test]
fn killed_while_waiting_for_a_page_resumes_from_the_last_committed_key() {
    let b = Arc::new(Behaviour::default());
    *b.hang_on.lock().unwrap() = Some("k2".into());
    let url = serve(b.clone());
    let s = setup("hang", &url);

    let child = easync_sync(&s).spawn().unwrap();
    let start = Instant::now();
    while !b.hung.load(Ordering::SeqCst) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never reached k2"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(child);
    assert_eq!(assert_consistent(&s.db), 2, "pages 1 and 2 were committed");

    *b.hang_on.lock().unwrap() = None;
    finish(&s);
    // And a third run finds nothing new and changes nothing.
    finish(&s);
}

#[test]
fn killed_at_arbitrary_moments_never_loses_or_duplicates() {
    let b = Arc::new(Behaviour::default());
    b.delay_ms.store(25, Ordering::SeqCst);
    let url = serve(b.clone());
    let s = setup("chaos", &url);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut x = seed | 1;
    for round in 0..12 {
        // xorshift: a different kill moment each round, reproducible from the printed seed.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let after = Duration::from_millis(20 + x % 400);
        let child = easync_sync(&s).spawn().unwrap();
        std::thread::sleep(after);
        let mut child = child;
        if child.try_wait().unwrap().is_none() {
            kill(child);
        }
        let pages = assert_consistent_or_empty(&s.db);
        eprintln!("seed {seed} round {round}: killed after {after:?}, {pages} pages kept");
        if pages == PAGES {
            // Complete: start over, so that later rounds are killed mid-sync again.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", s.db.display()));
            }
        }
    }
    finish(&s);
}

/// Like `assert_consistent`, but a kill before the database was created is fine too.
fn assert_consistent_or_empty(db: &std::path::Path) -> usize {
    let has_folders = db.exists()
        && q::<i64>(
            db,
            "SELECT count(*) FROM sqlite_master WHERE name = 'folders'",
        ) == 1
        && q::<i64>(
            db,
            &format!("SELECT count(*) FROM folders WHERE server_id = '{INBOX}'"),
        ) == 1;
    if has_folders {
        assert_consistent(db)
    } else {
        0
    }
}
