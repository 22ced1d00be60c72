//! `easync sync` as a user runs it, against the key-driven loopback mailbox
//! (tests/common/mailbox.rs): the mass-deletion guard and its override, and `--dry-run`.

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[path = "common/mailbox.rs"]
mod mailbox;

use mailbox::{Mailbox, serve};

type Setup = mailbox::Client;

fn setup(name: &str, url: &str) -> Setup {
    mailbox::client(&format!("cli-sync-{name}"), url)
}

fn easync(s: &Setup, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&s.config)
        .args(args)
        .env(mailbox::PASSWORD_ENV, "not-a-secret")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_server_emptying_a_folder_is_refused_until_allowed() {
    let mb = Arc::new(Mailbox::new(40, 512, 100));
    let s = setup("guard", &serve(mb.clone()));
    let first = easync(&s, &["sync"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        first.stderr.is_empty(),
        "nothing animated (or said) on stderr when it is not a terminal: {}",
        text(&first)
    );
    assert_eq!(count(&s.db, "SELECT count(*) FROM items"), 40);

    mb.purge.store(true, Ordering::SeqCst);
    let refused = easync(&s, &["sync"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let message = text(&refused);
    assert!(
        message.contains("would delete 40 of the 40 items of Inbox")
            && message.contains("--allow-deletions"),
        "{message}"
    );
    assert_eq!(
        count(&s.db, "SELECT count(*) FROM items"),
        40,
        "nothing applied"
    );
    assert_eq!(count(&s.db, "SELECT count(*) FROM deletions"), 0);

    let allowed = easync(&s, &["sync", "--allow-deletions"]);
    assert!(allowed.status.success(), "{}", text(&allowed));
    assert_eq!(count(&s.db, "SELECT count(*) FROM items"), 0);
    assert_eq!(count(&s.db, "SELECT count(*) FROM deletions"), 40);
}

#[test]
fn dry_run_reports_what_waits_and_changes_nothing() {
    let mb = Arc::new(Mailbox::new(30, 10, 100));
    let s = setup("dry", &serve(mb.clone()));
    let before = easync(&s, &["sync", "--dry-run"]);
    assert!(before.status.success(), "{}", text(&before));
    assert!(
        text(&before).contains("no folders known yet"),
        "{}",
        text(&before)
    );

    // Sync one page only: the server hangs on the second, and the run is killed.
    *mb.hang_on.lock().unwrap() = Some("k10".into());
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&s.config)
        .arg("sync")
        .env(mailbox::PASSWORD_ENV, "not-a-secret")
        .spawn()
        .unwrap();
    while !mb.hung.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    *mb.hang_on.lock().unwrap() = None;
    assert_eq!(count(&s.db, "SELECT count(*) FROM items"), 10);

    let dry = easync(&s, &["sync", "--dry-run", "--json"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let out = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(
        out.contains("\"folder\":\"Inbox\"") && out.contains("\"pending\":20"),
        "{out}"
    );
    assert_eq!(
        count(&s.db, "SELECT count(*) FROM items"),
        10,
        "nothing downloaded"
    );
    let human = easync(&s, &["sync", "--dry-run"]);
    assert!(
        text(&human).contains("Inbox: 20 changes waiting"),
        "{}",
        text(&human)
    );

    // On a terminal (script(1) gives it one), a bar sized by the estimate shows the progress.
    mb.delay_ms.store(300, Ordering::SeqCst);
    let shell = format!(
        "{}=x {} -c {} sync",
        mailbox::PASSWORD_ENV,
        env!("CARGO_BIN_EXE_easync"),
        s.config.display()
    );
    let tty = Command::new("script")
        .args(["-qec", &shell, "/dev/null"])
        .output()
        .expect("script(1) from util-linux runs the sync on a pseudo-terminal");
    let screen = String::from_utf8_lossy(&tty.stdout).to_string();
    assert!(tty.status.success(), "{screen}");
    assert!(
        screen.contains("Inbox [") && screen.contains("/20 items"),
        "a bar for Inbox out of the 20 estimated: {screen:?}"
    );
    assert!(screen.contains("synced: 20 added"), "{screen:?}");
    assert_eq!(count(&s.db, "SELECT count(*) FROM items"), 30);
    mb.delay_ms.store(0, Ordering::SeqCst);
    let after = easync(&s, &["sync", "--dry-run"]);
    assert!(
        text(&after).contains("Inbox: 0 changes waiting"),
        "{}",
        text(&after)
    );
}
