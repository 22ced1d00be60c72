//! Two-way mail through the binary against the simulator's Exchange profile: a change made
//! with `easync mail read|unread|flag|unflag|move|delete` reaches the server exactly once and a
//! second, fresh easync database sees it; the first keeps every mail whole.

mod common;
#[path = "common/sim.rs"]
mod simc;

use simc::{assert_mirrors, client, easync, easync_ok as ok, q, small, start, sync_ok};

/// The row id of the mail with `subject` in folder `folder` (by name).
fn id_of(db: &std::path::Path, folder: &str, subject: &str) -> i64 {
    q(
        db,
        &format!(
            "SELECT i.id FROM items i JOIN emails e ON e.item_id = i.id JOIN folders f \
             ON f.id = i.folder_id WHERE f.name = '{folder}' AND e.subject = '{}' AND i.soft_deleted = 0",
            subject.replace('\'', "''")
        ),
    )
}

/// Subject of the n-th mail of the Inbox (by row id).
fn nth_subject(db: &std::path::Path, n: usize) -> String {
    q(
        db,
        &format!(
            "SELECT e.subject FROM items i JOIN emails e ON e.item_id = i.id JOIN folders f \
             ON f.id = i.folder_id WHERE f.name = 'Inbox' ORDER BY i.id LIMIT 1 OFFSET {n}"
        ),
    )
}

fn field(db: &std::path::Path, folder: &str, subject: &str, column: &str) -> Option<i64> {
    q(
        db,
        &format!(
            "SELECT e.{column} FROM items i JOIN emails e ON e.item_id = i.id JOIN folders f \
             ON f.id = i.folder_id WHERE f.name = '{folder}' AND e.subject = '{}'",
            subject.replace('\'', "''")
        ),
    )
}

fn count_in(db: &std::path::Path, folder: &str, subject: &str) -> i64 {
    q(
        db,
        &format!(
            "SELECT count(*) FROM items i JOIN emails e ON e.item_id = i.id JOIN folders f \
             ON f.id = i.folder_id WHERE f.name = '{folder}' AND e.subject = '{}' AND i.soft_deleted = 0",
            subject.replace('\'', "''")
        ),
    )
}

fn journal(db: &std::path::Path) -> i64 {
    q(db, "SELECT count(*) FROM changes")
}

