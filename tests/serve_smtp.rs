//! `easync serve`'s SMTP submission against the simulator, through the binary: Python's
//! smtplib signs in with the local password and submits; the message is queued durably before
//! the 250, and the `watch` inside serve sends it with SendMail within seconds. A recipient
//! named only in RCPT TO gets a Bcc field (EAS has no envelope).

use std::process::Command;
use std::time::{Duration, Instant};

mod common;
#[path = "common/serve.rs"]
mod served;
#[path = "common/sim.rs"]
mod simc;

use served::LOCAL_PASSWORD;
use simc::q;

const SMTPLIB: &str = r#"
import smtplib, imaplib, os, sys, time
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]))
s.ehlo("test")
assert s.has_extn("auth") and s.has_extn("8bitmime") and s.has_extn("size"), s.esmtp_features
try:
    s.sendmail("demo@easync.test", ["x@example.com"], b"Subject: no\r\n\r\nno\r\n")
    sys.exit("sent without signing in")
except smtplib.SMTPSenderRefused as e:
    assert e.smtp_code == 530, e
try:
    s.login("a", "wrong")
    sys.exit("a wrong password was accepted")
except smtplib.SMTPAuthenticationError as e:
    assert b"--show-password" in e.smtp_error, e
s.login("a", os.environ["PW"])
msg = ("From: Demo <demo@easync.test>\r\nTo: Ann <ann@example.com>\r\nSubject: via serve \u00e9\r\n"
       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
       ".a line with a leading dot\r\nh\u00e9llo\r\n").encode("utf-8")
msg = msg.replace(b"Subject:", b"Message-ID: <serve-test-1@easync.test>\r\nSubject:", 1)
refused = s.sendmail("demo@easync.test", ["ann@example.com", "hidden@example.org"], msg, mail_options=["BODY=8BITMIME"])
assert not refused, refused
# A redirect (the header names someone RCPT TO does not): Exchange would deliver to the
# header's addresses too, so it is refused, not sent to the original recipients again.
try:
    s.sendmail("demo@easync.test", ["new@example.net"], b"To: ann@example.com\r\nSubject: redirect\r\n\r\nx\r\n")
    sys.exit("a redirect was taken")
except smtplib.SMTPDataError as e:
    assert e.smtp_code == 554 and b"ann@example.com" in e.smtp_error, e
print(s.noop())
s.quit()
# The mail program's copy to Sent: taken without a second copy (Exchange keeps its own);
# a message easync did not send cannot be uploaded, and says so.
M = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP"]))
M.login("a", os.environ["PW"])
# imaplib does not quote mailbox names: a name with a space unquoted is answered BAD, not hung.
try:
    M.append("Sent Items", None, None, msg)
    sys.exit("an unquoted name with a space was taken")
except imaplib.IMAP4.error as e:
    assert "quote" in str(e), e
typ, data = M.append('"Sent Items"', "(\\Seen)", None, msg)
assert typ == "OK", (typ, data)
typ, data = M.append('"Sent Items"', None, None, b"Message-ID: <other@x>\r\nSubject: other\r\n\r\nx\r\n")
assert typ == "NO" and b"CANNOT" in data[0], (typ, data)
M.logout()
"#;

#[test]
fn smtplib_submits_a_message_that_watch_sends_once_with_the_envelope_as_bcc() {
    let (server, a, s) = served::serve_sim("serve-smtp", |_| {});
    let started = Instant::now();
    let out = Command::new("python3")
        .arg("-c")
        .arg(SMTPLIB)
        .env("PORT", s.smtp.to_string())
        .env("IMAP", s.imap.to_string())
        .env("PW", LOCAL_PASSWORD)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "smtplib failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = || {
        server
            .sim
            .outbox()
            .into_iter()
            .find(|m| String::from_utf8_lossy(&m.mime).contains("via serve"))
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let m = loop {
        if let Some(m) = sent() {
            break m;
        }
        assert!(Instant::now() < deadline, "not sent within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!(
        "SMTP DATA → SendMail on the server: {:?}",
        started.elapsed()
    );
    assert_eq!(m.command, "SendMail");
    let mime = String::from_utf8_lossy(&m.mime).to_string();
    assert!(
        mime.contains("\r\n.a line with a leading dot\r\n"),
        "dot-unstuffed: {mime}"
    );
    assert!(mime.contains("héllo"), "8-bit kept: {mime}");
    assert!(
        mime.to_lowercase().contains("bcc: hidden@example.org"),
        "envelope-only recipient as Bcc: {mime}"
    );
    assert!(
        mime.contains("Message-ID:") || mime.contains("Message-Id:"),
        "{mime}"
    );
    std::thread::sleep(Duration::from_secs(3));
    let copies = server
        .sim
        .outbox()
        .into_iter()
        .filter(|m| String::from_utf8_lossy(&m.mime).contains("via serve"))
        .count();
    assert_eq!(copies, 1, "sent once");
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM outbox"),
        0,
        "the queue is empty"
    );
}
