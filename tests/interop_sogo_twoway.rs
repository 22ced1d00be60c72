//! Two-way against a real server: changes made with `easync mail …` reach SOGo's IMAP store.
//! Ignored by default; CI runs them after `tests/interop/sogo.sh up`:
//!
//!     cargo test --test interop_sogo_twoway -- --ignored --test-threads=1

#[path = "common/sogo.rs"]
mod sogo;

use sogo::{easync, flags_of, seed, sogo_config, sync_until};

/// Deletes the test folders, and the test's mails from Trash, whatever happens.
struct Cleanup(Vec<String>);
impl Drop for Cleanup {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = std::process::Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/interop/seed.py"
                ))
                .args(["purge", "Trash", f])
                .output();
            let _ = std::process::Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/interop/seed.py"
                ))
                .args(["folder-delete", f])
                .output();
        }
    }
}

fn ok(config: &std::path::Path, args: &[&str]) -> String {
    let out = easync(config, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "easync {args:?}: {text}");
    text
}

fn id_of(db: &std::path::Path, folder: &str, subject: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT i.id FROM items i JOIN emails e ON e.item_id = i.id JOIN folders f ON f.id = i.folder_id \
         WHERE f.name = ?1 AND e.subject = ?2 AND i.soft_deleted = 0",
        [folder, subject],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn mail_read_flag_move_and_delete_in_easync_show_in_imap() {
    let pid = std::process::id();
    let (src, dst) = (format!("Twoway{pid}"), format!("TwowayDest{pid}"));
    let _cleanup = Cleanup(vec![src.clone(), dst.clone()]);
    seed(&["folder-fill", &src, "6"]);
    seed(&["folder-fill", &dst, "1"]);
    let (config, db) = sogo_config("twoway", "");
    let all = format!(
        "SELECT count(*) FROM emails WHERE subject LIKE '{src} message %' OR subject LIKE '{dst} message %'"
    );
    sync_until(&config, &db, &all, 7);
    let subject = |i: usize| format!("{src} message {i}");
    let id = |i: usize| id_of(&db, &src, &subject(i)).to_string();

    ok(&config, &["mail", "read", &id(0), &id(1)]);
    ok(&config, &["mail", "flag", &id(2)]);
    assert!(flags_of(&src, &subject(0)).unwrap().contains("\\Seen"));
    assert!(flags_of(&src, &subject(1)).unwrap().contains("\\Seen"));
    assert!(flags_of(&src, &subject(2)).unwrap().contains("\\Flagged"));
    ok(&config, &["mail", "unread", &id(1)]);
    ok(&config, &["mail", "unflag", &id(2)]);
    assert!(!flags_of(&src, &subject(1)).unwrap().contains("\\Seen"));
    assert!(!flags_of(&src, &subject(2)).unwrap().contains("\\Flagged"));

    let moved = id(3);
    ok(&config, &["mail", "move", "--to", &dst, &moved]);
    assert!(
        flags_of(&src, &subject(3)).is_none(),
        "gone from the source"
    );
    assert!(flags_of(&dst, &subject(3)).is_some(), "in the destination");
    assert_eq!(
        id_of(&db, &dst, &subject(3)).to_string(),
        moved,
        "the same row, moved"
    );

    ok(&config, &["mail", "delete", "--hard", &id(4)]);
    assert!(
        flags_of(&src, &subject(4)).is_none(),
        "deleted on the server"
    );
    let journal = ok(&config, &["changes"]);
    assert!(journal.contains("no local changes waiting"), "{journal}");
    // And a later sync agrees: nothing doubled, nothing brought back.
    ok(&config, &["sync"]);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn.query_row(&all, [], |r| r.get(0)).unwrap();
    let mut st = conn
        .prepare(
            "SELECT f.name || '/' || i.server_id || ' ' || e.subject FROM items i JOIN emails e \
             ON e.item_id = i.id JOIN folders f ON f.id = i.folder_id WHERE e.subject LIKE 'Twoway%'",
        )
        .unwrap();
    let rows: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // SOGo (Debian 5.x) moves a deleted mail to Trash even with DeletesAsMoves 0 (it marks the
    // IMAP original \\Deleted): the mirror shows it there, once; nothing else is doubled.
    assert_eq!(n, 7, "each of the 7 mails once: {rows:?}");
    let in_trash = rows.iter().filter(|r| r.ends_with(&subject(4))).count();
    assert_eq!(in_trash, 1, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Trash/") && r.ends_with(&subject(4))),
        "{rows:?}"
    );
}

/// The items of a SOGo DAV collection that hold `text`, as served.
fn dav_grep(collection: &str, text: &str) -> Vec<String> {
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/interop/seed.py"
        ))
        .args(["dav-grep", collection, text])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split("====")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Deletes the DAV items holding a text whatever happens.
