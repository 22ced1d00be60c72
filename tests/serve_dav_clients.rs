//! Real clients against easync serve's CalDAV/CardDAV side over a mirror of the simulator:
//! vdirsyncer (Debian's) syncing both ways — what it brings down khal and khard read; what is
//! changed in its vdirs reaches the simulator's mailbox after an easync sync; what changes on
//! the server reaches its vdirs — and python3-caldav for the corner cases (If-Match 412,
//! sync-collection, a time-range search). A missing package fails the test, naming it.

mod common;
#[path = "common/dav.rs"]
mod davc;
#[path = "common/sim.rs"]
mod simc;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use simc::{client, q, small, start, sync_ok};

/// The item files of a vdir collection.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

/// Runs vdirsyncer, answering yes to its questions (discover: create the local collections).
fn vdirsyncer(conf: &Path, args: &[&str]) -> String {
    use std::io::Write as _;
    let mut child = Command::new("vdirsyncer")
        .arg("-c")
        .arg(conf)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all("y\n".repeat(50).as_bytes());
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "vdirsyncer {args:?}: {text}");
    text
}

fn vdirsyncer_conf(dir: &Path, url: &str) -> PathBuf {
    let conf = dir.join("vdirsyncer.conf");
    let d = dir.display();
    let pw = davc::PASSWORD;
    std::fs::write(
        &conf,
        format!(
            "[general]\nstatus_path = \"{d}/status/\"\n\n\
             [pair cal]\na = \"cal_local\"\nb = \"cal_dav\"\ncollections = [\"from b\"]\n\n\
             [storage cal_local]\ntype = \"filesystem\"\npath = \"{d}/calendars/\"\nfileext = \".ics\"\n\n\
             [storage cal_dav]\ntype = \"caldav\"\nurl = \"{url}/\"\nusername = \"a\"\npassword = \"{pw}\"\n\n\
             [pair book]\na = \"book_local\"\nb = \"book_dav\"\ncollections = [\"from b\"]\n\n\
             [storage book_local]\ntype = \"filesystem\"\npath = \"{d}/contacts/\"\nfileext = \".vcf\"\n\n\
             [storage book_dav]\ntype = \"carddav\"\nurl = \"{url}/\"\nusername = \"a\"\npassword = \"{pw}\"\n"
        ),
    )
    .unwrap();
    conf
}

