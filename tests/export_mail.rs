//! `easync export mail --maildir`: whole messages (fetched with ItemOperations when the store
//! holds text bodies, taken from the store when it holds MIME), flags as Maildir info, nested
//! folders; notmuch indexes the result and finds messages by subject and sender; re-exports
//! rename on flag changes and remove deleted messages. notmuch is a Debian package; its checks
//! are skipped without it unless EASYNC_REQUIRE_CONSUMERS=1 (CI sets it).

use std::path::Path;
use std::process::{Command, Stdio};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::State;
use simc::{client, small, start, sync_ok};

fn export(config: &Path, dir: &Path) -> String {
    simc::export(config, "mail", &["--maildir", dir.to_str().unwrap()])
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.parent().is_some_and(|q| q.ends_with("cur")) {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn notmuch(conf: &Path, args: &[&str]) -> String {
    let out = Command::new("notmuch")
        .arg(format!("--config={}", conf.display()))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "notmuch {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn check(body: &str) {
    let server = start(small());
    let c = client(
        &format!("export-mail-{body}"),
        &server.url(),
        "16.1",
        &format!("[account.a.sync]\nbody = \"{body}\"\n"),
    );
    sync_ok(&c);
    let root = c.dir.join("mail");
    let report = export(&c.config, &root);
    assert!(
        report.contains("Inbox: 96 messages (96 written"),
        "{report}"
    );
    assert!(
        report.contains("Inbox/Projekte – 2026/Q4 Übergabe: 6 messages"),
        "nested folders: {report}"
    );
    let all = files(&root);
    assert_eq!(all.len(), 120);
    let fetched = server.sim.stats.command_count("ItemOperations");
    assert_eq!(
        fetched > 0,
        body != "mime",
        "{body}: ItemOperations only when the store lacks MIME"
    );
    // A message with attachments is whole.
    let (_, want) = easync::sim::mail::attachment(1, "inbox", 21, 1);
    let m21 = all
        .iter()
        .find(|f| f.contains("inbox21"))
        .expect("inbox:21");
    let text = std::fs::read_to_string(root.join(m21)).unwrap();
    assert!(
        text.contains("multipart/mixed"),
        "{}",
        &text[..300.min(text.len())]
    );
    let b64: String = base64_of(&want);
    assert!(
        text.replace("\r\n", "").contains(&b64[..60]),
        "the attachment is in the message"
    );
    // Flags: every third mail of each folder is read (S); 96, 12, 6 and 6 are multiples of 3.
    let read = all.iter().filter(|f| f.ends_with('S')).count();
    assert_eq!(read, all.len() / 3, "read flags");

    if Command::new("notmuch").arg("--version").output().is_ok() {
        let conf = c.dir.join("notmuch-config");
        std::fs::write(&conf, format!("[database]\npath={}\n[user]\nname=Demo\nprimary_email=demo@easync.test\n[new]\ntags=new\n", root.display())).unwrap();
        notmuch(&conf, &["new"]);
        let subject = easync::sim::mail::message(1, "inbox", 21).subject;
        let hits = notmuch(&conf, &["count", &format!("subject:\"{subject}\"")]);
        assert!(
            hits.trim().parse::<u32>().unwrap() >= 1,
            "subject {subject}: {hits}"
        );
        let from = notmuch(&conf, &["count", "from:zoe.akesson@example.test"]);
        assert!(from.trim().parse::<u32>().unwrap() >= 1, "{from}");
        assert_eq!(notmuch(&conf, &["count", "*"]).trim(), "120");
    } else {
        assert!(
            std::env::var_os("EASYNC_REQUIRE_CONSUMERS").is_none(),
            "notmuch is required here"
        );
    }

    // Incremental: a read flag flips (rename), a deleted message goes, nothing is fetched again.
    server.sim.set_item("inbox:2", State::Live).unwrap();
    server.sim.set_item("inbox:3", State::Deleted).unwrap();
    sync_ok(&c);
    let before = server.sim.stats.command_count("ItemOperations");
    let report = export(&c.config, &root);
    assert!(
        report.contains("Inbox: 95 messages (0 written, 1 renamed, 94 unchanged, 1 removed)"),
        "{report}"
    );
    assert_eq!(server.sim.stats.command_count("ItemOperations"), before);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn text_bodies_are_fetched_whole_and_notmuch_finds_them() {
    check("text");
}

#[test]
fn mime_bodies_come_from_the_store() {
    check("mime");
}
