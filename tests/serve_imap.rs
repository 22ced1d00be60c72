//! `easync serve`'s IMAP side against the simulator's Exchange profile, through the binary:
//! Python's imaplib (a client no one here wrote) signs in, lists, selects, fetches whole
//! messages (fetched from the server with ItemOperations: the mirror keeps text bodies),
//! searches, sets flags, moves and expunges; the changes reach the server through the journal
//! and the `watch` running inside serve. A raw connection checks IDLE: a mail the server
//! receives is announced within seconds.

use std::process::Command;
use std::time::{Duration, Instant};

mod common;
#[path = "common/serve.rs"]
mod served;
#[path = "common/sim.rs"]
mod simc;

use served::{LOCAL_PASSWORD, Raw, start_serve, within};
use simc::q;

/// Runs a Python script with imaplib; its stdout.
fn python(script: &str, port: u16) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("PORT", port.to_string())
        .env("PW", LOCAL_PASSWORD)
        .output()
        .expect("python3 runs (Debian package python3)");
    assert!(
        out.status.success(),
        "the imaplib script failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const IMAPLIB: &str = r#"
import imaplib, os, re, json, email.header
M = imaplib.IMAP4("127.0.0.1", int(os.environ["PORT"]))
try:
    M.login("a", "wrong")
    raise SystemExit("a wrong password was accepted")
except imaplib.IMAP4.error as e:
    assert "easync serve --show-password" in str(e), e
M.login("demo@easync.test", os.environ["PW"])
typ, boxes = M.list()
names = [b.decode() for b in boxes]
out = {"list": names}
typ, data = M.select("INBOX")
out["exists"] = int(data[0])
typ, data = M.uid("FETCH", "1:*", "(UID FLAGS)")
uids = [int(m) for m in re.findall(rb"UID (\d+)", b" ".join(d if isinstance(d, bytes) else d[0] for d in data))]
out["uids"] = uids
typ, data = M.uid("FETCH", str(uids[0]), "(RFC822.SIZE BODY.PEEK[] ENVELOPE BODYSTRUCTURE)")
meta, body = data[0]
out["size"] = int(re.search(rb"RFC822.SIZE (\d+)", meta).group(1))
out["body_len"] = len(body)
line = [l for l in body.decode("utf-8", "replace").split("\r\n") if l.lower().startswith("subject:")][0]
out["subject_line"] = str(email.header.make_header(email.header.decode_header(line[8:].strip())))
rest = b"".join(d if isinstance(d, bytes) else d[0] for d in data[1:])
out["has_envelope"] = b"ENVELOPE (" in rest and b"BODYSTRUCTURE (" in rest
typ, data = M.uid("FETCH", str(uids[1]), "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
out["fields"] = data[0][1].decode("utf-8", "replace")
typ, data = M.uid("SEARCH", None, "UNSEEN")
out["unseen"] = [int(x) for x in data[0].split()]
typ, data = M.uid("SEARCH", None, "ALL")
out["all"] = [int(x) for x in data[0].split()]
unseen = out["unseen"]
out["read_uid"] = unseen[0]
M.uid("STORE", str(unseen[0]), "+FLAGS", "(\\Seen)")
out["move_uid"] = uids[-1]
typ, data = M.uid("MOVE", str(uids[-1]), "Archive")
out["move"] = typ
out["delete_uid"] = uids[-2]
M.uid("STORE", str(uids[-2]), "+FLAGS", "(\\Deleted)")
typ, data = M.expunge()
out["expunged"] = [int(x) for x in data if x]
typ, data = M.select("INBOX")
out["exists_after"] = int(data[0])
typ, data = M.copy(str(1), "Archive")
out["copy"] = typ
M.logout()
print(json.dumps(out))
"#;

#[test]
fn imaplib_reads_flags_moves_and_expunges_through_the_journal() {
    let (server, a, s) = served::serve_sim("serve-imap", |sim| {
        sim.add_folder("0", "Archive", 12).unwrap();
    });
    let inbox: i64 = q(
        &a.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.type = 2",
    );
    let out: serde_json::Value = serde_json::from_str(python(IMAPLIB, s.imap).trim()).unwrap();
    let list: Vec<String> = serde_json::from_value(out["list"].clone()).unwrap();
    assert!(list.iter().any(|l| l.ends_with("INBOX")), "{list:?}");
    assert!(
        list.iter()
            .any(|l| l.contains("\\Sent") && l.contains("Sent Items")),
        "special-use: {list:?}"
    );
    assert_eq!(
        out["exists"], inbox,
        "SELECT's EXISTS is the mirror's Inbox"
    );
    let uids: Vec<u32> = serde_json::from_value(out["uids"].clone()).unwrap();
    assert_eq!(uids.len() as i64, inbox);
    assert!(
        uids.windows(2).all(|w| w[0] < w[1]),
        "UIDs ascend: {uids:?}"
    );
    assert_eq!(
        out["size"], out["body_len"],
        "RFC822.SIZE is the message's size"
    );
    assert_eq!(out["has_envelope"], true);
    let first_item: i64 = q(
        &a.db,
        &format!("SELECT item_id FROM imap_uids WHERE uid = {}", uids[0]),
    );
    let subject: String = q(
        &a.db,
        &format!("SELECT subject FROM emails WHERE item_id = {first_item}"),
    );
    assert!(
        out["subject_line"].as_str().unwrap().contains(&subject),
        "the message fetched is the mail of that UID: {} vs {subject}",
        out["subject_line"]
    );
    let fields = out["fields"].as_str().unwrap();
    assert!(
        fields.to_lowercase().starts_with("subject:") || fields.to_lowercase().starts_with("from:"),
        "{fields}"
    );
    assert!(
        !fields.to_lowercase().contains("\nto:"),
        "only the fields asked: {fields}"
    );
    let unseen: Vec<u32> = serde_json::from_value(out["unseen"].clone()).unwrap();
    let unread: i64 = q(
        &a.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id JOIN emails e \
         ON e.item_id = i.id WHERE f.type = 2 AND e.read = 0",
    );
    assert!(unread > 0);
    assert_eq!(out["move"], "OK");
    assert_eq!(out["copy"], "NO", "COPY is refused, saying why");
    assert_eq!(
        out["exists_after"],
        inbox - 2,
        "moved and expunged left the Inbox at once"
    );

    // On the server, through watch: read, moved, deleted (to Deleted Items).
    let server_id = |uid: &serde_json::Value| -> String {
        q(
            &a.db,
            &format!(
                "SELECT server_id FROM changes WHERE item_id = (SELECT item_id FROM imap_uids \
                 WHERE uid = {uid}) UNION SELECT i.server_id FROM items i WHERE i.id = \
                 (SELECT item_id FROM imap_uids WHERE uid = {uid}) LIMIT 1"
            ),
        )
    };
    let read_id = server_id(&out["read_uid"]);
    assert!(!unseen.is_empty());
    let took = within(20, "\\Seen on the server", || {
        server
            .sim
            .item(&read_id)
            .ok()
            .and_then(|i| i.mail)
            .is_some_and(|m| m.read)
    });
    eprintln!("IMAP STORE \\Seen → server: {took:?}");
    let inbox_live = || server.sim.items("Inbox").unwrap().len() as i64;
    within(20, "the move and the delete on the server", || {
        inbox_live() == inbox - 2
    });
    assert!(
        !server.sim.items("Archive").unwrap().is_empty(),
        "the moved mail is in Archive"
    );
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM changes WHERE state != 'added'"),
        0,
        "the journal is empty: everything reached the server"
    );
    let log = std::fs::read_to_string(&s.log).unwrap();
    assert!(
        !log.contains(LOCAL_PASSWORD),
        "the local password is not logged"
    );
}

#[test]
fn idle_announces_a_new_mail_within_seconds() {
    let (server, a, s) = served::serve_sim("serve-idle", |_| {});
    // The binary serves CalDAV/CardDAV too: discovery answers on the dav port.
    let dav = served::dav_port(&a);
    let mut h = std::net::TcpStream::connect(("127.0.0.1", dav)).expect("the dav port listens");
    use std::io::{Read as _, Write as _};
    h.write_all(
        b"GET /.well-known/caldav HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    h.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 301"), "{answer}");
    // AUTHENTICATE PLAIN without an initial response: the server asks with "+".
    let mut p = Raw::connect(s.imap);
    p.send("p1 AUTHENTICATE PLAIN");
    assert!(p.line().starts_with('+'));
    use base64::Engine as _;
    p.send(&base64::engine::general_purpose::STANDARD.encode(format!("\0a\0{LOCAL_PASSWORD}")));
    let authed = p.until("p1 ");
    assert!(authed.last().unwrap().starts_with("p1 OK"), "{authed:?}");
    let mut c = Raw::connect(s.imap);
    c.login("a");
    let (sel, exists) = c.select("INBOX");
    assert!(sel.iter().any(|l| l.contains("[UIDVALIDITY ")), "{sel:?}");
    // Wait until watch is pinging (its catch-up sync is done): the log says so at -v.
    within(30, "watch's catch-up sync", || {
        std::fs::read_to_string(&s.log)
            .unwrap_or_default()
            .contains("watching")
    });
    c.send("a3 IDLE");
    let cont = c.line();
    assert!(cont.starts_with('+'), "{cont}");
    let started = Instant::now();
    server.sim.add_items("Inbox", 1).unwrap();
    let lines = c.until(&format!("* {} EXISTS", exists + 1));
    let took = started.elapsed();
    eprintln!("server's new mail → IMAP IDLE EXISTS: {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}: {lines:?}");
    c.send("DONE");
    let done = c.until("a3 ");
    assert!(done.last().unwrap().starts_with("a3 OK"), "{done:?}");
    let f = c.cmd("a4", &format!("FETCH {} (UID FLAGS)", exists + 1));
    assert!(f.last().unwrap().starts_with("a4 OK"), "{f:?}");
    // A folder other than the Inbox is pushed too: serve watches every mail folder.
    let (_, exists) = c.select("\"Sent Items\"");
    c.send("a6 IDLE");
    assert!(c.line().starts_with('+'));
    let started = Instant::now();
    server.sim.add_items("Sent Items", 1).unwrap();
    c.until(&format!("* {} EXISTS", exists + 1));
    eprintln!("new mail in Sent Items → IDLE: {:?}", started.elapsed());
    c.send("DONE");
    c.until("a6 ");
    let bye = c.cmd("a7", "LOGOUT");
    assert!(bye.last().unwrap().starts_with("a7 OK"), "{bye:?}");
    assert!(
        bye.iter().any(|l| l.starts_with("* BYE")),
        "RFC 3501 6.1.3: BYE first: {bye:?}"
    );
}

