//! `easync mail` and `easync status` over a database filled through the store API.

use std::process::Command;

use easync::model::{Email, Item, ItemRecord};
use easync::store::{Store, StoredFolder, SyncStep, upsert_folder};

fn setup(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("easync-mail-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db_path = dir.join("a.sqlite");
    let mut db = Store::open(&db_path).unwrap();
    let folder = StoredFolder {
        server_id: "inbox".into(),
        parent_id: None,
        name: "Inbox".into(),
        folder_type: 2,
        class: Some("Email".into()),
        sync_key: "0".into(),
        filter_type: None,
        last_sync: None,
        resync: false,
        orphaned: false,
    };
    let tx = db.transaction().unwrap();
    upsert_folder(&tx, &folder).unwrap();
    tx.commit().unwrap();
    let mail = |id: &str, subject: &str, date: &str, body: &str| ItemRecord {
        server_id: id.into(),
        item: Item::Email(Box::new(Email {
            subject: Some(subject.into()),
            sender: Some("Alice <alice@example.test>".into()),
            date_received: Some(date.into()),
            read: Some(false),
            body: Some(body.into()),
            ..Email::default()
        })),
        raw: vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x00, 0x1D],
    };
    db.apply_sync_step(&SyncStep::puts(
        "inbox",
        "1",
        vec![
            mail(
                "1",
                "Quarterly invoice",
                "2026-03-01T10:00:00.000Z",
                "The March invoice is attached.",
            ),
            mail("2", "Lunch?", "2026-03-02T12:00:00.000Z", "Pizza at noon"),
        ],
    ))
    .unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account.a]\nemail = \"a@example.test\"\npassword_env = \"X\"\ndatabase = \"{}\"\n",
            db_path.display()
        ),
    )
    .unwrap();
    (config, db_path)
}

fn easync(config: &std::path::Path, args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn list_search_show() {
    let (config, _) = setup("lss");
    let (list, _, code) = easync(&config, &["mail", "list"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = list.lines().collect();
    assert!(
        lines[0].contains("Lunch?") && lines[1].contains("Quarterly invoice"),
        "newest first: {list}"
    );
    let (found, _, _) = easync(&config, &["mail", "search", "march AND invoice"]);
    assert!(
        found.contains("Quarterly invoice") && !found.contains("Lunch"),
        "{found}"
    );
    let (json, _, _) = easync(&config, &["mail", "--json", "search", "pizza"]);
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["subject"], "Lunch?");
    let id = v["id"].as_i64().unwrap().to_string();
    let (shown, _, _) = easync(&config, &["mail", "show", &id]);
    assert!(
        shown.contains("Subject: Lunch?") && shown.contains("Pizza at noon"),
        "{shown}"
    );
    let (_, err, code) = easync(&config, &["mail", "show", "999"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no mail with id 999"), "{err}");
    let (_, err, code) = easync(&config, &["mail", "search", "AND"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("FTS5 syntax"), "{err}");
}

#[test]
fn status_lists_folders_with_counts() {
    let (config, _) = setup("status");
    let (out, _, code) = easync(&config, &["status"]);
    assert_eq!(code, Some(0));
    assert!(
        out.lines()
            .any(|l| l.contains("Inbox") && l.contains("2 items")),
        "{out}"
    );
}

#[test]
fn control_chars_stripped_in_mail_list() {
    // A subject with ESC sequences (retitle the window, clear the screen, a C1 CSI) went to the
    // terminal as is.
    let (config, db_path) = setup("ctl");
    let mut db = Store::open(&db_path).unwrap();
    db.apply_sync_step(&SyncStep::puts(
        "inbox",
        "2",
        vec![ItemRecord {
            server_id: "3".into(),
            item: Item::Email(Box::new(Email {
                subject: Some("Hi\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31mthere".into()),
                sender: Some("Mallory \u{1b}[8m<m@example.test>".into()),
                date_received: Some("2026-03-03T09:00:00.000Z".into()),
                body: Some("line one\r\n\tline two\u{1b}[0m\u{8}".into()),
                ..Email::default()
            })),
            raw: vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x00, 0x1D],
        }],
    ))
    .unwrap();
    drop(db);
    let (list, _, code) = easync(&config, &["mail", "list"]);
    assert_eq!(code, Some(0));
    assert!(!list.contains('\u{1b}') && !list.contains('\u{9b}') && !list.contains('\u{7}'));
    assert!(list.contains("Hi]0;owned[2J31mthere"), "{list}");
    assert!(list.contains("Mallory [8m<m@example.test>"), "{list}");
    let id = list
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (shown, _, _) = easync(&config, &["mail", "show", &id]);
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{8}') && !shown.contains('\r'),
        "{shown:?}"
    );
    assert!(
        shown.contains("line one\n\tline two[0m"),
        "multi-line body kept: {shown:?}"
    );
    // JSON escapes control characters itself; the value is kept as the server sent it.
    let (json, _, _) = easync(&config, &["mail", "--json", "list"]);
    assert!(
        !json.contains('\u{1b}') && json.contains("\\u001b"),
        "{json}"
    );
}
