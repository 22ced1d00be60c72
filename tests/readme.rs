//! The README's "Getting started", followed as written against the simulator
//! (tests/common/readme.rs runs its blocks): the account added and checked by doctor, the first
//! sync, the offline queries, the Maildir read by notmuch and mutt, the vdirs read by khal and
//! khard, mail sent from mutt set up as "Sending from mutt" says, and the watch unit started as
//! systemd would start it, bringing a new mail into the Maildir. Skipped without mutt, notmuch,
//! khal and khard, unless EASYNC_REQUIRE_CONSUMERS is set (CI).

mod common;
#[path = "common/readme.rs"]
mod readme;
#[path = "common/sim.rs"]
mod sim;

use std::io::Write;
use std::process::Stdio;

use easync::sim::SimConfig;
use readme::{Home, Server, eventually, maildir_files, printed_by};

fn consumers() -> bool {
    [
        ("mutt", "-v"),
        ("notmuch", "--version"),
        ("khal", "--version"),
        ("khard", "--version"),
    ]
    .iter()
    .all(|(p, probe)| sim::have(p, &[probe]))
}

#[test]
fn every_block_of_getting_started_is_run_or_written() {
    let blocks = readme::getting_started();
    let run = blocks.iter().filter(|b| b.info == "sh test").count();
    let files = blocks
        .iter()
        .filter(|b| readme::file_target(b).is_some())
        .count();
    assert!(run >= 6 && files >= 6, "{blocks:#?}");
    assert!(
        blocks
            .iter()
            .any(|b| b.text.contains("easync account add work")),
        "the account is added"
    );
}

#[test]
fn getting_started_against_the_simulator() {
    if !consumers() {
        return;
    }
    let server = sim::start(SimConfig {
        time_divisor: 60,
        ..sim::small()
    });
    let cfg = Server {
        substitutions: vec![
            ("bob@example.com", "demo@easync.test".into()),
            ("EXAMPLE\\bob", "demo@easync.test".into()),
            (
                "https://mail.example.com/Microsoft-Server-ActiveSync",
                server.url(),
            ),
        ],
        password: "demo".into(),
    };
    let home = Home::new("sim", &cfg);
    let printed = readme::follow(&home, &cfg);

    let config = home.path("~/.config/easync/config.toml");
    let mode = std::fs::metadata(&config).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    let doctor = printed_by(&printed, "easync doctor work");
    assert!(doctor.contains("no problem found"), "{doctor}");
    let db = home.path("~/.local/state/easync/work.sqlite");
    let items: i64 = sim::q(&db, "SELECT count(*) FROM items WHERE soft_deleted = 0");
    assert!(items > 100, "{items} items");
    let queries = printed_by(&printed, "easync status work");
    assert!(
        queries.contains("Inbox") && queries.contains("Invoice"),
        "{queries}"
    );
    assert!(home.path("~/.local/share/man/man1/easync-sync.1").exists());
    assert!(
        home.path("~/.local/share/bash-completion/completions/easync")
            .exists()
    );

    let inbox = home.path("~/Mail/work/Inbox");
    assert!(!maildir_files(&inbox).is_empty(), "the Maildir export");
    let unread = printed_by(&printed, "notmuch count");
    let count = unread.lines().find_map(|l| l.trim().parse::<u32>().ok());
    assert!(
        count.is_some_and(|n| n > 0),
        "notmuch count tag:unread: {unread}"
    );
    assert!(!unread.contains("Ignoring non-mail file"), "{unread}");
    let pim = printed_by(&printed, "khal printcalendars");
    assert!(pim.contains("Calendar"), "khal printcalendars: {pim}");
    assert!(pim.contains("Address book: work"), "khard list: {pim}");

    sends_from_mutt(&home, &server);
    watch_brings_new_mail(&home, &server, &inbox);
}

/// "Sending from mutt": the Sending section's muttrc lines added to the same ~/.muttrc.
fn sends_from_mutt(home: &Home, server: &easync::sim::Running) {
    let readme = include_str!("../README.md");
    let start = readme
        .find("```muttrc\n")
        .expect("the Sending muttrc block")
        + 10;
    let lines = &readme[start..start + readme[start..].find("```").unwrap()];
    let rc = home.path("~/.muttrc");
    let before = std::fs::read_to_string(&rc).unwrap();
    std::fs::write(
        &rc,
        format!("{before}\n{lines}set from = \"demo@easync.test\"\n"),
    )
    .unwrap();
    let mut mutt = home
        .command("mutt")
        .args(["-n", "-F"])
        .arg(&rc)
        .args(["-s", "getting started from mutt", "--", "bob@example.test"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    mutt.stdin
        .take()
        .unwrap()
        .write_all(b"It works.\n")
        .unwrap();
    let out = mutt.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = server.sim.sent_with_subject("getting started from mutt");
    assert_eq!(sent.len(), 1, "mutt sent through easync send");
    let folder = home
        .command("mutt")
        .args(["-n", "-F"])
        .arg(&rc)
        .args(["-Q", "folder"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&folder.stdout).contains("~/Mail/work"),
        "{folder:?}"
    );
}

/// The unit the README enables, started as systemd would: a new mail reaches the Maildir.
fn watch_brings_new_mail(home: &Home, server: &easync::sim::Running, inbox: &std::path::Path) {
    let before = maildir_files(inbox).len();
    let unit = readme::start_enabled_unit(home);
    std::thread::sleep(std::time::Duration::from_secs(1));
    server.sim.add_items("Inbox", 1).unwrap();
    eventually(30, "the pushed mail in ~/Mail/work/Inbox", || {
        maildir_files(inbox).len() > before
    });
    let out = readme::stop(unit);
    assert!(
        out.status.success(),
        "watch: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