/// mbsync (Debian's isync), as the README's set-up configures it: the whole mailbox into
/// Maildirs, then a flag set in the Maildir reaches the server, and one the server changes
/// reaches the Maildir.
#[test]
fn mbsync_mirrors_the_imap_side_and_pushes_a_flag_back() {
    assert!(
        simc::have("mbsync", &["-v"]) || simc::have("mbsync", &["--version"]),
        "mbsync is missing: install the Debian package isync"
    );
    let (server, a, s) = served::serve_sim("serve-mbsync", |_| {});
    let imap = s.imap;
    let maildir = a.dir.join("Mail");
    std::fs::create_dir_all(&maildir).unwrap();
    let rc = a.dir.join("mbsyncrc");
    std::fs::write(
        &rc,
        format!(
            "IMAPAccount work\nHost 127.0.0.1\nPort {imap}\nUser a\nPass {LOCAL_PASSWORD}\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore work-remote\nAccount work\n\n\
             MaildirStore work-local\nPath {m}/\nInbox {m}/INBOX\nSubFolders Verbatim\n\n\
             Channel work\nFar :work-remote:\nNear :work-local:\nPatterns *\nCreate Near\n\
             Sync Pull PushFlags PushDelete\nExpunge Both\nSyncState *\n",
            m = maildir.display()
        ),
    )
    .unwrap();
    let mbsync = || {
        let out = Command::new("mbsync")
            .arg("-c")
            .arg(&rc)
            .arg("-a")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mbsync failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let started = Instant::now();
    mbsync();
    eprintln!("first mbsync: {:?}", started.elapsed());
    let files = |dir: &str| -> Vec<std::path::PathBuf> {
        let mut v = Vec::new();
        for sub in ["cur", "new"] {
            if let Ok(rd) = std::fs::read_dir(maildir.join(dir).join(sub)) {
                v.extend(rd.map(|e| e.unwrap().path()));
            }
        }
        v
    };
    let inbox: i64 = q(
        &a.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.type = 2",
    );
    assert_eq!(
        files("INBOX").len() as i64,
        inbox,
        "every Inbox mail in the Maildir"
    );
    assert!(maildir.join("Sent Items").exists(), "other folders too");
    // A flag set in the Maildir (F: \Flagged) reaches the server.
    let unflagged = files("INBOX")
        .into_iter()
        .find(|p| {
            !p.to_string_lossy()
                .rsplit(":2,")
                .next()
                .unwrap_or("")
                .contains('F')
        })
        .expect("an unflagged mail");
    let flagged_name = format!("{}F", unflagged.to_string_lossy());
    std::fs::rename(&unflagged, &flagged_name).unwrap();
    // mbsync names its files …,U=<uid>:2,<flags>: the UID names the mail.
    let uid: u32 = flagged_name
        .split(",U=")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|u| u.parse().ok())
        .expect("a UID in the file name");
    let server_id: String = served::inbox_server_id(&a, uid);
    let flag = || {
        server
            .sim
            .item(&server_id)
            .unwrap()
            .mail
            .unwrap()
            .flag_status
    };
    assert_ne!(flag(), 2, "not flagged before");
    mbsync();
    let on_server = || flag() == 2;
    let took = within(20, "the Maildir's F flag on the server", on_server);
    eprintln!("mbsync PushFlags → server: {took:?}");

    // The server marks another mail read: push brings it to the mirror, mbsync to the Maildir.
    let unread = files("INBOX")
        .into_iter()
        .find(|p| {
            !p.to_string_lossy()
                .rsplit(":2,")
                .next()
                .unwrap_or("")
                .contains('S')
        })
        .expect("an unread mail");
    let uid2: u32 = unread
        .to_string_lossy()
        .split(",U=")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|u| u.parse().ok())
        .unwrap();
    let sid2: String = served::inbox_server_id(&a, uid2);
    let cats = server.sim.item(&sid2).unwrap().mail.unwrap().categories;
    server.sim.set_mail_flags(&sid2, true, false, cats).unwrap();
    within(20, "the server's read flag in the mirror", || {
        q::<i64>(
            &a.db,
            &format!(
                "SELECT e.read FROM emails e JOIN items i ON i.id = e.item_id WHERE i.server_id = '{sid2}'"
            ),
        ) == 1
    });
    mbsync();
    let now_seen = files("INBOX").into_iter().any(|p| {
        let p = p.to_string_lossy().to_string();
        p.contains(&format!(",U={uid2}:")) && p.rsplit(":2,").next().unwrap_or("").contains('S')
    });
    assert!(
        now_seen,
        "mbsync pulled the server's \\Seen into the Maildir"
    );
    drop(s);
}

