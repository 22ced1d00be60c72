//! Real programs sending through `easync send`, set up exactly as the README tells their users
//! (its `muttrc` block and its `git send-email` line are read from README.md), against the
//! simulator: mutt (Debian's) in batch mode with an attachment and a Bcc, and git send-email
//! with a patch. Skipped when the programs are missing, required in CI
//! (EASYNC_REQUIRE_CONSUMERS).

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::io::Write;
use std::process::{Command, Stdio};

use simc::{Client, PASSWORD_ENV, client, have, start, sync_ok};

const README: &str = include_str!("../README.md");

/// `easync send -a work` as the README writes it, for this test's binary and account.
fn ours(text: &str, c: &Client) -> String {
    text.replace(
        "easync send -a work",
        &format!(
            "{} -c {} send -a a",
            env!("CARGO_BIN_EXE_easync"),
            c.config.display()
        ),
    )
}

/// The README's block of code fenced as `lang`.
fn block(lang: &str) -> String {
    let start = README
        .find(&format!("```{lang}\n"))
        .unwrap_or_else(|| panic!("the README has a {lang} block"));
    let rest = &README[start + lang.len() + 4..];
    rest[..rest.find("```").unwrap()].to_string()
}

#[test]
fn mutt_set_up_as_the_readme_says_sends_with_an_attachment_and_a_bcc() {
    if !have("mutt", &["-v"]) {
        return;
    }
    let server = start(simc::small());
    let c = client("send-mutt", &server.url(), "16.1", "");
    sync_ok(&c);
    let muttrc = c.dir.join("muttrc");
    let rc = format!(
        "{}set from = \"demo@easync.test\"\n",
        ours(&block("muttrc"), &c)
    );
    assert!(
        rc.contains(env!("CARGO_BIN_EXE_easync")),
        "the README's sendmail line: {rc}"
    );
    std::fs::write(&muttrc, rc).unwrap();
    let notes = c.dir.join("notes.txt");
    std::fs::write(&notes, "attached notes\n").unwrap();
    let mut child = Command::new("mutt")
        .arg("-n")
        .arg("-F")
        .arg(&muttrc)
        .args(["-s", "from mutt", "-b", "hidden@example.test", "-a"])
        .arg(&notes)
        .args(["--", "bob@example.test"])
        .env(PASSWORD_ENV, "demo")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Hello from mutt.\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = server.sim.sent_with_subject("from mutt");
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!(m.to, ["bob@example.test"]);
    assert_eq!(
        m.bcc,
        ["hidden@example.test"],
        "mutt passes Bcc as an argument only"
    );
    assert_eq!(m.attachments, 1);
    let parsed = mail_parser::MessageParser::default()
        .parse(&m.mime[..])
        .unwrap();
    let att = parsed.attachments().next().unwrap();
    assert_eq!(att.contents(), b"attached notes\r\n");
}

#[test]
fn git_send_email_as_the_readme_says_sends_a_patch() {
    let git = "/usr/bin/git"; // Debian's, with git-email
    if !have(git, &["send-email", "--dump-aliases"]) {
        return;
    }
    let server = start(simc::small());
    let c = client("send-git", &server.url(), "16.1", "");
    sync_ok(&c);
    let repo = c.dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let g = |args: &[&str]| {
        let out = Command::new(git)
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "Demo")
            .env("GIT_AUTHOR_EMAIL", "demo@easync.test")
            .env("GIT_COMMITTER_NAME", "Demo")
            .env("GIT_COMMITTER_EMAIL", "demo@easync.test")
            .env(PASSWORD_ENV, "demo")
            .env("HOME", &c.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    g(&["init", "-q"]);
    std::fs::write(repo.join("fix.txt"), "fixed\n").unwrap();
    g(&["add", "fix.txt"]);
    g(&["commit", "-qm", "fix the thing"]);
    let patch = g(&["format-patch", "-1"]).trim().to_string();
    let line = README
        .lines()
        .find(|l| l.starts_with("git send-email --sendmail-cmd="))
        .expect("the README's git send-email line");
    let line = ours(line, &c).replace("0001-fix.patch", &patch);
    // The README's words, split as a shell would (the command is in double quotes).
    let (head, rest) = line.split_once("--sendmail-cmd=\"").unwrap();
    let (cmd, tail) = rest.split_once('"').unwrap();
    let mut args: Vec<String> = head.split_whitespace().skip(1).map(String::from).collect();
    args.push(format!("--sendmail-cmd={cmd}"));
    args.extend(tail.split_whitespace().map(String::from));
    args.extend(["--confirm=never".into(), "--quiet".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    g(&args);
    let sent = server.sim.sent_with_subject("[PATCH] fix the thing");
    assert_eq!(sent.len(), 1, "{:?}", server.sim.outbox());
    assert_eq!(sent[0].to, ["dev@example.org"]);
    assert!(String::from_utf8_lossy(&sent[0].mime).contains("+fixed"));
}