#[test]
fn read_and_flag_changes_reach_the_server_and_a_second_device() {
    let server = start(small());
    let a = client("tw-flags-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let (s1, s2) = (nth_subject(&a.db, 0), nth_subject(&a.db, 1));
    let (id1, id2) = (id_of(&a.db, "Inbox", &s1), id_of(&a.db, "Inbox", &s2));
    let read1 = field(&a.db, "Inbox", &s1, "read") == Some(1);
    ok(
        &a,
        &[
            "mail",
            if read1 { "unread" } else { "read" },
            &id1.to_string(),
        ],
    );
    ok(&a, &["mail", "flag", &id2.to_string()]);
    assert_eq!(journal(&a.db), 0, "every change taken by the server");
    // Shown at once in the first mirror, the mail whole.
    assert_eq!(field(&a.db, "Inbox", &s1, "read"), Some(i64::from(!read1)));
    assert_eq!(field(&a.db, "Inbox", &s2, "flag_status"), Some(2));
    assert_eq!(
        q::<i64>(
            &a.db,
            &format!(
                "SELECT count(*) FROM emails WHERE item_id IN ({id1}, {id2}) AND body IS NOT NULL AND sender IS NOT NULL"
            )
        ),
        2
    );
    let b = client("tw-flags-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(field(&b.db, "Inbox", &s1, "read"), Some(i64::from(!read1)));
    assert_eq!(field(&b.db, "Inbox", &s2, "flag_status"), Some(2));
    ok(&a, &["mail", "unflag", &id2.to_string()]);
    sync_ok(&b);
    assert_ne!(field(&b.db, "Inbox", &s2, "flag_status"), Some(2));
    sync_ok(&a);
    assert_mirrors(&a.db, &server.sim);
    assert_mirrors(&b.db, &server.sim);
}

#[test]
fn a_move_keeps_the_row_and_reaches_the_destination_on_the_server() {
    let server = start(small());
    let a = client("tw-move-a", &server.url(), "14.1", "");
    sync_ok(&a);
    let dest: String = q(
        &a.db,
        "SELECT name FROM folders WHERE class = 'Email' AND type IN (1, 12) ORDER BY id LIMIT 1",
    );
    let subject = nth_subject(&a.db, 3);
    let id = id_of(&a.db, "Inbox", &subject);
    ok(&a, &["mail", "move", "--to", &dest, &id.to_string()]);
    assert_eq!(journal(&a.db), 0);
    assert_eq!(
        id_of(&a.db, &dest, &subject),
        id,
        "the same row, moved (no download)"
    );
    assert_eq!(count_in(&a.db, "Inbox", &subject), 0);
    let b = client("tw-move-b", &server.url(), "14.1", "");
    sync_ok(&b);
    assert_eq!(count_in(&b.db, &dest, &subject), 1);
    assert_eq!(count_in(&b.db, "Inbox", &subject), 0);
    sync_ok(&a);
    assert_eq!(
        count_in(&a.db, &dest, &subject),
        1,
        "not doubled by a later sync"
    );
    assert_mirrors(&a.db, &server.sim);
}

#[test]
fn a_delete_goes_to_deleted_items_and_a_hard_delete_nowhere() {
    let server = start(small());
    let a = client("tw-del-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let (soft, hard) = (nth_subject(&a.db, 4), nth_subject(&a.db, 5));
    let (id_soft, id_hard) = (id_of(&a.db, "Inbox", &soft), id_of(&a.db, "Inbox", &hard));
    ok(&a, &["mail", "delete", &id_soft.to_string()]);
    ok(&a, &["mail", "delete", "--hard", &id_hard.to_string()]);
    assert_eq!(journal(&a.db), 0);
    assert_eq!(
        count_in(&a.db, "Inbox", &soft) + count_in(&a.db, "Inbox", &hard),
        0
    );
    let b = client("tw-del-b", &server.url(), "16.1", "");
    sync_ok(&b);
    let deleted_items: String = q(&b.db, "SELECT name FROM folders WHERE type = 4");
    assert_eq!(count_in(&b.db, "Inbox", &soft), 0);
    assert_eq!(
        count_in(&b.db, &deleted_items, &soft),
        1,
        "moved to Deleted Items"
    );
    assert_eq!(
        q::<i64>(
            &b.db,
            &format!(
                "SELECT count(*) FROM emails WHERE subject = '{}'",
                hard.replace('\'', "''")
            )
        ),
        0,
        "deleted for good"
    );
    sync_ok(&a);
    assert_eq!(count_in(&a.db, &deleted_items, &soft), 1);
    assert_mirrors(&a.db, &server.sim);
}

#[test]
fn a_change_made_offline_waits_in_the_journal_and_is_sent_once() {
    let server = start(small());
    let a = client("tw-offline-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let subject = nth_subject(&a.db, 6);
    let id = id_of(&a.db, "Inbox", &subject);
    ok(&a, &["mail", "flag", "--no-sync", &id.to_string()]);
    assert_eq!(journal(&a.db), 1);
    let status = ok(&a, &["status"]);
    assert!(status.contains("local changes: 1 pending"), "{status}");
    let listed = ok(&a, &["changes", "--json"]);
    assert!(
        listed.contains("\"state\":\"pending\"") && listed.contains("\"kind\":\"mail\""),
        "{listed}"
    );
    let before = server.sim.stats.command_count("Sync");
    sync_ok(&a);
    assert!(server.sim.stats.command_count("Sync") > before);
    assert_eq!(journal(&a.db), 0);
    let b = client("tw-offline-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(field(&b.db, "Inbox", &subject, "flag_status"), Some(2));
    assert!(ok(&a, &["changes"]).contains("no local changes waiting"));
}

#[test]
fn an_unknown_mail_or_folder_is_refused_and_nothing_is_recorded() {
    let server = start(small());
    let a = client("tw-refuse-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let out = easync(&a, &["mail", "read", "999999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no item 999999"));
    let out = easync(&a, &["mail", "move", "--to", "No Such Folder", "1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no mail folder called"));
    assert_eq!(journal(&a.db), 0);
}

#[test]
/// Found by the crash test: a resync before the change was sent rewrote the mail without the
/// local flag, and the server does not send a device its own change back.
fn a_flag_recorded_before_a_resync_was_lost_from_the_mirror() {
    let server = start(small());
    let a = client("tw-resync-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let subject = nth_subject(&a.db, 7);
    let id = id_of(&a.db, "Inbox", &subject);
    ok(&a, &["mail", "flag", "--no-sync", &id.to_string()]);
    easync::store::Store::open(&a.db)
        .unwrap()
        .request_resync("inbox")
        .unwrap();
    sync_ok(&a);
    assert_eq!(journal(&a.db), 0);
    let b = client("tw-resync-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(field(&b.db, "Inbox", &subject, "flag_status"), Some(2));
    assert_eq!(field(&a.db, "Inbox", &subject, "flag_status"), Some(2));
}

fn server_id_of(db: &std::path::Path, id: i64) -> String {
    q(db, &format!("SELECT server_id FROM items WHERE id = {id}"))
}

#[test]
fn a_change_made_on_both_sides_keeps_the_servers_version_and_says_so() {
    let server = start(small());
    let a = client("tw-conflict-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let subject = nth_subject(&a.db, 8);
    let id = id_of(&a.db, "Inbox", &subject);
    // Someone else flags it on the server; this side marks it read before hearing of it.
    server
        .sim
        .set_mail_flags(&server_id_of(&a.db, id), false, true, Vec::new())
        .unwrap();
    let out = easync(&a, &["mail", "read", &id.to_string()]);
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("the server's version was kept") && text.contains("easync changes"),
        "{text}"
    );
    let listed = ok(&a, &["changes"]);
    assert!(listed.contains("conflict"), "{listed}");
    // The mirror shows the server's version, not the refused local one.
    assert_eq!(field(&a.db, "Inbox", &subject, "read"), Some(0));
    assert_eq!(field(&a.db, "Inbox", &subject, "flag_status"), Some(2));
    assert_mirrors(&a.db, &server.sim);
    // Sent again on request, it now applies (the server's change is known).
    ok(&a, &["changes", "retry", "--all"]);
    sync_ok(&a);
    assert_eq!(journal(&a.db), 0);
    assert_eq!(field(&a.db, "Inbox", &subject, "read"), Some(1));
    assert_mirrors(&a.db, &server.sim);
}

#[test]
fn with_conflict_local_this_sides_change_wins() {
    let server = start(small());
    let a = client(
        "tw-local-a",
        &server.url(),
        "16.1",
        "[account.a.sync]\nconflict = \"local\"\n",
    );
    sync_ok(&a);
    let subject = nth_subject(&a.db, 9);
    let id = id_of(&a.db, "Inbox", &subject);
    server
        .sim
        .set_mail_flags(&server_id_of(&a.db, id), false, true, Vec::new())
        .unwrap();
    ok(&a, &["mail", "read", &id.to_string()]);
    assert_eq!(journal(&a.db), 0);
    let b = client("tw-local-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(field(&b.db, "Inbox", &subject, "read"), Some(1));
}

#[test]
fn a_change_the_server_cannot_convert_is_failed_with_why_and_can_be_retried() {
    use easync::sim::ClientOp;
    use easync::sim::faults::{Fault, Scope};
    let server = start(small());
    let a = client("tw-status6-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let subject = nth_subject(&a.db, 10);
    let id = id_of(&a.db, "Inbox", &subject);
    let before = field(&a.db, "Inbox", &subject, "flag_status");
    server.sim.faults.arm(
        Fault::ClientStatus(ClientOp::Change, 6),
        Scope::once("Sync"),
    );
    let out = easync(&a, &["mail", "flag", &id.to_string()]);
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("the server refused the change"), "{text}");
    let listed = ok(&a, &["changes", "--json"]);
    assert!(
        listed.contains("\"state\":\"failed\"") && listed.contains("\"status\":6"),
        "{listed}"
    );
    assert_eq!(
        field(&a.db, "Inbox", &subject, "flag_status"),
        before,
        "the mirror shows what the server has"
    );
    ok(&a, &["changes", "retry", "--all"]);
    sync_ok(&a);
    assert_eq!(journal(&a.db), 0);
    assert_eq!(field(&a.db, "Inbox", &subject, "flag_status"), Some(2));
    // A dropped change is never sent.
    server.sim.faults.arm(
        Fault::ClientStatus(ClientOp::Change, 6),
        Scope::once("Sync"),
    );
    let _ = easync(&a, &["mail", "unflag", &id.to_string()]);
    ok(&a, &["changes", "drop", "--all"]);
    sync_ok(&a);
    assert_eq!(journal(&a.db), 0);
    assert_eq!(field(&a.db, "Inbox", &subject, "flag_status"), Some(2));
    assert_mirrors(&a.db, &server.sim);
}

#[test]
fn categories_are_set_and_a_folder_is_emptied_into_deleted_items() {
    let server = start(small());
    let a = client("tw-cats-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let subject = nth_subject(&a.db, 11);
    let id = id_of(&a.db, "Inbox", &subject);
    ok(
        &a,
        &[
            "mail",
            "categories",
            "--set",
            "Red",
            "--set",
            "Projekt Ä",
            &id.to_string(),
        ],
    );
    let folder = "Q4 Übergabe";
    let before: i64 = q(
        &a.db,
        &format!(
            "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.name = '{folder}'"
        ),
    );
    assert!(before > 0);
    ok(&a, &["mail", "delete", "--in", folder]);
    assert_eq!(journal(&a.db), 0);
    let b = client("tw-cats-b", &server.url(), "16.1", "");
    sync_ok(&b);
    let cats: String = q(
        &b.db,
        &format!(
            "SELECT categories FROM emails WHERE subject = '{}'",
            subject.replace('\'', "''")
        ),
    );
    assert_eq!(cats, r#"["Red","Projekt Ä"]"#);
    let left: i64 = q(
        &b.db,
        &format!(
            "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.name = '{folder}'"
        ),
    );
    assert_eq!(left, 0, "emptied");
    let trash: i64 = q(
        &b.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.type = 4",
    );
    assert_eq!(trash, before, "into Deleted Items");
    ok(&a, &["mail", "categories", &id.to_string()]);
    sync_ok(&b);
    let cats: String = q(
        &b.db,
        &format!(
            "SELECT categories FROM emails WHERE subject = '{}'",
            subject.replace('\'', "''")
        ),
    );
    assert_eq!(cats, "[]", "cleared");
    sync_ok(&a);
    assert_mirrors(&a.db, &server.sim);
}

#[test]
fn a_change_of_a_mail_gone_from_the_server_fails_and_a_delete_of_one_is_done() {
    use easync::sim::ClientOp;
    use easync::sim::faults::{Fault, Scope};
    let server = start(small());
    let a = client("tw-status8-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let (s1, s2) = (nth_subject(&a.db, 12), nth_subject(&a.db, 13));
    let (id1, id2) = (id_of(&a.db, "Inbox", &s1), id_of(&a.db, "Inbox", &s2));
    server.sim.faults.arm(
        Fault::ClientStatus(ClientOp::Change, 8),
        Scope::once("Sync"),
    );
    let out = easync(&a, &["mail", "read", &id1.to_string()]);
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("no longer on the server"), "{text}");
    server.sim.faults.arm(
        Fault::ClientStatus(ClientOp::Delete, 8),
        Scope::once("Sync"),
    );
    ok(&a, &["mail", "delete", "--hard", &id2.to_string()]);
    let left = ok(&a, &["changes", "--json"]);
    assert!(
        left.contains("\"status\":8") && !left.contains("\"kind\":\"delete\""),
        "{left}"
    );
    assert_eq!(count_in(&a.db, "Inbox", &s2), 0, "already gone: done");
}

#[test]
fn a_dropped_flag_kept_showing_in_the_mirror() {
    let server = start(small());
    let a = client("tw-dropped-a", &server.url(), "16.1", "");
    sync_ok(&a);
    let subject = nth_subject(&a.db, 14);
    let id = id_of(&a.db, "Inbox", &subject);
    let before = field(&a.db, "Inbox", &subject, "flag_status");
    assert_ne!(before, Some(2));
    ok(&a, &["mail", "flag", "--no-sync", &id.to_string()]);
    assert_eq!(
        field(&a.db, "Inbox", &subject, "flag_status"),
        Some(2),
        "shown at once"
    );
    let change: i64 = q(&a.db, "SELECT id FROM changes");
    ok(&a, &["changes", "drop", &change.to_string()]);
    sync_ok(&a);
    assert_eq!(journal(&a.db), 0);
    assert_eq!(
        field(&a.db, "Inbox", &subject, "flag_status"),
        before,
        "the server's version again"
    );
    assert_mirrors(&a.db, &server.sim);
}
