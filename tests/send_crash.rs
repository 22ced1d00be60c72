//! Crash safety of sending: 200 messages are queued, then `easync send --flush` sending them is
//! killed with SIGKILL at random moments, again and again, until the queue is empty. Then the
//! simulator must have delivered every message exactly once: none lost, none doubled (a
//! resend after a kill carries the same ClientId, which the server answers with 118). A
//! second part kills `easync send` itself while it reads, queues and sends one message: each
//! message is then either delivered once, or was never accepted (not queued, not delivered).
//!
//! CI runs 30 kills; `EASYNC_SEND_KILLS=100` the long run. `EASYNC_CRASH_SEED` replays one.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::SimConfig;
use easync::store::{NewMessage, OutboxCommand, Store};
use simc::{Client, PASSWORD_ENV, client, env_u64, q, start, xorshift};

const MESSAGES: usize = 200;

fn config() -> SimConfig {
    SimConfig {
        emails: 20,
        contacts: 2,
        events: 2,
        tasks: 1,
        verify_responses: false,
        ..SimConfig::default()
    }
}

fn easync(c: &Client, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_easync"));
    cmd.arg("-c")
        .arg(&c.config)
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn subject(round: &str, n: usize) -> String {
    format!("crash {round} message {n}")
}

/// Queues the messages straight into the store, as `easync send --queue-only` would.
fn queue(c: &Client, round: &str) {
    let mut db = Store::open(&c.db).unwrap();
    for n in 0..MESSAGES {
        let s = subject(round, n);
        let mime = format!(
            "From: demo@easync.test\r\nTo: bob@example.test\r\nSubject: {s}\r\n\
             Message-ID: <{round}.{n}@easync.test>\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\n\r\n\
             body of {s}\r\n"
        );
        db.queue_message(&NewMessage {
            command: OutboxCommand::Send,
            source: None,
            replace_mime: false,
            save_in_sent: n % 2 == 0,
            message_id: Some(format!("<{round}.{n}@easync.test>")),
            mime: mime.into_bytes(),
            recipients: vec!["bob@example.test".into()],
            subject: Some(s),
        })
        .unwrap();
    }
}

/// How many times the simulator delivered each subject.
fn delivered(sim: &easync::sim::Sim) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in sim.outbox() {
        *out.entry(m.subject.clone().unwrap_or_default())
            .or_default() += 1;
    }
    out
}

/// How long flushing the whole queue takes here: the kill moments are spread over it.
fn probe() -> Duration {
    let server = start(config());
    let c = client("send-crash-probe", &server.url(), "16.1", "");
    queue(&c, "probe");
    let started = Instant::now();
    let out = easync(&c, &["send", "--flush"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.sim.outbox().len(), MESSAGES);
    started.elapsed()
}

#[test]
fn every_queued_message_is_delivered_exactly_once_across_kills() {
    let kills = env_u64("EASYNC_SEND_KILLS", 30);
    let mut x = env_u64("EASYNC_CRASH_SEED", 0x5eed_5e4d_0000_0001);
    eprintln!("EASYNC_CRASH_SEED={x}");
    let span = probe().as_millis().max(50) as u64;
    let (mut killed, mut midway, mut round) = (0, 0, 0);
    while killed < kills {
        round += 1;
        let name = format!("r{round}");
        let server = start(config());
        let c = client(&format!("send-crash-{name}"), &server.url(), "16.1", "");
        queue(&c, &name);
        let mut left = MESSAGES as i64;
        while left > 0 {
            let after = Duration::from_millis(xorshift(&mut x) % (span + 1));
            let mut child = easync(&c, &["send", "--flush"]).spawn().unwrap();
            std::thread::sleep(after);
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL: no destructor, no rollback handler runs
                child.wait().unwrap();
                killed += 1;
            }
            assert_eq!(q::<String>(&c.db, "PRAGMA integrity_check"), "ok");
            let now: i64 = q(&c.db, "SELECT count(*) FROM outbox");
            midway += u64::from(now > 0 && now < left);
            left = now;
            if killed >= kills && left > 0 {
                let out = easync(&c, &["send", "--flush"]).output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                left = q(&c.db, "SELECT count(*) FROM outbox");
            }
        }
        let got = delivered(&server.sim);
        let wrong: Vec<_> = (0..MESSAGES)
            .map(|n| subject(&name, n))
            .filter(|s| got.get(s) != Some(&1))
            .map(|s| format!("{s}: {:?}", got.get(&s)))
            .collect();
        assert!(wrong.is_empty(), "not delivered exactly once: {wrong:?}");
        assert_eq!(got.len(), MESSAGES);
        let copies = server.sim.mails_with_subject(&subject(&name, 0)).len();
        assert_eq!(
            copies, 1,
            "one Sent Items copy of a message sent with SaveInSentItems"
        );
    }
    eprintln!(
        "{killed} kills in {round} rounds of {MESSAGES} messages, {midway} with the queue part \
         sent; every message delivered exactly once"
    );
}

#[test]
fn a_killed_easync_send_leaves_each_message_delivered_once_or_never_accepted() {
    let kills = env_u64("EASYNC_SEND_KILLS", 30).min(40);
    let mut x = env_u64("EASYNC_CRASH_SEED", 0x5eed_5e4d_0000_0002);
    let server = start(config());
    let c = client("send-crash-single", &server.url(), "16.1", "");
    // One send, timed: kill moments fall within it.
    let one = |n: u64| {
        let mut child = easync(&c, &["send", "-t"]).spawn().unwrap();
        let msg = format!("To: bob@example.test\nSubject: single {n}\n\nbody {n}\n");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(msg.as_bytes())
            .unwrap();
        child
    };
    let started = Instant::now();
    assert!(one(0).wait().unwrap().success());
    let span = started.elapsed().as_millis().max(20) as u64;
    for n in 1..=kills {
        let mut child = one(n);
        std::thread::sleep(Duration::from_millis(xorshift(&mut x) % (span + 1)));
        let _ = child.kill();
        child.wait().unwrap();
    }
    let out = easync(&c, &["send", "--flush"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = delivered(&server.sim);
    let mut accepted = 0;
    for n in 0..=kills {
        match got.get(&format!("single {n}")) {
            None | Some(1) => accepted += u64::from(got.contains_key(&format!("single {n}"))),
            Some(k) => panic!("single {n} delivered {k} times"),
        }
    }
    assert_eq!(q::<i64>(&c.db, "SELECT count(*) FROM outbox"), 0);
    eprintln!("{kills} kills of easync send: {accepted} messages accepted, each delivered once");
}
