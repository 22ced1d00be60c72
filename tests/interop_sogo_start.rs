//! The README's "Getting started" followed as written against SOGo (tests/interop/sogo.sh up):
//! the account added and checked by doctor, the first sync, the offline queries, the Maildir
//! read by notmuch, the vdirs read by khal and khard, and the watch unit started as systemd
//! would, bringing a mail appended over IMAP into the Maildir. Run by .ci/run with the other
//! SOGo tests; sending from mutt to SOGo is tests/interop_sogo_send.rs.

mod common;
#[path = "common/readme.rs"]
mod readme;
#[path = "common/sogo.rs"]
mod sogo;

use readme::{Home, Server, eventually, maildir_files, printed_by};

/// Removes the mail this test appended, however it ends.
struct Appended(String);

impl Drop for Appended {
    fn drop(&mut self) {
        sogo::seed(&["mail-delete", &self.0]);
    }
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn getting_started_against_sogo() {
    let cfg = Server {
        substitutions: vec![
            ("bob@example.com", "bob@example.test".into()),
            ("EXAMPLE\\bob", "bob".into()),
            (
                "https://mail.example.com/Microsoft-Server-ActiveSync",
                sogo::url(),
            ),
            // SOGo names its folders as IMAP and its DAV collections do.
            (
                "contacts/work/Contacts",
                "contacts/work/Personal Address Book".into(),
            ),
            ("spoolfile = +Inbox", "spoolfile = +INBOX".into()),
        ],
        password: "bob-pass".into(),
    };
    let home = Home::new("sogo", &cfg);
    let printed = readme::follow(&home, &cfg);

    let doctor = printed_by(&printed, "easync doctor work");
    assert!(doctor.contains("no problem found"), "{doctor}");
    let queries = printed_by(&printed, "easync status work");
    assert!(
        queries.contains("Seed message"),
        "easync mail list: {queries}"
    );
    let inbox = home.path("~/Mail/work/INBOX");
    assert!(
        maildir_files(&inbox).len() >= 4,
        "the seeded INBOX in the Maildir"
    );
    let unread = printed_by(&printed, "notmuch count");
    assert!(!unread.contains("Ignoring non-mail file"), "{unread}");
    let pim = printed_by(&printed, "khal printcalendars");
    assert!(
        pim.contains("Personal Calendar"),
        "khal printcalendars: {pim}"
    );
    assert!(pim.contains("Alice Example"), "khard list: {pim}");

    let before = maildir_files(&inbox).len();
    let unit = readme::start_enabled_unit(&home);
    std::thread::sleep(std::time::Duration::from_secs(3));
    let subject = format!("Getting started {}", std::process::id());
    sogo::seed(&["mail-add", &subject]);
    let _cleanup = Appended(subject);
    eventually(90, "the appended mail in ~/Mail/work/INBOX", || {
        maildir_files(&inbox).len() > before
    });
    let out = readme::stop(unit);
    assert!(
        out.status.success(),
        "watch: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
