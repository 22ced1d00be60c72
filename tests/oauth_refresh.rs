//! `sync`, `watch` and `send` of one account running at the same time across several
//! expiries of its access token: each expiry is met by exactly one refresh (the IdP records
//! how long the newest token still had to live at every refresh), no refresh token is redeemed
//! twice, and every command succeeds.

mod common;
#[path = "common/oauth.rs"]
mod oauth;
#[path = "common/sim.rs"]
mod simc;

use std::io::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use easync::sim::SimConfig;
use easync::sim::idp::{IdpConfig, IdpStats};
use oauth::*;

const LIFETIME: Duration = Duration::from_secs(3);
const RUN: Duration = Duration::from_secs(12);

fn send(c: &Client, n: usize) -> std::process::Output {
    let mut child = cmd(c, &["send", "x@example.test"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let message = format!(
        "From: demo@easync.test\r\nTo: x@example.test\r\nSubject: test {n}\r\n\r\nbody {n}\r\n"
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn sync_watch_and_send_refresh_once_per_expiry() {
    let idp = start_idp(IdpConfig {
        access_lifetime: LIFETIME,
        ..IdpConfig::default()
    });
    let sim = start_sim(
        &idp.idp,
        SimConfig {
            time_divisor: 60,
            ..oauth::small()
        },
    );
    let c = client("concurrent", &sim.url(), &idp, "");
    std::fs::write(
        &c.config,
        std::fs::read_to_string(&c.config).unwrap() + "\n[account.a.watch]\nheartbeat = 60\n",
    )
    .unwrap();
    // A second installation of the same account (another database, the same tokens): `sync`
    // runs there while `watch` holds the first database.
    let other = Client {
        config: c.dir.join("other.toml"),
        db: c.dir.join("other.sqlite"),
        state: c.state.clone(),
        dir: c.dir.clone(),
    };
    let text = std::fs::read_to_string(&c.config).unwrap();
    std::fs::write(
        &other.config,
        text.replace(&c.db.display().to_string(), &other.db.display().to_string()),
    )
    .unwrap();
    let (status, printed_login) = login_browser(&c, &["--no-browser"]);
    assert!(status.success(), "{printed_login}");
    let watch = cmd(&c, &["watch"]).stdout(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    let (syncs, sends) = std::thread::scope(|s| {
        let syncs = s.spawn(|| {
            let mut n = 0;
            while start.elapsed() < RUN {
                let out = run(&other, &["sync"]);
                assert!(out.status.success(), "sync: {}", printed(&out));
                n += 1;
            }
            n
        });
        let sends = s.spawn(|| {
            let mut n = 0;
            while start.elapsed() < RUN {
                let out = send(&c, n);
                assert!(out.status.success(), "send: {}", printed(&out));
                n += 1;
                std::thread::sleep(Duration::from_millis(400));
            }
            n
        });
        while start.elapsed() < RUN {
            sim.sim.add_items("Inbox", 1).unwrap(); // watch syncs on each
            std::thread::sleep(Duration::from_millis(600));
        }
        (syncs.join().unwrap(), sends.join().unwrap())
    });
    unsafe { libc::kill(watch.id() as i32, libc::SIGTERM) };
    let watched = watch.wait_with_output().unwrap();
    let watch_log = String::from_utf8_lossy(&watched.stderr);
    assert!(watched.status.success(), "watch: {watch_log}");
    assert!(!watch_log.contains("ERROR"), "{watch_log}");

    let stats = &idp.idp.stats;
    let refreshes = IdpStats::get(&stats.refreshes);
    let remaining = idp.idp.refresh_remaining();
    eprintln!(
        "{syncs} syncs, {sends} sends, {} SendMail, {refreshes} refreshes, remaining {remaining:?}, {} HTTP 401",
        sim.sim.stats.command_count("SendMail"),
        sim.sim
            .stats
            .unauthorized
            .load(std::sync::atomic::Ordering::Relaxed),
    );
    assert!(syncs >= 2 && sends >= 5, "{syncs} syncs, {sends} sends");
    assert!(
        sim.sim.stats.command_count("SendMail") >= sends as u64,
        "every message sent"
    );
    assert_eq!(
        IdpStats::get(&stats.reused),
        0,
        "a refresh token redeemed twice"
    );
    let expiries = (RUN.as_secs_f64() / LIFETIME.as_secs_f64()) as u64;
    assert!(
        refreshes >= expiries - 1,
        "{refreshes} refreshes in {RUN:?}"
    );
    assert!(
        refreshes <= expiries + 2,
        "{refreshes} refreshes in {RUN:?}"
    );
    // Every refresh came at the end of the newest token's life, never while it was fresh:
    // one refresh per expiry, whoever of the three did it.
    assert!(
        remaining.iter().all(|r| *r < LIFETIME / 2),
        "a second refresh for one expiry: {remaining:?}"
    );
}
