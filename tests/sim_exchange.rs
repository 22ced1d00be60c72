//! The binary against the simulator's Exchange-like profile (its default): regression tests of
//! the issues "The mirror loses nothing on what real servers send" and "16.x exceptions,
//! top-level statuses, and a server that forgot the device", each named after its bug.

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::faults::{Fault, Scope};
use easync::sim::mail::{Oddity, oddity, windows_1252_text};
use simc::{assert_mirrors, client, q, small, start, sync, sync_ok};

/// The mails whose subject, sender or body are gone.
fn erased(db: &std::path::Path) -> i64 {
    q(
        db,
        "SELECT count(*) FROM emails e JOIN items i ON i.id = e.item_id \
         WHERE i.soft_deleted = 0 AND (subject IS NULL OR sender IS NULL OR body IS NULL)",
    )
}

#[test]
fn flag_changes_on_the_server_erased_subject_sender_and_body() {
    let server = start(small());
    let sim = &server.sim;
    let cl = client("x-flags", &server.url(), "16.1", "");
    sync_ok(&cl);
    for i in 1..=35 {
        let cats = if i % 3 == 0 {
            vec!["Blue".to_string()]
        } else {
            Vec::new()
        };
        sim.set_mail_flags(&format!("inbox:{i}"), i % 2 == 0, i % 5 == 0, cats)
            .unwrap();
    }
    sync_ok(&cl);
    assert_eq!(erased(&cl.db), 0);
    assert_mirrors(&cl.db, sim);
}

#[test]
fn a_device_the_server_forgot_was_stuck_on_status_12() {
    let server = start(small());
    let sim = &server.sim;
    let cl = client("x-forgot", &server.url(), "16.1", "");
    sync_ok(&cl);
    let rows: Vec<i64> = rows_of(
        &cl.db,
        "SELECT id FROM items WHERE soft_deleted = 0 ORDER BY id",
    );
    sim.forget_device();
    let out = sync(&cl, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_mirrors(&cl.db, sim);
    // The same rows, matched by content under their new ids: no wave of deletions and additions.
    assert_eq!(
        rows_of(
            &cl.db,
            "SELECT id FROM items WHERE soft_deleted = 0 ORDER BY id"
        ),
        rows
    );
    assert_eq!(q::<i64>(&cl.db, "SELECT count(*) FROM deletions"), 0);
    assert_eq!(
        q::<i64>(&cl.db, "SELECT count(*) FROM folders WHERE resync = 1"),
        0
    );
    // And the next run is an ordinary one.
    sync_ok(&cl);
    assert_mirrors(&cl.db, sim);
}

#[test]
fn a_recreated_folder_kept_its_old_items_beside_the_new() {
    let server = start(small());
    let sim = &server.sim;
    let cl = client("x-recreate", &server.url(), "14.1", "");
    sync_ok(&cl);
    let inbox: i64 = q(&cl.db, "SELECT count(*) FROM items");
    sim.recreate_folder("inbox").unwrap();
    sync_ok(&cl);
    assert_mirrors(&cl.db, sim);
    assert_eq!(
        q::<i64>(&cl.db, "SELECT count(*) FROM items"),
        inbox,
        "no duplicates"
    );
}

#[test]
fn a_windows_1252_body_or_an_empty_number_stopped_the_first_sync() {
    let server = start(small());
    let sim = &server.sim;
    let cl = client("x-odd", &server.url(), "16.1", "");
    sync_ok(&cl);
    assert_mirrors(&cl.db, sim);
    let seed = sim.config.seed;
    let odd = (1..=120u32).find(|&i| oddity(seed, i) == Some(Oddity::Windows1252Body));
    let idx = odd.expect("the small mailbox has a windows-1252 mail");
    let body: String = q(
        &cl.db,
        &format!(
            "SELECT e.body FROM emails e JOIN items i ON i.id = e.item_id \
             WHERE i.server_id = 'inbox:{idx}'"
        ),
    );
    assert!(body.contains(&windows_1252_text(idx)), "{body}");
}

#[test]
fn one_failing_folder_stopped_the_whole_account() {
    let server = start(small());
    let sim = &server.sim;
    let cl = client("x-isolated", &server.url(), "14.1", "");
    sim.set_collection_status("inbox", Some(6));
    let out = sync(&cl, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Inbox") && stderr.contains("status 6"),
        "{stderr}"
    );
    let others: i64 = q(
        &cl.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.server_id <> 'inbox'",
    );
    assert!(others > 0, "the other folders were synced");
    sim.set_collection_status("inbox", None);
    sync_ok(&cl);
    assert_mirrors(&cl.db, sim);
}

#[test]
fn a_top_level_sync_status_12_failed_the_run() {
    let server = start(small());
    let sim = &server.sim;
    let cl = client("x-top12", &server.url(), "14.1", "");
    sync_ok(&cl);
    sim.add_items("Inbox", 3).unwrap();
    sim.faults.arm(Fault::Status(12), Scope::once("Sync"));
    sync_ok(&cl);
    assert_mirrors(&cl.db, sim);
}

fn rows_of(db: &std::path::Path, sql: &str) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The small mailbox served with the old convenient behaviour plus one real-server switch.
fn with_quirk(quirk: &str) -> easync::sim::SimConfig {
    let mut profile = easync::sim::Profile::simple();
    profile.set_quirk(quirk).unwrap();
    easync::sim::SimConfig { profile, ..small() }
}

#[test]
fn delete_then_add_of_one_id_in_a_response_lost_the_item() {
    let server = start(with_quirk("delete-then-add"));
    let sim = &server.sim;
    let cl = client("x-deladd", &server.url(), "14.1", "");
    sync_ok(&cl);
    for i in 1..=30 {
        sim.set_item(&format!("inbox:{i}"), easync::sim::State::Live)
            .unwrap();
    }
    sync_ok(&cl);
    assert_mirrors(&cl.db, sim);
}

#[test]
fn a_nested_folder_sent_a_round_late_was_missing_after_the_first_sync() {
    let server = start(with_quirk("late-nested-folders"));
    let cl = client("x-late", &server.url(), "14.1", "");
    sync_ok(&cl);
    assert_mirrors(&cl.db, &server.sim);
    let live = server
        .sim
        .snapshot()
        .folders
        .iter()
        .filter(|f| !f.deleted)
        .count() as i64;
    assert_eq!(q::<i64>(&cl.db, "SELECT count(*) FROM folders"), live);
}

#[test]
fn a_change_before_its_add_created_a_half_empty_row() {
    let server = start(with_quirk("change-before-add"));
    let cl = client("x-chadd", &server.url(), "14.1", "");
    sync_ok(&cl);
    assert_eq!(erased(&cl.db), 0);
    assert_mirrors(&cl.db, &server.sim);
}

#[test]
fn a_fresh_key_on_every_response_counted_as_progress() {
    let server = start(with_quirk("fresh-sync-keys"));
    let sim = &server.sim;
    let cl = client("x-fresh", &server.url(), "14.1", "");
    sync_ok(&cl);
    sim.add_items("Inbox", 5).unwrap();
    sync_ok(&cl);
    assert_mirrors(&cl.db, sim);
}
