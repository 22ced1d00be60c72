//! `easync sync` killed with SIGKILL in the middle of a sync, then run again: the database is
//! intact, each committed page was kept with its SyncKey, and the rerun finishes with every item
//! exactly once (table, unique index and full-text index agree).
//!
//! The server is a key-driven mailbox on 127.0.0.1 in the test process: it answers each Sync by
//! the SyncKey it is sent, as an Exchange server answers a repeated key by resending its
//! response (MS-ASCMD 2.2.3.177.3), so a client that lost a response gets it again.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[path = "common/mailbox.rs"]
mod mailbox;

use mailbox::{INBOX, Mailbox, serve};

const PAGES: usize = 20;
const PER_PAGE: usize = 10;

fn mailbox() -> Arc<Mailbox> {
    Arc::new(Mailbox::new(PAGES * PER_PAGE, PER_PAGE, 200))
}

type Setup = mailbox::Client;

fn setup(name: &str, url: &str) -> Setup {
    mailbox::client(&format!("crash-{name}"), url)
}

fn easync_sync(s: &Setup) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_easync"));
    c.arg("-c")
        .arg(&s.config)
        .args(["sync", "--json"])
        .env(mailbox::PASSWORD_ENV, "not-a-secret")
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
        "0" => 0,
        k => Mailbox::delivered(k).expect("a key the server gave") / PER_PAGE,
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
    let b = mailbox();
    *b.hang_on.lock().unwrap() = Some(format!("k{}", 2 * PER_PAGE));
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
    let b = mailbox();
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
            // SIGKILL; a run that completed between the look and the kill is fine too (it
            // made this test flaky on a loaded machine).
            let _ = child.kill();
            let _ = child.wait();
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
