//! The store: migrations, WAL, the account state and folders in transactions, the writer lock.

use easync::store::{
    AccountState, MIGRATIONS, SCHEMA_VERSION, Store, StoreError, StoredFolder, WriterLock,
    delete_folder, set_account, set_folder_sync_key, upsert_folder,
};

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("easync-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("nested").join("account.sqlite")
}

fn schema(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT type || ' ' || name || ': ' || ifnull(sql, '') FROM sqlite_master ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn open_creates_a_wal_database_at_the_current_version() {
    let path = temp_db("open");
    let store = Store::open(&path).unwrap();
    let c = store.connection();
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let fk: i64 = c
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    drop(store);
    // Opening again migrates nothing and keeps the data.
    assert!(Store::open(&path).is_ok());
}

#[test]
fn a_migrated_schema_equals_a_fresh_one() {
    // Step by step, as an old database would be upgraded, one migration per open…
    let path = temp_db("migrated");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", i as i64 + 1)
            .unwrap();
    }
    let migrated = Store::open(&path).unwrap();
    let fresh = Store::open_in_memory().unwrap();
    assert_eq!(schema(migrated.connection()), schema(fresh.connection()));
    assert!(
        schema(fresh.connection())
            .iter()
            .any(|t| t.starts_with("table folders"))
    );
}

#[test]
fn a_newer_database_is_refused() {
    let path = temp_db("newer");
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade easync"));
}

#[test]
fn account_state_commits_or_not_at_all() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.account().unwrap(), AccountState::default());
    let state = AccountState {
        device_id: Some("abc123".into()),
        protocol_version: Some("16.1".into()),
        base_url: Some("https://eas.example.com/Microsoft-Server-ActiveSync".into()),
        policy_key: Some(3_378_841_480),
        foldersync_key: Some("vm_1".into()),
        throttle_until: Some(1_800_000_000),
    };
    {
        let tx = store.transaction().unwrap();
        set_account(&tx, &state).unwrap();
        // Dropped without commit: a crash before the commit leaves nothing behind.
    }
    assert_eq!(store.account().unwrap(), AccountState::default());
    let tx = store.transaction().unwrap();
    set_account(&tx, &state).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        store.account().unwrap(),
        state,
        "u32 policy keys above i32 survive"
    );
}

fn folder(id: &str, parent: Option<&str>, name: &str) -> StoredFolder {
    StoredFolder {
        server_id: id.into(),
        parent_id: parent.map(Into::into),
        name: name.into(),
        folder_type: 12,
        class: Some("Email".into()),
        sync_key: "0".into(),
        filter_type: None,
        last_sync: None,
        resync: false,
        orphaned: false,
    }
}

#[test]
fn folders_keep_their_sync_state_across_updates() {
    let mut store = Store::open_in_memory().unwrap();
    let tx = store.transaction().unwrap();
    upsert_folder(&tx, &folder("p", None, "Projects")).unwrap();
    upsert_folder(&tx, &folder("a", Some("p"), "Alpha")).unwrap();
    set_folder_sync_key(&tx, "a", "42").unwrap();
    tx.commit().unwrap();
    // A FolderSync Update (rename) must not reset the folder's SyncKey.
    let tx = store.transaction().unwrap();
    upsert_folder(&tx, &folder("a", Some("p"), "Alpha (renamed)")).unwrap();
    tx.commit().unwrap();
    let a = store.folder("a").unwrap().unwrap();
    assert_eq!(
        (a.name.as_str(), a.sync_key.as_str()),
        ("Alpha (renamed)", "42")
    );
    assert!(a.last_sync.is_some());
    let names: Vec<String> = store
        .folders()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["Projects", "Alpha (renamed)"], "top level first");
    let tx = store.transaction().unwrap();
    assert!(delete_folder(&tx, "a").unwrap());
    assert!(!delete_folder(&tx, "a").unwrap());
    tx.commit().unwrap();
    assert_eq!(store.folder("a").unwrap(), None);
}

#[test]
fn one_writer_per_account() {
    let path = temp_db("lock");
    let first = WriterLock::acquire(&path).unwrap();
    let err = WriterLock::acquire(&path).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("already syncing this account"));
    drop(first);
    assert!(WriterLock::acquire(&path).is_ok(), "released when dropped");
}

#[test]
fn regression_two_processes_migrating_a_new_database_at_once() {
    // `watch` and `send` opening a database that did not exist yet both read user_version 0;
    // the second's first migration failed with "table account already exists".
    for round in 0..20 {
        let dir = std::env::temp_dir().join(format!(
            "easync-migrate-race-{}-{round}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("a.sqlite");
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    barrier.wait();
                    easync::store::Store::open(&path).expect("every opener migrates or waits");
                });
            }
        });
        std::fs::remove_dir_all(&dir).ok();
    }
}
