//! Two-way through the vdirs, like vdirsyncer: files that khard, khal and todoman create, edit
//! or remove in the exported collections become Sync Adds, Changes and Deletes; a second,
//! fresh easync database sees them; the collections then hold each item once (a new item
//! keeps the user's file name).

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::path::{Path, PathBuf};

use simc::{Client, client, q, small, start, sync_cmd, sync_ok};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/import")
            .join(name),
    )
    .unwrap()
}

fn setup(name: &str, url: &str, version: &str) -> (Client, PathBuf) {
    let root = std::env::temp_dir().join(format!("easync-vdir2-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let extra = format!(
        "[[account.a.export]]\nwhat = \"contacts\"\nvdir = \"{0}/contacts\"\nfolders = [\"Contacts\"]\n\
         [[account.a.export]]\nwhat = \"calendar\"\nvdir = \"{0}/calendars\"\nfolders = [\"Calendar\"]\n\
         [[account.a.export]]\nwhat = \"tasks\"\nvdir = \"{0}/tasks\"\nfolders = [\"Tasks\"]\n",
        root.display()
    );
    (client(name, url, version, &extra), root)
}

/// The item files of a collection (not the state file, not displayname).
fn items(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.starts_with('.') && (n.ends_with(".vcf") || n.ends_with(".ics"))
        })
        .collect();
    out.sort();
    out
}

fn count(db: &Path, sql: &str) -> i64 {
    q(db, sql)
}

fn roundtrip(version: &str) {
    let server = start(small());
    let tag = version.replace('.', "");
    let (a, root) = setup(&format!("a{tag}"), &server.url(), version);
    sync_ok(&a);
    let (contacts, calendar, tasks) = (
        root.join("contacts/Contacts"),
        root.join("calendars/Calendar"),
        root.join("tasks/Tasks"),
    );
    let (n_contacts, n_events) = (items(&contacts).len(), items(&calendar).len());
    assert!(n_contacts > 5 && n_events > 5, "{n_contacts} {n_events}");

    // khard: a new contact, and an edited one (a job title).
    std::fs::write(
        contacts.join("6d6cbf61-5e0b-4ce1-9d87-4f1e2c1a0b7e.vcf"),
        fixture("khard-v3.vcf"),
    )
    .unwrap();
    let edited = items(&contacts)[0].clone();
    let text = std::fs::read_to_string(&edited).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("TITLE"))
        .map(|l| {
            if l == "END:VCARD" {
                "TITLE:Chief Tester\r\nEND:VCARD\r\n".to_string()
            } else {
                format!("{l}\r\n")
            }
        })
        .collect();
    std::fs::write(&edited, text).unwrap();
    // khal: a weekly series with a cancelled and a moved occurrence; an event removed.
    std::fs::write(
        calendar.join("RKY1G6FQ2O8TK3A9D0Z4XWVJ5M7N.ics"),
        fixture("khal-weekly.ics"),
    )
    .unwrap();
    let removed = items(&calendar)
        .into_iter()
        .find(|p| !p.ends_with("RKY1G6FQ2O8TK3A9D0Z4XWVJ5M7N.ics"))
        .unwrap();
    std::fs::remove_file(&removed).unwrap();
    // todoman: a new task.
    std::fs::write(
        tasks.join("5a3e1f0c9b8d4e2f8a7b6c5d4e3f2a1b@laptop.ics"),
        fixture("todoman-open.ics"),
    )
    .unwrap();

    let out = sync_cmd(&a, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let journal: i64 = count(&a.db, "SELECT count(*) FROM changes");
    assert_eq!(
        journal,
        0,
        "every change sent: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let b = client(&format!("vdir2-b{tag}"), &server.url(), version, "");
    sync_ok(&b);
    assert_eq!(
        count(
            &b.db,
            "SELECT count(*) FROM contacts WHERE last_name = 'Doe' AND first_name = 'Jane'"
        ),
        1
    );
    assert_eq!(
        count(
            &b.db,
            "SELECT count(*) FROM contacts WHERE job_title = 'Chief Tester'"
        ),
        1
    );
    assert_eq!(
        count(
            &b.db,
            "SELECT count(*) FROM events WHERE subject = 'Team sync'"
        ),
        1
    );
    {
        // Before 16.0 the exceptions travel inside the series; on 16.x each is its own
        // Change or Delete with InstanceId after it.
        let ex: String = q(
            &b.db,
            "SELECT exceptions FROM events WHERE subject = 'Team sync'",
        );
        assert!(
            ex.contains("Team sync (moved)") && ex.contains("\"deleted\":true"),
            "{ex}"
        );
    }
    assert_eq!(
        count(
            &b.db,
            "SELECT count(*) FROM tasks WHERE subject = 'Renew passport'"
        ),
        1
    );
    let events_b: i64 = count(
        &b.db,
        "SELECT count(*) FROM events v JOIN items i ON i.id = v.item_id JOIN folders f ON f.id = i.folder_id WHERE f.name = 'Calendar' AND i.soft_deleted = 0",
    );
    assert_eq!(events_b as usize, n_events, "one removed, one added");
    // Another device's export names the series by the UID khal gave it (on 16.x it travels as
    // ClientUid, and the server keeps it as UID even when the series' 16.x Change carries none).
    let b_vdir = b.dir.join("calendars");
    simc::export(
        &b.config,
        "calendar",
        &["--vdir", &b_vdir.display().to_string()],
    );
    assert!(
        b_vdir
            .join("Calendar/RKY1G6FQ2O8TK3A9D0Z4XWVJ5M7N.ics")
            .exists(),
        "{:?}",
        items(&b_vdir.join("Calendar"))
    );

    // A's collections: each item once, the new ones under the user's file names.
    assert_eq!(items(&contacts).len(), n_contacts + 1);
    assert!(
        contacts
            .join("6d6cbf61-5e0b-4ce1-9d87-4f1e2c1a0b7e.vcf")
            .exists()
    );
    assert_eq!(items(&calendar).len(), n_events);
    let series =
        std::fs::read_to_string(calendar.join("RKY1G6FQ2O8TK3A9D0Z4XWVJ5M7N.ics")).unwrap();
    assert!(
        series.contains("RECURRENCE-ID") && series.contains("EXDATE"),
        "the user's file, rewritten from the mirror, keeps its occurrences: {series}"
    );
    assert!(!removed.exists());
    assert_eq!(
        items(&tasks).len(),
        count(&a.db, "SELECT count(*) FROM tasks") as usize
    );
    // Nothing more to find or send.
    let again = sync_cmd(&a, &[]).output().unwrap();
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("found and recorded"));
    assert_eq!(count(&a.db, "SELECT count(*) FROM changes"), 0);
    simc::assert_mirrors(&a.db, &server.sim);
    simc::assert_mirrors(&b.db, &server.sim);
}

#[test]
fn khard_khal_and_todoman_files_reach_the_server_on_14_1() {
    roundtrip("14.1");
}

#[test]
fn khard_khal_and_todoman_files_reach_the_server_on_16_1() {
    roundtrip("16.1");
}
