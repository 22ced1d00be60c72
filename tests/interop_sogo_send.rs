//! Sending against a real server: `easync send` through SOGo's ActiveSync (SendMail,
//! SmartReply, SmartForward) to the SMTP sink tests/interop/sogo.sh runs, which keeps each
//! message with its envelope recipients. Ignored by default; CI runs them after
//! `tests/interop/sogo.sh up`:
//!
//!     cargo test --test interop_sogo_send -- --ignored --test-threads=1

#[path = "common/sogo.rs"]
mod sogo;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use sogo::{easync, flags_of, seed, sogo_config, sunk, sync_until};

/// A token no other run used, to find this run's messages in the sink.
fn token(what: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{what}-{}-{t}", std::process::id())
}

/// `easync send ARGS < message`.
fn send(config: &std::path::Path, args: &[&str], message: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(config)
        .arg("send")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(message).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Removes the test's mails from Sent and INBOX, whatever happens.
struct Purge(String);
impl Drop for Purge {
    fn drop(&mut self) {
        for folder in ["Sent", "INBOX"] {
            let _ = Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/interop/seed.py"
                ))
                .args(["purge", folder, &self.0])
                .output();
        }
    }
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn a_message_reaches_every_recipient_once_bcc_hidden_utf8_intact_and_a_copy_in_sent() {
    let t = token("plain");
    let _purge = Purge(t.clone());
    let (config, db) = sogo_config("send-plain", "");
    let message = format!(
        "To: Alice <alice@example.test>\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= {t}\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\nZoë Åkesson sends {t}.\n"
    );
    let out = send(
        &config,
        &["-oi", "alice@example.test", "hidden@example.test"],
        message.as_bytes(),
    );
    ok(&out);
    let got = sunk(&t);
    assert_eq!(got.len(), 1, "delivered once");
    let (text, rcpt) = &got[0];
    assert_eq!(rcpt, &["alice@example.test", "hidden@example.test"]);
    assert!(!has(text, b"Bcc:"), "the Bcc recipient is not shown");
    assert!(has(text, format!("Zoë Åkesson sends {t}.").as_bytes()));
    assert!(has(text, b"Message-ID: <easync."), "a Message-ID was added");
    sync_until(
        &config,
        &db,
        &format!(
            "SELECT count(*) FROM emails e JOIN items i ON i.id = e.item_id JOIN folders f \
             ON f.id = i.folder_id WHERE f.type = 5 AND e.subject = 'Grüße {t}'"
        ),
        1,
    );
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn a_ten_megabyte_attachment_arrives_byte_for_byte() {
    use base64::Engine as _;
    let t = token("big");
    let _purge = Purge(t.clone());
    let (config, _db) = sogo_config("send-big", "");
    let mut x: u32 = 0x9e37_79b9;
    let blob: Vec<u8> = (0..10 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&blob);
    let mut message = format!(
        "To: alice@example.test\nSubject: {t}\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b0\"\n\n--b0\nContent-Type: text/plain\n\n\
         see attached\n--b0\nContent-Type: application/octet-stream\n\
         Content-Disposition: attachment; filename=\"blob.bin\"\nContent-Transfer-Encoding: base64\n\n"
    );
    for line in b64.as_bytes().chunks(76) {
        message.push_str(std::str::from_utf8(line).unwrap());
        message.push('\n');
    }
    message.push_str("--b0--\n");
    ok(&send(&config, &["-t"], message.as_bytes()));
    let got = sunk(&t);
    assert_eq!(got.len(), 1);
    let parsed = mail_parser::MessageParser::default()
        .parse(&got[0].0)
        .unwrap();
    let att = parsed.attachments().next().expect("the attachment");
    assert_eq!(att.contents().len(), blob.len());
    assert!(att.contents() == blob.as_slice(), "the attachment's bytes");
}

/// The Message-ID of the exported maildir message whose subject is `subject`.
fn exported_message_id(root: &std::path::Path, subject: &str) -> String {
    for dir in ["INBOX/cur", "INBOX/new"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let text = std::fs::read(e.path()).unwrap();
            let m = mail_parser::MessageParser::default().parse(&text).unwrap();
            if m.subject() == Some(subject) {
                return format!("<{}>", m.message_id().unwrap());
            }
        }
    }
    panic!("no exported message {subject:?} under {}", root.display());
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn a_reply_found_by_in_reply_to_goes_as_smartreply_and_marks_the_original_answered() {
    let t = token("reply");
    let _purge = Purge(t.clone());
    let original = format!("original {t}");
    seed(&["mail-add", &original]);
    let (config, db) = sogo_config("send-reply", "");
    let root = config.parent().unwrap().join("Mail");
    let extra = format!(
        "[[account.sogo.export]]\nwhat = \"mail\"\nmaildir = \"{}\"\nfolders = [\"INBOX\"]\n",
        root.display()
    );
    sogo::write_sogo_config(&config, &db, &extra);
    sync_until(
        &config,
        &db,
        &format!("SELECT count(*) FROM emails WHERE subject = '{original}'"),
        1,
    );
    let parent = exported_message_id(&root, &original);
    let reply = format!(
        "From: bob@example.test\nTo: alice@example.test\nSubject: Re: {original}\n\
         In-Reply-To: {parent}\nReferences: {parent}\n\nThanks! {t}\n\n> quoted by the client\n"
    );
    ok(&send(&config, &["alice@example.test"], reply.as_bytes()));
    let got = sunk(&format!("Thanks! {t}"));
    assert_eq!(got.len(), 1);
    assert!(has(&got[0].0, b"> quoted by the client"));
    let flags = flags_of("INBOX", &original).expect("the original is there");
    assert!(
        flags.contains("\\Answered"),
        "SmartReply marks the original answered: {flags}"
    );
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn a_forward_by_id_carries_the_original() {
    let t = token("forward");
    let _purge = Purge(t.clone());
    let original = format!("to forward {t}");
    seed(&["mail-add", &original]);
    let (config, db) = sogo_config("send-forward", "");
    sync_until(
        &config,
        &db,
        &format!("SELECT count(*) FROM emails WHERE subject = '{original}'"),
        1,
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let id: i64 = conn
        .query_row(
            "SELECT item_id FROM emails WHERE subject = ?1",
            [&original],
            |r| r.get(0),
        )
        .unwrap();
    let id = id.to_string();
    let fwd =
        format!("To: carol@example.test\nSubject: Fwd: {original}\n\nHave a look. {t}-note\n");
    ok(&send(&config, &["--forward", &id, "-t"], fwd.as_bytes()));
    let got = sunk(&format!("{t}-note"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, ["carol@example.test"]);
    // The server added the original's text (seed.py's `mail-add` body).
    assert!(
        has(&got[0].0, b"seed message number 100"),
        "the original's text is in the forward: {}",
        String::from_utf8_lossy(&got[0].0)
    );
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn a_message_queued_while_the_server_is_away_is_sent_once_by_the_next_sync() {
    let t = token("queued");
    let _purge = Purge(t.clone());
    let (config, db) = sogo_config("send-queued", "");
    let good = std::fs::read_to_string(&config).unwrap();
    // Nothing listens on port 9 of loopback.
    let away = good.replace(
        &sogo::url(),
        "http://127.0.0.1:9/Microsoft-Server-ActiveSync",
    );
    std::fs::write(&config, &away).unwrap();
    let msg = format!("To: alice@example.test\nSubject: {t}\n\nlater\n");
    let out = send(&config, &["-t"], msg.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("queued as 1"));
    let listed = ok(&easync(&config, &["send", "--queue"]));
    assert!(
        listed.starts_with("1\tqueued\talice@example.test\t"),
        "{listed}"
    );
    assert!(sunk(&t).is_empty());
    std::fs::write(&config, &good).unwrap();
    let out = ok(&easync(&config, &["sync"]));
    assert!(out.contains("sent: 1 message(s)"), "{out}");
    ok(&easync(&config, &["sync"]));
    assert_eq!(sunk(&t).len(), 1, "sent once");
    assert!(ok(&easync(&config, &["send", "--queue"])).is_empty());
    let _ = db;
}

#[test]
#[ignore = "needs SOGo and mutt (apt-get install mutt)"]
fn mutt_sends_through_easync_with_an_attachment() {
    let t = token("mutt");
    let _purge = Purge(t.clone());
    let (config, _db) = sogo_config("send-mutt", "");
    let dir = config.parent().unwrap();
    let muttrc = dir.join("muttrc");
    let attachment = dir.join("notes.txt");
    std::fs::write(&attachment, format!("attached notes {t}\n")).unwrap();
    // What the README tells mutt users to write.
    std::fs::write(
        &muttrc,
        format!(
            "set sendmail=\"{} -c {} send\"\nset from=\"bob@example.test\"\nset use_from=yes\n\
             set record=\"\"\nset copy=no\n",
            env!("CARGO_BIN_EXE_easync"),
            config.display()
        ),
    )
    .unwrap();
    let mut child = Command::new("mutt")
        .arg("-n")
        .arg("-F")
        .arg(&muttrc)
        .args([
            "-s",
            &format!("from mutt {t}"),
            "-b",
            "hidden@example.test",
            "-a",
        ])
        .arg(&attachment)
        .args(["--", "alice@example.test"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mutt is installed");
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
    let got = sunk(&format!("from mutt {t}"));
    assert_eq!(got.len(), 1);
    let (text, rcpt) = &got[0];
    assert_eq!(rcpt, &["alice@example.test", "hidden@example.test"]);
    assert!(!has(text, b"hidden@example.test"));
    let m = mail_parser::MessageParser::default().parse(text).unwrap();
    let att = m.attachments().next().expect("mutt's attachment");
    // A text part travels with CRLF line ends (RFC 5322 2.1).
    assert_eq!(att.contents(), format!("attached notes {t}\r\n").as_bytes());
}

/// The ATTENDEE line of bob in the CalDAV copy of event `uid` in his calendar.
fn bob_attendee(uid: &str) -> String {
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/interop/seed.py"
        ))
        .args(["dav-grep", "Calendar/personal/", uid])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("ATTENDEE") && l.contains("bob@example.test"))
        .unwrap_or_default()
        .to_string()
}

/// Removes the invitation from bob's calendar, whatever happens.
struct Uninvite(String);
impl Drop for Uninvite {
    fn drop(&mut self) {
        let _ = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/interop/seed.py"
            ))
            .args(["dav-purge", "Calendar/personal/", &self.0])
            .output();
    }
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn answering_an_invitation_updates_the_server_the_mirror_and_tells_the_organizer() {
    let uid = token("invite");
    let _gone = Uninvite(uid.clone());
    let _purge = Purge(uid.clone());
    seed(&["invite", &uid, &format!("Planning {uid}")]);
    let (config, db) = sogo_config("respond", "");
    let sql = |rt: i64| {
        format!("SELECT count(*) FROM events WHERE uid = '{uid}' AND response_type = {rt}")
    };
    sync_until(&config, &db, &sql(5), 1);
    assert!(bob_attendee(&uid).contains("PARTSTAT=NEEDS-ACTION"));
    let out = easync(
        &config,
        &[
            "calendar",
            "respond",
            &uid,
            "tentative",
            "--comment",
            "Maybe — I'll try",
        ],
    );
    ok(&out);
    assert!(
        bob_attendee(&uid).contains("PARTSTAT=TENTATIVE"),
        "{}",
        bob_attendee(&uid)
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rt: i64 = conn
        .query_row(
            &format!("SELECT response_type FROM events WHERE uid = '{uid}'"),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rt, 2, "the mirror shows the answer (synced after it)");
    // SOGo speaks 14.1: easync tells the organizer itself, with an iCalendar REPLY.
    let got = sunk(&format!("UID:{uid}"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, ["alice@example.test"]);
    assert!(has(&got[0].0, b"METHOD:REPLY"));
    assert!(has(&got[0].0, b"PARTSTAT=TENTATIVE"));
    assert!(has(&got[0].0, "Maybe — I'll try".as_bytes()));
    // --no-send: answered, nobody told.
    ok(&easync(
        &config,
        &["calendar", "respond", &uid, "accept", "--no-send"],
    ));
    assert!(bob_attendee(&uid).contains("PARTSTAT=ACCEPTED"));
    assert_eq!(sunk(&format!("UID:{uid}")).len(), 1, "no second message");
}