/// A SIGKILL of `easync serve` while a client is setting flags loses none it was told were
/// set; after a restart the mailbox has the same UIDVALIDITY and UIDs.
#[test]
fn a_killed_serve_keeps_every_acknowledged_flag_and_its_uids() {
    let (server, a, mut s) = served::serve_sim("serve-kill", |_| {});
    let (imap, smtp) = (s.imap, s.smtp);
    let mut c = Raw::connect(s.imap);
    c.login("a");
    let (sel, _) = c.select("INBOX");
    let validity = sel
        .iter()
        .find(|l| l.contains("[UIDVALIDITY "))
        .cloned()
        .unwrap();
    let uids_of = |c: &mut Raw, tag: &str| -> Vec<String> {
        c.cmd(tag, "UID SEARCH ALL")
            .iter()
            .find_map(|l| l.strip_prefix("* SEARCH"))
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let uids = uids_of(&mut c, "a3");
    let unflagged: Vec<String> = c
        .cmd("a4", "UID SEARCH UNFLAGGED")
        .iter()
        .find_map(|l| l.strip_prefix("* SEARCH"))
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert!(unflagged.len() >= 20, "{unflagged:?}");
    // Kill serve from another thread while flags are being set.
    let pid = s.child.id();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    });
    let mut acknowledged = Vec::new();
    for (n, uid) in unflagged.iter().enumerate() {
        let tag = format!("s{n}");
        c.send(&format!("{tag} UID STORE {uid} +FLAGS.SILENT (\\Flagged)"));
        let mut l = String::new();
        loop {
            l.clear();
            let line = c.line();
            if line.is_empty() {
                break;
            }
            if line.starts_with(&tag) {
                l = line;
                break;
            }
        }
        if l.starts_with(&format!("{tag} OK")) {
            acknowledged.push(uid.clone());
        } else {
            break;
        }
    }
    killer.join().unwrap();
    let _ = s.child.wait();
    eprintln!(
        "acknowledged {} of {} flags before the kill",
        acknowledged.len(),
        unflagged.len()
    );
    // Restart: the same UIDs; then every acknowledged flag reaches the server.
    drop(s);
    let s2 = start_serve(&a, imap, smtp, &[]);
    let mut c2 = Raw::connect(s2.imap);
    c2.login("a");
    let (sel2, _) = c2.select("INBOX");
    assert!(
        sel2.contains(&validity),
        "UIDVALIDITY kept: {validity} vs {sel2:?}"
    );
    assert_eq!(
        uids_of(&mut c2, "b3"),
        uids,
        "the same UIDs after a restart"
    );
    for uid in &acknowledged {
        let sid: String = q(
            &a.db,
            &format!(
                "SELECT i.server_id FROM imap_uids u JOIN items i ON i.id = u.item_id \
                 JOIN folders f ON f.id = u.folder_id WHERE f.type = 2 AND u.uid = {uid}"
            ),
        );
        within(30, "an acknowledged flag on the server", || {
            server.sim.item(&sid).unwrap().mail.unwrap().flag_status == 2
        });
    }
}

