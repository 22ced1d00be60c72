//! `easync export mail --maildir`: whole messages (fetched with ItemOperations when the store
//! holds text bodies, taken from the store when it holds MIME), flags as Maildir info, nested
//! folders; notmuch indexes the result and finds messages by subject and sender; re-exports
//! rename on flag changes and remove deleted messages; the state files the CLI export leaves
//! make a user's changes (a read flag, a mutt-style move) exactly detectable. notmuch is a
//! Debian package; its checks are skipped without it unless EASYNC_REQUIRE_CONSUMERS=1 (CI sets
//! it).

use std::path::Path;
use std::process::{Command, Stdio};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::export::maildir::folder_dir;
use easync::export::maildir_state::{MailFolder, MaildirChange, local_changes};
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
    local_changes_are_found(&c.db, &root);
}

/// Every exported mail folder (those with a state file), as the CLI would pass them.
fn mail_folders(db: &Path, root: &Path) -> Vec<MailFolder> {
    let folders = easync::store::Store::open(db).unwrap().folders().unwrap();
    let path_of = |id: &str| {
        let mut path = Vec::new();
        let mut cur = folders.iter().find(|f| f.server_id == id);
        while let Some(f) = cur {
            path.insert(0, f.name.clone());
            cur = f
                .parent_id
                .as_ref()
                .and_then(|p| folders.iter().find(|f| f.server_id == *p));
        }
        path
    };
    folders
        .iter()
        .map(|f| MailFolder {
            server_id: f.server_id.clone(),
            path: path_of(&f.server_id),
        })
        .filter(|f| folder_dir(root, &f.path).join(".easync-items").exists())
        .collect()
}

/// After the CLI's exports nothing looks changed; a message read and one saved by mutt into
/// another folder (a new file name, the same Message-ID) are found, and nothing else.
fn local_changes_are_found(db: &Path, root: &Path) {
    let folders = mail_folders(db, root);
    assert!(folders.len() >= 4, "{folders:?}");
    assert_eq!(local_changes(root, &folders).unwrap(), []);
    let inbox = folders.iter().find(|f| f.path == ["Inbox"]).unwrap();
    let other = folders.iter().find(|f| f.path.len() > 1).unwrap();
    let cur = |f: &MailFolder| folder_dir(root, &f.path).join("cur");
    let find = |part: &str| {
        let e = std::fs::read_dir(cur(inbox))
            .unwrap()
            .map(|e| e.unwrap().path());
        e.into_iter()
            .find(|p| p.to_string_lossy().contains(part))
            .unwrap()
    };
    let unread = find("inbox4-");
    assert!(unread.to_string_lossy().ends_with(":2,"), "{unread:?}");
    std::fs::rename(&unread, format!("{}S", unread.display())).unwrap();
    let saved = cur(other).join("1767225600.4242_1.host:2,");
    std::fs::rename(find("inbox5-"), &saved).unwrap();
    assert_eq!(
        local_changes(root, &folders).unwrap(),
        [
            MaildirChange::Flags {
                folder: inbox.server_id.clone(),
                server_id: "inbox:4".into(),
                read: Some(true),
                flagged: None
            },
            MaildirChange::Move {
                folder: inbox.server_id.clone(),
                server_id: "inbox:5".into(),
                to_folder: other.server_id.clone(),
                path: saved
            },
        ]
    );
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