fn khard_list(dir: &Path, book: &Path) -> String {
    let conf = dir.join("khard.conf");
    std::fs::write(
        &conf,
        format!(
            "[addressbooks]\n[[dav]]\npath = {}\n[general]\ndefault_action = list\n",
            book.display()
        ),
    )
    .unwrap();
    let out = Command::new("khard")
        .arg("-c")
        .arg(&conf)
        .arg("list")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "khard: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn khal_list(dir: &Path, cal: &Path) -> String {
    let conf = dir.join("khal.conf");
    std::fs::write(
        &conf,
        format!(
            "[calendars]\n[[dav]]\npath = {}\n[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n\
             longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n\
             local_timezone = UTC\ndefault_timezone = UTC\n",
            cal.display()
        ),
    )
    .unwrap();
    let out = Command::new("khal")
        .env("XDG_DATA_HOME", dir)
        .arg("-c")
        .arg(&conf)
        .args([
            "list",
            "2020-01-01",
            "2030-01-01",
            "--format",
            "{start} {title}",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "khal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const CARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:vdirsyncer-new-1\r\nFN:Quentin Vdirsyncer\r\n\
N:Vdirsyncer;Quentin;;;\r\nEMAIL;TYPE=work:quentin@example.org\r\nEND:VCARD\r\n";

#[test]
fn vdirsyncer_syncs_both_ways_and_khal_and_khard_read_what_it_got() {
    davc::need("vdirsyncer", &["--version"], "vdirsyncer");
    davc::need("khal", &["--version"], "khal");
    davc::need("khard", &["--version"], "khard");
    let server = start(small());
    let a = client("dav-vdirsyncer", &server.url(), "16.1", "");
    sync_ok(&a);
    let dav = davc::start(a.db.clone());
    let conf = vdirsyncer_conf(&a.dir, &dav.url());
    vdirsyncer(&conf, &["discover"]);
    vdirsyncer(&conf, &["sync"]);

    let folder = |name: &str| -> String {
        q(
            &a.db,
            &format!("SELECT server_id FROM folders WHERE name = '{name}'"),
        )
    };
    let (cal, book) = (
        a.dir.join("calendars").join(folder("Calendar")),
        a.dir.join("contacts").join(folder("Contacts")),
    );
    let count = |sql: &str| q::<i64>(&a.db, sql) as usize;
    let n_cards = count(
        "SELECT count(*) FROM contacts c JOIN items i ON i.id = c.item_id JOIN folders f ON f.id = i.folder_id WHERE f.name = 'Contacts'",
    );
    let n_events = count(
        "SELECT count(*) FROM events e JOIN items i ON i.id = e.item_id JOIN folders f ON f.id = i.folder_id WHERE f.name = 'Calendar'",
    );
    assert_eq!(files(&book, "vcf").len(), n_cards);
    assert_eq!(files(&cal, "ics").len(), n_events);

    // khard and khal read what vdirsyncer got.
    let some_name: String = q(
        &a.db,
        "SELECT last_name FROM contacts WHERE last_name IS NOT NULL LIMIT 1",
    );
    assert!(khard_list(&a.dir, &book).contains(&some_name));
    let some_subject: String = q(
        &a.db,
        "SELECT subject FROM events WHERE coalesce(recurring, 0) = 0 LIMIT 1",
    );
    assert!(
        khal_list(&a.dir, &cal).contains(&some_subject),
        "{some_subject}"
    );

    // Changes on vdirsyncer's side: a new contact, an edited event, a removed contact.
    std::fs::write(book.join("vdirsyncer-new-1.vcf"), CARD).unwrap();
    let edited = files(&cal, "ics")[0].clone();
    let text = std::fs::read_to_string(&edited).unwrap();
    let old = text
        .lines()
        .find(|l| l.starts_with("SUMMARY:"))
        .unwrap()
        .to_string();
    std::fs::write(
        &edited,
        text.replace(&old, "SUMMARY:Edited through vdirsyncer"),
    )
    .unwrap();
    let removed = files(&book, "vcf")[0].clone();
    let removed_text = std::fs::read_to_string(&removed).unwrap();
    let removed_mail = removed_text
        .lines()
        .find(|l| l.starts_with("EMAIL"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap();
    std::fs::remove_file(&removed).unwrap();
    vdirsyncer(&conf, &["sync"]);
    assert_eq!(
        count("SELECT count(*) FROM changes WHERE origin = 'dav' AND state = 'pending'"),
        3
    );
    sync_ok(&a);
    // They are on the server: a fresh mirror of it has them.
    let b = client("dav-vdirsyncer-b", &server.url(), "16.1", "");
    sync_ok(&b);
    let in_b = |sql: &str| q::<i64>(&b.db, sql);
    assert_eq!(
        in_b("SELECT count(*) FROM contacts WHERE last_name = 'Vdirsyncer'"),
        1
    );
    assert_eq!(
        in_b("SELECT count(*) FROM events WHERE subject = 'Edited through vdirsyncer'"),
        1
    );
    assert_eq!(
        in_b(&format!(
            "SELECT count(*) FROM contacts WHERE emails LIKE '%\"{removed_mail}\"%'"
        )),
        0,
        "{removed_mail}"
    );
    assert_eq!(
        in_b(
            "SELECT count(*) FROM contacts c JOIN items i ON i.id = c.item_id JOIN folders f ON f.id = i.folder_id WHERE f.name = 'Contacts'"
        ) as usize,
        n_cards,
        "one added, one removed"
    );
    simc::assert_mirrors(&a.db, &server.sim);
    // Another sync of vdirsyncer: the new contact keeps its file, nothing is doubled.
    vdirsyncer(&conf, &["sync"]);
    assert!(book.join("vdirsyncer-new-1.vcf").exists());
    assert_eq!(files(&book, "vcf").len(), n_cards);
    assert_eq!(
        count("SELECT count(*) FROM changes"),
        0,
        "the Add adopted, nothing sent again"
    );

    // Changes on the server reach vdirsyncer's side.
    server.sim.add_items("Contacts", 2).unwrap();
    server.sim.delete_items("Calendar", 1).unwrap();
    sync_ok(&a);
    vdirsyncer(&conf, &["sync"]);
    assert_eq!(files(&book, "vcf").len(), n_cards + 2);
    assert_eq!(files(&cal, "ics").len(), n_events - 1);
    let listed = khard_list(&a.dir, &book);
    assert!(listed.contains("Vdirsyncer"), "{listed}");
}

#[test]
fn python_caldav_gets_412_on_stale_preconditions_and_follows_sync_collection() {
    davc::need(
        "/usr/bin/python3",
        &["-c", "import caldav"],
        "python3-caldav",
    );
    let server = start(small());
    let a = client("dav-pycaldav", &server.url(), "16.1", "");
    sync_ok(&a);
    let dav = davc::start(a.db.clone());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dav/caldav_corners.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(format!("{}/dav/", dav.url()))
        .args(["a", davc::PASSWORD])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.matches("ok   ").count(), 9, "{text}");
    // The event it made and deleted left nothing behind to send.
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM changes"), 0);
}
