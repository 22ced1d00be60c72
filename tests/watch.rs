//! `easync watch` against the simulator, whose Ping heartbeat runs 60 times faster (a 60 s
//! heartbeat lasts one second): new mail lands in the store and its hook runs within a Ping
//! cycle; Ping statuses 5/6/7/8 each lead to the right next step; the heartbeat adapts and is
//! kept; a dropped connection or a change during the catch-up loses nothing; a burst becomes one
//! hook call; signals stop, reload and sync.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::{Fault, Running, Scope, SimConfig, State};
use serde_json::Value;
use simc::{PASSWORD_ENV, client, q, start, sync_ok};

fn fast() -> SimConfig {
    SimConfig {
        time_divisor: 60,
        ..simc::small()
    }
}

struct Watch {
    child: Child,
    lines: Receiver<Value>,
    hook_log: std::path::PathBuf,
    db: std::path::PathBuf,
}

/// The watch section of a test account: 60 s heartbeat, a hook that logs its calls.
fn watch_toml(dir: &std::path::Path, extra: &str) -> String {
    let log = dir.join("hooks.log");
    format!(
        "[account.a.watch]\nheartbeat = 60\ndebounce = 0.5\n{extra}\n\
         [[account.a.watch.hook]]\nfolder = \"Inbox\"\n\
         on_new_mail = [\"sh\", \"-c\", \"echo \\\"$EASYNC_FOLDER $EASYNC_EVENT $EASYNC_COUNT\\\" >> {0}\"]\n\
         on_delete = [\"sh\", \"-c\", \"echo \\\"$EASYNC_FOLDER $EASYNC_EVENT $EASYNC_COUNT\\\" >> {0}\"]\n",
        log.display()
    )
}

fn spawn(server: &Running, name: &str, extra: &str, args: &[&str]) -> Watch {
    let probe = client(name, &server.url(), "16.1", "");
    let toml = watch_toml(&probe.dir, extra);
    let c = client(name, &server.url(), "16.1", &toml);
    sync_ok(&c); // an earlier sync: the watch's catch-up is then news, not a download
    watch_on(&c, args)
}

fn watch_on(c: &simc::Client, args: &[&str]) -> Watch {
    watch_env(c, args, &[])
}

