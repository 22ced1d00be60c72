//! `easync serve` against a real server: an IMAP client's reads, flags, moves and expunges on
//! the gateway reach SOGo's own IMAP store (through ActiveSync), and a change made on SOGo's
//! side reaches an idling client. Ignored by default; CI runs it after
//! `tests/interop/sogo.sh up`:
//!
//!     cargo test --test interop_sogo_serve -- --ignored --test-threads=1

use std::process::Command;
use std::time::{Duration, Instant};

mod common;
#[path = "common/serve.rs"]
mod served;
#[path = "common/sim.rs"]
mod simc;
#[path = "common/sogo.rs"]
mod sogo;

use served::{LOCAL_PASSWORD, Raw, serve_table, start_serve};
use sogo::{flags_of, seed, sogo_config, sync_until};

struct Cleanup(Vec<String>);
impl Drop for Cleanup {
    fn drop(&mut self) {
        for f in &self.0 {
            for args in [
                vec!["purge", "Trash", f.as_str()],
                vec!["folder-delete", f.as_str()],
            ] {
                let _ = Command::new("python3")
                    .arg(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/tests/interop/seed.py"
                    ))
                    .args(&args)
                    .output();
            }
        }
    }
}

fn within(secs: u64, what: &str, pred: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        if pred() {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{what} not within {secs} s");
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn an_imap_client_of_serve_changes_sogos_mailbox_and_sees_sogos_changes() {
    let pid = std::process::id();
    let (src, dst) = (format!("Serve{pid}"), format!("ServeDest{pid}"));
    let _cleanup = Cleanup(vec![src.clone(), dst.clone()]);
    seed(&["folder-fill", &src, "5"]);
    seed(&["folder-fill", &dst, "1"]);
    let (config0, _) = sogo_config("serve", "");
    let dir = config0.parent().unwrap().to_path_buf();
    let c = simc::Client {
        dir: dir.clone(),
        config: config0.clone(),
        db: dir.join("sogo.sqlite"),
    };
    let (table, imap, smtp) = serve_table(&c);
    let (config, db) = sogo_config(
        "serve",
        &format!("[account.sogo.watch]\nheartbeat = 60\nfolders = [\"{src}\"]\n{table}"),
    );
    let c = simc::Client {
        dir,
        config: config.clone(),
        db: db.clone(),
    };
    served::write_password(&c);
    let all = format!(
        "SELECT count(*) FROM emails WHERE subject LIKE '{src} message %' OR subject LIKE '{dst} message %'"
    );
    sync_until(&config, &db, &all, 6);
    let s = start_serve(&c, imap, smtp, &[]);
    let mut m = Raw::connect(s.imap);
    let login = m.cmd("a1", &format!("LOGIN sogo {LOCAL_PASSWORD}"));
    assert!(login.last().unwrap().starts_with("a1 OK"), "{login:?}");
    let list = m.cmd("a2", "LIST \"\" \"*\"");
    assert!(list.iter().any(|l| l.contains(&src)), "{list:?}");
    let sel = m.cmd("a3", &format!("SELECT {src}"));
    assert!(sel.iter().any(|l| l == "* 5 EXISTS\r\n"), "{sel:?}");
    // Which message number holds which subject.
    let subjects = m.cmd("a4", "FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    let subject_of = |n: usize| -> String {
        let line = subjects
            .iter()
            .find(|l| l.starts_with(&format!("* {n} FETCH")))
            .unwrap();
        line.split("Subject: ")
            .nth(1)
            .unwrap()
            .split("\r\n")
            .next()
            .unwrap()
            .to_string()
    };
    let (s1, s2, s3, s4) = (subject_of(1), subject_of(2), subject_of(3), subject_of(4));
    let body = m.cmd("a5", "FETCH 1 (BODY[])");
    assert!(body.last().unwrap().starts_with("a5 OK"), "{body:?}");
    assert!(
        body.iter().any(|l| l.contains(&s1)),
        "the whole message: {body:?}"
    );
    let st = m.cmd("a6", "STORE 2 +FLAGS (\\Flagged)");
    assert!(st.last().unwrap().starts_with("a6 OK"), "{st:?}");
    let mv = m.cmd("a7", &format!("MOVE 3 {dst}"));
    assert!(mv.last().unwrap().starts_with("a7 OK"), "{mv:?}");
    let del = m.cmd("a8", "STORE 3 +FLAGS (\\Deleted)");
    assert!(del.last().unwrap().starts_with("a8 OK"), "{del:?}");
    let ex = m.cmd("a9", "EXPUNGE");
    assert!(ex.iter().any(|l| l == "* 3 EXPUNGE\r\n"), "{ex:?}");

    // On SOGo's IMAP side, through the watch inside serve.
    let took = within(60, "the client's changes on SOGo", || {
        flags_of(&src, &s1).is_some_and(|f| f.contains("\\Seen"))
            && flags_of(&src, &s2).is_some_and(|f| f.contains("\\Flagged"))
            && flags_of(&src, &s3).is_none()
            && flags_of(&dst, &s3).is_some()
            && flags_of(&src, &s4).is_none()
    });
    eprintln!("IMAP client's changes → SOGo: {took:?}");

    // SOGo's side marks every mail read: an idling client hears of it.
    m.send("b1 IDLE");
    assert!(m.line().starts_with('+'));
    let started = Instant::now();
    seed(&["folder-flags", &src]);
    let lines = m.until("* ");
    let mut seen = lines.concat();
    while !seen.contains("\\Seen") {
        seen.push_str(&m.line());
    }
    eprintln!("SOGo's change → IDLE: {:?}", started.elapsed());
    m.send("DONE");
    m.until("b1 ");
}
