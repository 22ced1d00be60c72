//! `easync watch` sends local changes within seconds, between Pings: a flag a user sets in the
//! exported Maildir (inotify), and a change `easync mail` records while watch holds the
//! account (the journal).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::SimConfig;
use serde_json::Value;
use simc::{PASSWORD_ENV, client, q, start, sync_ok};

struct Watch {
    child: Child,
    lines: Receiver<Value>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn watch(config: &std::path::Path) -> Watch {
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(config)
        .args(["watch", "--json"])
        .env(PASSWORD_ENV, "demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let w = Watch { child, lines: rx };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .expect("no catch-up sync within 20 s");
        let v = w.lines.recv_timeout(left).expect("watch ended");
        if v["type"] == "sync" && v["reason"] == "catch-up" {
            return w;
        }
    }
}

/// Waits until `pred` holds, at most `secs`; how long it took.
fn within(secs: u64, what: &str, pred: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        if pred() {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} not within {secs} s");
}

#[test]
fn a_maildir_flag_and_an_easync_mail_change_reach_the_server_while_watching() {
    let server = start(SimConfig {
        time_divisor: 60,
        ..simc::small()
    });
    let root = std::env::temp_dir().join(format!("easync-watch2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let extra = format!(
        "[account.a.watch]\nheartbeat = 600\n[[account.a.export]]\nwhat = \"mail\"\nmaildir = \"{}\"\nfolders = [\"Inbox\"]\n",
        root.display()
    );
    let a = client("watch2", &server.url(), "16.1", &extra);
    sync_ok(&a);
    let w = watch(&a.config);
    // An unread message of the exported Inbox, by its state file line.
    let state = std::fs::read_to_string(root.join("Inbox/.easync-items")).unwrap();
    let (stem, server_id) = state
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.len() >= 3 && f[2].is_empty())
        .map(|f| (f[0].to_string(), f[1].to_string()))
        .expect("an unread message");
    let cur = root.join("Inbox/cur");
    std::fs::rename(
        cur.join(format!("{stem}:2,")),
        cur.join(format!("{stem}:2,S")),
    )
    .unwrap();
    let read = || server.sim.item(&server_id).unwrap().mail.unwrap().read;
    let took = within(15, "the maildir's read flag on the server", read);
    eprintln!("maildir flag → server: {took:?}");

    // `easync mail` while watch holds the account: recorded, and watch sends it.
    let id: i64 = q(
        &a.db,
        &format!("SELECT id FROM items WHERE server_id = '{server_id}'"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&a.config)
        .args(["mail", "flag", &id.to_string()])
        .env(PASSWORD_ENV, "demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("watch"));
    let flagged = || {
        server
            .sim
            .item(&server_id)
            .unwrap()
            .mail
            .unwrap()
            .flag_status
            == 2
    };
    let took = within(15, "the flag on the server", flagged);
    eprintln!("easync mail flag → server: {took:?}");
    // And the maildir shows it (the watch wrote its exports after that sync).
    within(10, "the F flag in the maildir", || {
        cur.join(format!("{stem}:2,FS")).exists()
    });
    drop(w);
}

#[test]
fn a_message_queued_while_watching_is_sent_within_seconds_and_its_copy_comes_back() {
    let server = start(SimConfig {
        time_divisor: 60,
        ..simc::small()
    });
    let a = client(
        "watch-send",
        &server.url(),
        "16.1",
        "[account.a.watch]\nheartbeat = 600\n",
    );
    sync_ok(&a);
    let _w = watch(&a.config);
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&a.config)
        .args(["send", "--queue-only", "-t"])
        .env(PASSWORD_ENV, "demo")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"To: bob@example.test\nSubject: sent by watch\n\nhi\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let took = within(15, "the queued message on the server", || {
        server.sim.sent_with_subject("sent by watch").len() == 1
    });
    eprintln!("queued message → server under watch: {took:?}");
    within(15, "its Sent Items copy in the mirror", || {
        q::<i64>(
            &a.db,
            "SELECT count(*) FROM emails e JOIN items i ON i.id = e.item_id JOIN folders f \
             ON f.id = i.folder_id WHERE f.type = 5 AND e.subject = 'sent by watch'",
        ) == 1
    });
    assert_eq!(
        server.sim.sent_with_subject("sent by watch").len(),
        1,
        "once"
    );
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM outbox"), 0);
}