fn watch_env(c: &simc::Client, args: &[&str], env: &[(&str, &std::path::Path)]) -> Watch {
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .envs(env.iter().copied())
        .arg("-c")
        .arg(&c.config)
        .args(["watch", "--json"])
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
    Watch {
        child,
        lines: rx,
        hook_log: c.dir.join("hooks.log"),
        db: c.db.clone(),
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // A failed test must not leave its watcher running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watch {
    /// The first event matching `pred` within `secs`.
    fn expect(&self, secs: u64, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(v) if pred(&v) => return v,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("no {what} within {secs} s");
    }

    fn caught_up(&self) {
        self.expect(20, "catch-up sync", |v| {
            v["type"] == "sync" && v["reason"] == "catch-up"
        });
    }

    fn hook_calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.hook_log)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    fn wait_hooks(&self, n: usize, secs: u64) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            let calls = self.hook_calls();
            if calls.len() >= n {
                return calls;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{n} hook call(s) expected, got {:?}", self.hook_calls());
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args(["-s", sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// SIGTERM, and the exit code.
    fn stop(self) -> i32 {
        self.stop_with_log().0
    }

    /// SIGTERM: the exit code and what was logged.
    fn stop_with_log(mut self) -> (i32, String) {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read as _;
                let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
                if !status.success() {
                    eprintln!("easync watch stderr: {err}");
                }
                return (status.code().unwrap_or(-1), err);
            }
            assert!(
                Instant::now() < deadline,
                "easync watch did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn is_new(id: &str) -> impl Fn(&Value) -> bool + '_ {
    move |v| v["type"] == "new" && v["id"] == id
}

#[test]
fn new_mail_is_stored_and_its_hook_runs_within_a_ping_cycle() {
    let server = start(fast());
    let w = spawn(&server, "watch-new", "", &[]);
    w.caught_up();
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    let started = Instant::now();
    let ev = w.expect(5, "the new mail", is_new(&id));
    assert_eq!(ev["folder"], "Inbox");
    assert!(
        ev.get("subject").is_none(),
        "no subjects without details: {ev}"
    );
    let stored: i64 = q(
        &w.db,
        &format!("SELECT count(*) FROM items WHERE server_id = '{id}'"),
    );
    assert_eq!(stored, 1);
    assert_eq!(w.wait_hooks(1, 5), ["Inbox new_mail 1"]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    server.sim.set_item(&id, State::Deleted).unwrap();
    w.expect(5, "the deletion", |v| {
        v["type"] == "deleted" && v["id"] == id.as_str()
    });
    assert_eq!(w.wait_hooks(2, 5)[1], "Inbox delete 1");
    assert_eq!(w.stop(), 0);
}

#[test]
fn a_burst_of_100_mails_is_one_hook_call_and_details_are_opt_in() {
    let server = start(fast());
    let w = spawn(&server, "watch-burst", "", &["--details"]);
    w.caught_up();
    let ids = server.sim.add_items("Inbox", 100).unwrap();
    let ev = w.expect(10, "the last mail", is_new(ids.last().unwrap()));
    assert!(ev["subject"].is_string() && ev["from"].is_string(), "{ev}");
    std::thread::sleep(Duration::from_millis(1500)); // past the debounce window
    assert_eq!(w.hook_calls(), ["Inbox new_mail 100"]);
    assert_eq!(w.stop(), 0);
}

#[test]
fn ping_status_5_6_7_and_8_lead_to_the_right_next_step() {
    // 5: the server's minimum heartbeat is adopted and kept; 6: the folder set shrinks.
    let server = start(SimConfig {
        heartbeat_bounds: (120, 3540),
        max_ping_folders: 1,
        ..fast()
    });
    let w = spawn(&server, "watch-limits", "", &["-v"]);
    w.caught_up();
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(10, "mail after status 5 and 6", is_new(&id));
    let hb: i64 = q(&w.db, "SELECT ping_heartbeat FROM account");
    assert!(hb >= 120, "heartbeat {hb}");
    // 7: a watched folder disappears; the hierarchy is synced and the set derived again.
    server.sim.delete_folder("calendar").unwrap();
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(10, "mail after status 7", is_new(&id));
    // 8: a server error: back off, then go on.
    server.sim.faults.arm(Fault::Status(8), Scope::once("Ping"));
    std::thread::sleep(Duration::from_millis(1500));
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(10, "mail after status 8", is_new(&id));
    assert!(
        server.sim.stats.command_count("FolderSync") >= 2,
        "status 7 ran FolderSync"
    );
    assert_eq!(w.stop(), 0);
}

#[test]
fn the_heartbeat_rises_after_clean_expiries_falls_after_cuts_and_is_kept() {
    let server = start(fast());
    let w = spawn(&server, "watch-heartbeat", "", &[]);
    w.caught_up();
    std::thread::sleep(Duration::from_millis(3500)); // 1 s + 2 s heartbeats expire cleanly
    let risen: i64 = q(&w.db, "SELECT ping_heartbeat FROM account");
    assert!(risen >= 180, "after two clean expiries: {risen}");
    // A NAT cuts the next Ping after half a second, far below the heartbeat (and the session's
    // one retry of an idempotent request after a dropped connection).
    let twice = Scope {
        command: Some("Ping".into()),
        after: 0,
        times: Some(2),
    };
    server.sim.faults.arm(Fault::Cut { ms: 500 }, twice);
    let deadline = Instant::now() + Duration::from_secs(10);
    let lowered = loop {
        let hb: i64 = q(&w.db, "SELECT ping_heartbeat FROM account");
        if hb < risen || Instant::now() > deadline {
            break hb;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(lowered, 60, "cut after 0.5 s: down to the minimum");
    // The cut lost nothing.
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(10, "mail after the cut", is_new(&id));
    let db = w.db.clone();
    assert_eq!(w.stop(), 0);
    let kept: i64 = q(&db, "SELECT ping_heartbeat FROM account");
    assert!(kept >= 60, "{kept}");
    // The next run starts from the kept value, not from the configured 60 s.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE account SET ping_heartbeat = 900", [])
        .unwrap();
    let c = simc::Client {
        dir: db.parent().unwrap().to_path_buf(),
        config: db.parent().unwrap().join("config.toml"),
        db: db.clone(),
    };
    let again = watch_on(&c, &["-vv"]);
    again.caught_up();
    std::thread::sleep(Duration::from_millis(300));
    let (code, log) = again.stop_with_log();
    assert_eq!(code, 0);
    assert!(
        log.contains("heartbeat=900"),
        "the first Ping uses the kept heartbeat: {log}"
    );
}

#[test]
fn a_dropped_ping_or_a_change_during_catch_up_is_not_missed() {
    let server = start(fast());
    // The catch-up's Sync is slow; a mail arrives meanwhile.
    server.sim.faults.arm(
        Fault::Slow { ms: 800 },
        Scope {
            command: Some("Sync".into()),
            after: 1,
            times: Some(1),
        },
    );
    let probe = client("watch-drop", &server.url(), "16.1", "");
    let c = client(
        "watch-drop",
        &server.url(),
        "16.1",
        &watch_toml(&probe.dir, ""),
    );
    sync_ok(&c);
    let w = watch_on(&c, &[]);
    std::thread::sleep(Duration::from_millis(300));
    let during = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(10, "the mail added during the catch-up", is_new(&during));
    // The connection drops as the Ping answers.
    server
        .sim
        .faults
        .arm(Fault::DropAfter(0), Scope::once("Ping"));
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(15, "the mail whose Ping answer was lost", is_new(&id));
    assert_eq!(w.stop(), 0);
}

#[test]
fn signals_sync_now_reload_and_stop_cleanly_mid_sync() {
    let server = start(fast());
    let w = spawn(&server, "watch-signals", "", &[]);
    w.caught_up();
    w.signal("USR1");
    w.expect(5, "a sync on SIGUSR1", |v| {
        v["type"] == "sync" && v["reason"] == "signal"
    });
    w.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(5, "mail after a reload", is_new(&id));
    assert_eq!(w.stop(), 0);

    // SIGTERM in the middle of a long first sync: exit 0, a sound store, a later run converges.
    let big = start(SimConfig {
        emails: 3000,
        ..fast()
    });
    let c = client("watch-term", &big.url(), "16.1", "");
    let w = watch_on(&c, &[]);
    std::thread::sleep(Duration::from_millis(700));
    let db = w.db.clone();
    assert_eq!(w.stop(), 0);
    assert_eq!(q::<String>(&db, "PRAGMA integrity_check"), "ok");
    sync_ok(&c);
    simc::assert_mirrors(&c.db, &big.sim);
}

#[test]
fn huge_retry_after_does_not_panic_watch() {
    // `Retry-After: 18446744073709551615` on a Ping: `Instant + Duration` overflowed and the
    // watcher died with a panic. The delay is clamped to a day and the watcher waits, answering
    // signals.
    let server = start(fast());
    let w = spawn(&server, "watch-huge-retry", "", &[]);
    w.caught_up();
    server.sim.faults.arm(
        Fault::Http503 {
            retry_after: u64::MAX,
        },
        Scope::once("Ping"),
    );
    let ev = w.expect(10, "the throttling error", |v| v["type"] == "error");
    std::thread::sleep(Duration::from_millis(500));
    let mut w = w;
    assert!(
        w.child.try_wait().unwrap().is_none(),
        "easync watch died on a huge Retry-After"
    );
    let msg = ev["message"].as_str().unwrap_or_default().to_string();
    assert!(msg.contains("86400s"), "clamped to a day: {ev}");
    assert_eq!(w.stop(), 0);
}

#[test]
fn sighup_during_sync_waits_for_it() {
    // A SIGHUP or SIGUSR1 during a sync dropped the sync future mid-way: the sync was reported
    // (with nothing in it) while its items waited for a later Ping. Now both wait for the sync
    // to end, then the reload and one more sync run.
    let server = start(fast());
    let w = spawn(&server, "watch-hup-mid-sync", "", &["-v"]);
    w.caught_up();
    server
        .sim
        .faults
        .arm(Fault::Slow { ms: 1500 }, Scope::once("Sync"));
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    // The Ping answers at once; the push sync's Sync then takes 1.5 s.
    std::thread::sleep(Duration::from_millis(600));
    w.signal("HUP");
    std::thread::sleep(Duration::from_millis(100));
    w.signal("USR1");
    let synced = w.expect(10, "the push sync", |v| v["type"] == "sync");
    assert_eq!(synced["reason"], "push", "{synced}");
    assert_eq!(synced["new"], 1, "the sync was not cut short: {synced}");
    w.expect(5, "the queued SIGUSR1 sync", |v| {
        v["type"] == "sync" && v["reason"] == "signal"
    });
    let stored: i64 = q(
        &w.db,
        &format!("SELECT count(*) FROM items WHERE server_id = '{id}'"),
    );
    assert_eq!(stored, 1);
    let (code, log) = w.stop_with_log();
    assert_eq!(code, 0);
    let queued = log.find("during a sync: handled after it").expect(&log);
    let reloaded = log.find("configuration reloaded").expect(&log);
    assert!(queued < reloaded, "reloaded after the sync: {log}");
}

#[test]
fn readiness_is_signalled_once_credentials_are_resolved() {
    let server = start(fast());
    let c = client("watch-notify", &server.url(), "16.1", "");
    let path = c.dir.join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let w = watch_env(&c, &[], &[("NOTIFY_SOCKET", path.as_path())]);
    let mut buf = [0u8; 64];
    let n = sock.recv(&mut buf).expect("READY=1 within 10 s");
    assert_eq!(&buf[..n], b"READY=1");
    w.caught_up();
    assert_eq!(w.stop(), 0);
    let n = sock.recv(&mut buf).expect("STOPPING=1");
    assert_eq!(&buf[..n], b"STOPPING=1");
}

#[test]
fn a_server_down_at_start_is_retried_until_it_answers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{port}/Microsoft-Server-ActiveSync");
    let c = client("watch-down", &url, "16.1", "");
    let w = watch_on(&c, &[]);
    w.expect(5, "an error event", |v| v["type"] == "error");
    let sim = easync::sim::Sim::new(fast());
    let _server = easync::sim::spawn_thread(sim, Some(port)).unwrap();
    w.expect(15, "the catch-up once the server is up", |v| {
        v["type"] == "sync" && v["reason"] == "catch-up"
    });
    assert_eq!(w.stop(), 0);
}

#[test]
fn a_hook_that_hangs_is_killed_after_its_timeout() {
    let server = start(fast());
    let extra = "[account.a.watch]\nheartbeat = 60\ndebounce = 0\nhook_timeout = 1\n\
                 [[account.a.watch.hook]]\nfolder = \"Inbox\"\non_new_mail = [\"sleep\", \"30\"]\n";
    let c = client("watch-hang", &server.url(), "16.1", extra);
    sync_ok(&c);
    let w = watch_on(&c, &[]);
    w.caught_up();
    let started = Instant::now();
    let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
    w.expect(5, "the new mail", is_new(&id));
    // The hook hangs; one second later it is killed (and logged).
    std::thread::sleep(Duration::from_millis(1800));
    let (code, log) = w.stop_with_log();
    assert_eq!(code, 0);
    assert!(log.contains("ran longer than 1s: killed"), "{log}");
    assert!(started.elapsed() < Duration::from_secs(15));
}