/// offlineimap (Debian's offlineimap3) mirrors the Inbox through serve and pushes a flag set
/// in its Maildir back to the server.
#[test]
fn offlineimap_mirrors_the_inbox_and_pushes_a_flag_back() {
    assert!(
        simc::have("offlineimap", &["--version"]),
        "offlineimap is missing: install the Debian package offlineimap3"
    );
    let (server, a, s) = served::serve_sim("serve-oimap", |_| {});
    let imap = s.imap;
    let maildir = a.dir.join("oimap");
    let rc = a.dir.join("offlineimaprc");
    std::fs::create_dir_all(maildir.join("meta")).unwrap();
    std::fs::create_dir_all(maildir.join("mail")).unwrap();
    std::fs::write(
        &rc,
        format!(
            "[general]\naccounts = w\nmetadata = {d}/meta\n\n[Account w]\nlocalrepository = l\nremoterepository = r\n\n\
             [Repository l]\ntype = Maildir\nlocalfolders = {d}/mail\n\n\
             [Repository r]\ntype = IMAP\nremotehost = 127.0.0.1\nremoteport = {imap}\nremoteuser = a\n\
             remotepass = {LOCAL_PASSWORD}\nssl = no\nstarttls = no\nfolderfilter = lambda f: f == 'INBOX'\n",
            d = maildir.display()
        ),
    )
    .unwrap();
    let run = || {
        let out = Command::new("offlineimap")
            .arg("-c")
            .arg(&rc)
            .args(["-o", "-u", "basic"])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && !text.contains("ERROR"),
            "offlineimap failed:\n{text}"
        );
    };
    run();
    let files = || -> Vec<std::path::PathBuf> {
        ["cur", "new"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(maildir.join("mail/INBOX").join(d))
                    .map(|r| r.map(|e| e.unwrap().path()).collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .collect()
    };
    let inbox: i64 = q(
        &a.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.type = 2",
    );
    assert_eq!(
        files().len() as i64,
        inbox,
        "every Inbox mail in offlineimap's Maildir"
    );
    // offlineimap names files …,U=<uid>,FMD5=…:2,<flags>.
    let file = files()
        .into_iter()
        .find(|p| {
            !p.to_string_lossy()
                .rsplit(":2,")
                .next()
                .unwrap_or("")
                .contains('F')
        })
        .expect("an unflagged mail");
    let name = file.to_string_lossy().to_string();
    let uid: u32 = name
        .split(",U=")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|u| u.parse().ok())
        .expect("a UID in the name");
    let flags = name.rsplit(":2,").next().unwrap_or("").to_string();
    let mut new_flags: Vec<char> = format!("{flags}F").chars().collect();
    new_flags.sort();
    let renamed = format!(
        "{}:2,{}",
        name.rsplit_once(":2,").unwrap().0,
        new_flags.into_iter().collect::<String>()
    );
    std::fs::rename(&file, &renamed).unwrap();
    let sid: String = served::inbox_server_id(&a, uid);
    let flag = || server.sim.item(&sid).unwrap().mail.unwrap().flag_status;
    assert_ne!(flag(), 2);
    run();
    let took = within(20, "offlineimap's flag on the server", || flag() == 2);
    eprintln!("offlineimap flag → server: {took:?}");
    drop(s);
}

