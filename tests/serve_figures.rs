//! Figures of `easync serve` under load (not a test of speed: it prints, asserts only
//! correctness). In one run against the simulator on loopback, with N mails in the Inbox
//! (`EASYNC_SERVE_MAILS`, default 50,000) and 20 IMAP clients idling:
//! - a full mbsync of the mailbox through serve (messages fetched from the server with
//!   ItemOperations, as for an account that keeps text bodies): wall time, messages/s;
//! - serve's peak RSS (VmHWM) after it, against the RSS after the first SELECT;
//! - IDLE latency: a mail the server receives while mbsync runs, announced to all 20 clients.
//!
//!     cargo test --release --test serve_figures -- --ignored --nocapture

use std::process::Command;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

mod common;
#[path = "common/serve.rs"]
mod served;
#[path = "common/sim.rs"]
mod simc;

use served::{LOCAL_PASSWORD, Raw, serve_table, start_serve};
use simc::{client, env_u64, q, start, sync_ok};

fn rss_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(key)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

#[test]
#[ignore = "figures: cargo test --release --test serve_figures -- --ignored --nocapture"]
fn figures_of_serve_under_mbsync_and_twenty_idle_clients() {
    let n = env_u64("EASYNC_SERVE_MAILS", 50_000) as u32;
    let server = start(easync::sim::SimConfig {
        emails: n,
        contacts: 1,
        events: 1,
        tasks: 1,
        verify_responses: false,
        ..easync::sim::SimConfig::default()
    });
    let a0 = client("serve-fig", &server.url(), "16.1", "");
    let (table, imap, smtp) = serve_table(&a0);
    let a = client(
        "serve-fig",
        &server.url(),
        "16.1",
        &format!(
            "[account.a.sync]\nfolders = [\"Inbox\"]\n[account.a.watch]\nheartbeat = 600\nfolders = [\"Inbox\"]\n{table}"
        ),
    );
    served::write_password(&a);
    let t = Instant::now();
    sync_ok(&a);
    let inbox: i64 = q(
        &a.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.type = 2",
    );
    eprintln!(
        "easync sync of {inbox} mails: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let s = start_serve(&a, imap, smtp, &[]);
    let pid = s.child.id();
    // 20 clients idling on the Inbox, each on a thread reporting when it saw the new mail.
    let (tx, rx) = channel();
    let mut ready = Vec::new();
    for k in 0..20 {
        let tx = tx.clone();
        let (rtx, rrx) = channel();
        ready.push(rrx);
        std::thread::spawn(move || {
            let mut c = Raw::connect(imap);
            c.login("a");
            let (_, exists) = c.select("INBOX");
            c.send("a3 IDLE");
            assert!(c.line().starts_with('+'));
            rtx.send(()).unwrap();
            c.until(&format!("* {} EXISTS", exists + 1));
            tx.send((k, Instant::now())).unwrap();
        });
    }
    for r in ready {
        r.recv_timeout(Duration::from_secs(600)).unwrap();
    }
    let rss_selected = rss_kb(pid, "VmRSS:");
    let maildir = a.dir.join("Mail");
    std::fs::create_dir_all(&maildir).unwrap();
    let rc = a.dir.join("mbsyncrc");
    std::fs::write(
        &rc,
        format!(
            "IMAPAccount w\nHost 127.0.0.1\nPort {imap}\nUser a\nPass {LOCAL_PASSWORD}\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore r\nAccount w\n\nMaildirStore l\nPath {m}/\nInbox {m}/INBOX\nSubFolders Verbatim\n\n\
             Channel c\nFar :r:\nNear :l:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n",
            m = maildir.display()
        ),
    )
    .unwrap();
    let t = Instant::now();
    let mbsync = std::thread::spawn(move || {
        Command::new("mbsync")
            .arg("-c")
            .arg(&rc)
            .arg("-a")
            .output()
            .unwrap()
    });
    // While mbsync runs: a new mail on the server.
    std::thread::sleep(Duration::from_secs(2));
    let sent = Instant::now();
    server.sim.add_items("Inbox", 1).unwrap();
    let mut latencies = Vec::new();
    for _ in 0..20 {
        let (_, at) = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("IDLE saw the new mail");
        latencies.push(at.duration_since(sent));
    }
    let out = mbsync.join().unwrap();
    let wall = t.elapsed();
    assert!(
        out.status.success(),
        "mbsync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = ["cur", "new"]
        .iter()
        .map(|d| std::fs::read_dir(maildir.join("INBOX").join(d)).map_or(0, |r| r.count()))
        .sum::<usize>();
    assert!(files as i64 >= inbox, "{files} of {inbox}");
    let peak = rss_kb(pid, "VmHWM:");
    latencies.sort();
    eprintln!(
        "mbsync of {files} mails through serve: {:.1} s, {:.0} messages/s",
        wall.as_secs_f64(),
        files as f64 / wall.as_secs_f64()
    );
    eprintln!(
        "serve RSS: {} MB after 20 SELECTs, peak {} MB",
        rss_selected / 1024,
        peak / 1024
    );
    eprintln!(
        "IDLE latency (20 clients, during mbsync): median {:?}, max {:?}",
        latencies[latencies.len() / 2],
        latencies.last().unwrap()
    );
}
