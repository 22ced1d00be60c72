//! Figures of sending (not a test of speed: it prints, asserts only correctness). Measured in one
//! run against the simulator on loopback:
//! - the latency `easync send` adds: a whole `easync send` process per message against the bare
//!   SendMail round trip of an already open session (the server's and the network's share);
//! - messages per second from the queue (`easync send --flush` of 1,000 queued messages).
//!
//!     cargo test --release --test send_figures -- --ignored --nocapture

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use easync::http::{Auth, Secret, Session, SessionConfig};
use easync::proto::DeviceId;
use easync::proto::compose::{Message, SendMail};
use easync::store::{NewMessage, OutboxCommand, Store};
use simc::{PASSWORD_ENV, client, start, sync_ok};

fn config() -> easync::sim::SimConfig {
    easync::sim::SimConfig {
        emails: 20,
        contacts: 2,
        events: 2,
        tasks: 1,
        verify_responses: false,
        ..easync::sim::SimConfig::default()
    }
}

fn message(n: usize) -> Vec<u8> {
    format!(
        "From: demo@easync.test\r\nTo: bob@example.test\r\nSubject: figure {n}\r\n\
         Message-ID: <figure.{n}@easync.test>\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\n\r\n{}\r\n",
        "A line of a short message body.\r\n".repeat(30)
    )
    .into_bytes()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore = "figures: cargo test --release --test send_figures -- --ignored --nocapture"]
fn figures() {
    const N: usize = 100;
    let server = start(config());
    let c = client("send-figures", &server.url(), "16.1", "");
    sync_ok(&c);
    // The bare round trip: one open session, SendMail after SendMail.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bare: Vec<Duration> = rt.block_on(async {
        let mut cfg = SessionConfig::new(
            server.url(),
            "demo",
            "figuresdevice1".parse::<DeviceId>().unwrap(),
            Auth::Basic {
                user: "demo".into(),
                password: Secret::new("demo"),
            },
        );
        cfg.version = Some(easync::proto::ProtocolVersion::V16_1);
        let mut s = Session::connect(cfg).await.unwrap();
        s.provision().await.unwrap();
        let mut out = Vec::new();
        for n in 0..N {
            let m = SendMail(Message {
                client_id: format!("bare-{n}"),
                account_id: None,
                save_in_sent_items: true,
                mime: message(10_000 + n),
            });
            let t = Instant::now();
            s.execute(&m).await.unwrap();
            out.push(t.elapsed());
        }
        out
    });
    // A whole easync send per message.
    let mut whole = Vec::new();
    for n in 0..N {
        let t = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
            .arg("-c")
            .arg(&c.config)
            .args(["send", "-t"])
            .env(PASSWORD_ENV, "demo")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&message(n)).unwrap();
        assert!(child.wait().unwrap().success());
        whole.push(t.elapsed());
    }
    // The queue: 1,000 messages flushed by one process.
    let q = client("send-figures-queue", &server.url(), "16.1", "");
    sync_ok(&q);
    let mut db = Store::open(&q.db).unwrap();
    for n in 0..1000 {
        db.queue_message(&NewMessage {
            command: OutboxCommand::Send,
            source: None,
            replace_mime: false,
            save_in_sent: true,
            message_id: Some(format!("<queue.{n}@easync.test>")),
            mime: message(20_000 + n),
            recipients: vec!["bob@example.test".into()],
            subject: Some(format!("figure {}", 20_000 + n)),
        })
        .unwrap();
    }
    drop(db);
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&q.config)
        .args(["send", "--flush"])
        .env(PASSWORD_ENV, "demo")
        .output()
        .unwrap();
    let flush = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.sim.outbox().len(), 2 * N + 1000, "each once");
    let (b, w) = (median(bare), median(whole));
    eprintln!(
        "send: bare SendMail round trip {:.2} ms, whole `easync send` {:.2} ms: easync adds {:.2} ms \
         per message ({:.1}x the round trip)",
        b.as_secs_f64() * 1e3,
        w.as_secs_f64() * 1e3,
        (w.saturating_sub(b)).as_secs_f64() * 1e3,
        w.as_secs_f64() / b.as_secs_f64()
    );
    eprintln!(
        "queue: 1,000 messages flushed in {:.2} s = {:.0} messages/s",
        flush.as_secs_f64(),
        1000.0 / flush.as_secs_f64()
    );
}