/// SEARCH answers from the mirror: each key's hits are the mails the database says match.
#[test]
fn search_keys_answer_as_the_mirror_says() {
    let (_server, a, s) = served::serve_sim("serve-search", |_| {});
    let mut c = Raw::connect(s.imap);
    c.login("a");
    c.select("INBOX");
    let hits = |c: &mut Raw, key: &str| -> usize {
        let r = c.cmd("q1", &format!("UID SEARCH {key}"));
        assert!(r.last().unwrap().starts_with("q1 OK"), "{key}: {r:?}");
        r.iter()
            .find_map(|l| l.strip_prefix("* SEARCH"))
            .map_or(0, |l| l.split_whitespace().count())
    };
    let count = |sql: &str| -> usize {
        q::<i64>(
            &a.db,
            &format!(
                "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id JOIN emails e \
                 ON e.item_id = i.id WHERE f.type = 2 AND ({sql})"
            ),
        ) as usize
    };
    let all = count("1");
    assert_eq!(hits(&mut c, "ALL"), all);
    let word: String = q(
        &a.db,
        "SELECT substr(e.subject, 1, 5) FROM emails e JOIN items i ON i.id = e.item_id \
         JOIN folders f ON f.id = i.folder_id WHERE f.type = 2 \
         AND substr(e.subject, 1, 5) GLOB '[A-Za-z][A-Za-z][A-Za-z][A-Za-z][A-Za-z]' LIMIT 1",
    );
    let like = word.replace('\'', "''");
    assert_eq!(
        hits(&mut c, &format!("SUBJECT \"{word}\"")),
        count(&format!("e.subject LIKE '%{like}%'"))
    );
    // Text other than ASCII comes as a literal with its charset (RFC 3501 6.4.4).
    let r = c.cmd("q2", "UID SEARCH CHARSET UTF-8 SUBJECT {6+}\r\nDéjeu");
    assert!(r.last().unwrap().starts_with("q2 OK"), "{r:?}");
    assert_eq!(
        r.iter()
            .find_map(|l| l.strip_prefix("* SEARCH"))
            .map_or(0, |l| l.split_whitespace().count()),
        count("e.subject LIKE '%Déjeu%'")
    );
    assert_eq!(hits(&mut c, "SEEN"), count("e.read = 1"));
    assert_eq!(hits(&mut c, "NOT SEEN"), count("e.read = 0"));
    assert_eq!(
        hits(&mut c, "OR SEEN FLAGGED"),
        count("e.read = 1 OR e.flag_status = 2")
    );
    assert_eq!(
        hits(&mut c, "SINCE 1-Jan-1990"),
        all,
        "every mail is newer than 1990"
    );
    assert_eq!(hits(&mut c, "BEFORE 1-Jan-1990"), 0);
    assert_eq!(hits(&mut c, "LARGER 0"), all);
    assert_eq!(hits(&mut c, "1:2"), all.min(2), "a set of numbers");
}