struct DavCleanup(Vec<(&'static str, String)>);
impl Drop for DavCleanup {
    fn drop(&mut self) {
        for (coll, text) in &self.0 {
            let _ = std::process::Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/interop/seed.py"
                ))
                .args(["dav-purge", coll, text])
                .output();
        }
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/import")
            .join(name),
    )
    .unwrap()
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn a_khard_contact_and_a_khal_series_with_exceptions_show_in_carddav_and_caldav() {
    let pid = std::process::id();
    let (who, what) = (format!("Doe{pid}"), format!("Team sync {pid}"));
    let _cleanup = DavCleanup(vec![
        ("Contacts/personal/", who.clone()),
        ("Calendar/personal/", what.clone()),
    ]);
    let root = std::env::temp_dir().join(format!("easync-interop-vdir-{pid}"));
    let _ = std::fs::remove_dir_all(&root);
    let (config, db) = sogo_config(
        "twoway-vdir",
        &format!(
            "[[account.sogo.export]]\nwhat = \"contacts\"\nvdir = \"{0}/contacts\"\n\
             [[account.sogo.export]]\nwhat = \"calendar\"\nvdir = \"{0}/calendars\"\n",
            root.display()
        ),
    );
    ok(&config, &["sync"]);
    let folder = |what: &str| -> std::path::PathBuf {
        std::fs::read_dir(root.join(what))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.is_dir())
            .expect("a collection")
    };
    let (contacts, calendar) = (folder("contacts"), folder("calendars"));
    // khard writes a new contact; khal a weekly series with a cancelled and a moved occurrence.
    let uid = format!("{pid}-6d6cbf61-5e0b-4ce1-9d87");
    let card = fixture("khard-v3.vcf")
        .replace("N:Doe;", &format!("N:{who};"))
        .replace("FN:Dr. Jane Q. Doe", &format!("FN:Dr. Jane Q. {who}"))
        .replace("6d6cbf61-5e0b-4ce1-9d87-4f1e2c1a0b7e", &uid);
    std::fs::write(contacts.join(format!("{uid}.vcf")), &card).unwrap();
    let event_uid = format!("RKY1G6FQ2O8TK3A9{pid}");
    let ics = fixture("khal-weekly.ics")
        .replace("SUMMARY:Team sync", &format!("SUMMARY:{what}"))
        .replace("RKY1G6FQ2O8TK3A9D0Z4XWVJ5M7N", &event_uid);
    std::fs::write(calendar.join(format!("{event_uid}.ics")), &ics).unwrap();
    let out = ok(&config, &["sync"]);
    assert!(out.contains("vdir: 2 change(s) found"), "{out}");
    let journal = ok(&config, &["changes"]);
    assert!(journal.contains("no local changes waiting"), "{journal}");

    let cards = dav_grep("Contacts/personal/", &who);
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert!(
        cards[0].contains("jane@example.org") && cards[0].contains("jane.doe@corp.example"),
        "{}",
        cards[0]
    );
    let events = dav_grep("Calendar/personal/", &what);
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert!(e.contains("RRULE:FREQ=WEEKLY"), "{e}");
    assert!(
        e.contains("EXDATE") || e.contains("20261019"),
        "the cancelled occurrence: {e}"
    );
    assert!(
        e.contains("RECURRENCE-ID") && e.contains(&format!("{what} (moved)")),
        "the moved occurrence: {e}"
    );

    // khard edits the contact: the Change reaches CardDAV, and the vdir keeps one file.
    let file = contacts.join(format!("{uid}.vcf"));
    let exported = std::fs::read_to_string(&file).unwrap();
    assert!(exported.contains("TITLE:Chief Scientist"), "{exported}");
    let edited = exported.replace("TITLE:Chief Scientist", "TITLE:Chief Tester");
    std::fs::write(&file, edited).unwrap();
    ok(&config, &["sync"]);
    let cards = dav_grep("Contacts/personal/", &who);
    assert!(
        cards.len() == 1 && cards[0].contains("Chief Tester"),
        "{cards:?}"
    );
    let files: Vec<_> = std::fs::read_dir(&contacts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&who)))
        .collect();
    assert_eq!(files, [file], "the new contact is one file, the user's");
    let _ = db;
}
