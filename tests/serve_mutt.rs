//! mutt (Debian's) against `easync serve` and the simulator: in a terminal (`script`), it opens
//! the Inbox over IMAP, flags one mail, deletes another and syncs the mailbox; in batch mode it
//! sends through the SMTP side. Each change reaches the server through the journal.

use std::process::{Command, Stdio};

mod common;
#[path = "common/serve.rs"]
mod served;
#[path = "common/sim.rs"]
mod simc;

use served::{LOCAL_PASSWORD, within};
use simc::have;

#[test]
fn mutt_flags_deletes_and_sends_through_serve() {
    assert!(
        have("mutt", &["-v"]),
        "mutt is missing: install the Debian package mutt"
    );
    assert!(
        have("script", &["--version"]),
        "script is missing: install bsdutils"
    );
    let (server, a, s) = served::serve_sim("serve-mutt", |_| {});
    let (imap, smtp) = (s.imap, s.smtp);
    let rc = a.dir.join("muttrc");
    std::fs::write(
        &rc,
        format!(
            "set folder = \"imap://a@127.0.0.1:{imap}/\"\nset spoolfile = \"+INBOX\"\n\
             set imap_user = \"a\"\nset imap_pass = \"{LOCAL_PASSWORD}\"\n\
             set smtp_url = \"smtp://a@127.0.0.1:{smtp}/\"\nset smtp_pass = \"{LOCAL_PASSWORD}\"\n\
             set ssl_starttls = no\nset ssl_force_tls = no\nset record = \"\"\n\
             set from = \"demo@easync.test\"\nset sort = mailbox-order\nset delete = yes\n\
             set quit = yes\nset move = no\nset mark_old = no\nset header_cache = \"\"\n\
             set timeout = 1\nset imap_keepalive = 60\nset wait_key = no\n"
        ),
    )
    .unwrap();
    let inbox = || server.sim.items("Inbox").unwrap();
    let before = inbox();
    let flagged = |items: &[easync::sim::ItemView]| {
        items
            .iter()
            .filter(|i| i.mail.as_ref().is_some_and(|m| m.flag_status == 2))
            .count()
    };
    // In a terminal: flag the first mail, delete the second, sync ($), quit.
    let keys =
        "push '<first-entry><flag-message><next-undeleted><delete-message><sync-mailbox><quit>'";
    let out = Command::new("script")
        .args(["-qec"])
        .arg(format!("mutt -n -F {} -e \"{keys}\"", rc.display()))
        .arg("/dev/null")
        .env("TERM", "vt100")
        .env("COLUMNS", "120")
        .env("LINES", "40")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mutt failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let took = within(20, "mutt's flag and delete on the server", || {
        let now = inbox();
        now.len() + 1 == before.len() && flagged(&now) == flagged(&before) + 1
    });
    eprintln!("mutt flag + delete → server: {took:?}");

    // Batch mode: a message through the SMTP side.
    let mut child = Command::new("mutt")
        .args(["-n", "-F"])
        .arg(&rc)
        .args(["-s", "from mutt via serve", "ann@example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Hello through easync serve.\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mutt could not send: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    within(20, "mutt's message sent", || {
        !server
            .sim
            .sent_with_subject("from mutt via serve")
            .is_empty()
    });
    drop(s);
}