/// A mail moved away and back has a new UID above every UID given before (RFC 3501 2.3.1.1):
/// a client that remembered the old one must not take it for the same message.
#[test]
fn a_mail_moved_away_and_back_gets_a_new_uid() {
    let (server, _a, s) = served::serve_sim("serve-uidback", |sim| {
        sim.add_folder("0", "Archive", 12).unwrap();
    });
    let mut c = Raw::connect(s.imap);
    c.login("a");
    let (sel, exists) = c.select("INBOX");
    let next = |sel: &[String]| -> u32 {
        sel.iter()
            .find_map(|l| l.split("[UIDNEXT ").nth(1)?.split(']').next()?.parse().ok())
            .expect("UIDNEXT")
    };
    let uid_next = next(&sel);
    let subject_of = |c: &mut Raw, set: &str| -> String {
        c.cmd(
            "f1",
            &format!("UID FETCH {set} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"),
        )
        .iter()
        .find_map(|l| {
            l.split("Subject: ")
                .nth(1)
                .map(|s| s.lines().next().unwrap().to_string())
        })
        .expect("a subject")
    };
    let subject = subject_of(&mut c, "1");
    let r = c.cmd("m1", "UID MOVE 1 Archive");
    assert!(r.last().unwrap().starts_with("m1 OK"), "{r:?}");
    // Once the move reached the server and came back, move it home again.
    within(20, "the mail in Archive", || {
        server.sim.items("Archive").unwrap().len() == 1
    });
    let mut found = false;
    for _ in 0..100 {
        let (_, n) = c.select("Archive");
        if n == 1 {
            found = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(found, "the mirror shows it in Archive");
    let r = c.cmd("m2", "MOVE 1 INBOX");
    assert!(r.last().unwrap().starts_with("m2 OK"), "{r:?}");
    within(20, "the mail back in the Inbox on the server", || {
        server.sim.items("Archive").unwrap().is_empty()
    });
    let mut back = None;
    for _ in 0..100 {
        let (_, n) = c.select("INBOX");
        if n == exists {
            back = Some(subject_of(&mut c, &format!("{uid_next}:*")));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        back.as_deref(),
        Some(subject.as_str()),
        "back, with a UID ≥ the old UIDNEXT"
    );
    let (_, _) = c.select("INBOX");
    let old = c.cmd("f2", "UID FETCH 1 (UID)");
    assert!(
        !old.iter().any(|l| l.contains("FETCH (UID 1)")),
        "UID 1 is not given again: {old:?}"
    );
}
