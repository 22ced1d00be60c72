//! Regression tests of two-way sync, each named after the bug it pins (found by a review of
//! the first version): the user's own deletes and the mass-deletion guard, a change to a mail
//! already leaving, a new file edited before it was sent, a vdir without its state file, a
//! manual export over a two-way vdir, one unreadable file.

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::path::{Path, PathBuf};

use easync::sim::SimConfig;
use easync::sim::faults::{Fault, Scope};
use simc::{Client, client, easync, printed as text, q, small, start, sync_cmd, sync_ok};

fn in_folder(db: &Path, folder: &str) -> i64 {
    q(
        db,
        &format!(
            "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id \
             WHERE f.name = '{folder}' AND i.soft_deleted = 0"
        ),
    )
}

#[test]
fn emptying_a_folder_tripped_the_mass_deletion_guard_for_good() {
    let server = start(SimConfig {
        emails: 600,
        ..small()
    });
    let a = client("rg-guard", &server.url(), "16.1", "");
    sync_ok(&a);
    let folder = "Q4 Übergabe";
    let before = in_folder(&a.db, folder);
    assert!(before > 10, "above the guard's floor: {before}");
    let out = easync(&a, &["mail", "delete", "--in", folder]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(in_folder(&a.db, folder), 0);
    sync_ok(&a);
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM changes"), 0);
    simc::assert_mirrors(&a.db, &server.sim);
}

#[test]
fn a_second_change_to_a_mail_being_moved_was_lost() {
    let server = start(small());
    let a = client("rg-leaving", &server.url(), "16.1", "");
    sync_ok(&a);
    let id: i64 = q(
        &a.db,
        "SELECT i.id FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.type = 2 LIMIT 1",
    );
    let id = id.to_string();
    let ok = easync(&a, &["mail", "move", "--no-sync", "--to", "Drafts", &id]);
    assert!(ok.status.success(), "{}", text(&ok));
    for again in [
        vec!["mail", "move", "--no-sync", "--to", "Sent Items", &id],
        vec!["mail", "delete", "--no-sync", &id],
    ] {
        let out = easync(&a, &again);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("being moved or deleted already"),
            "{}",
            text(&out)
        );
    }
    let contact: i64 = q(
        &a.db,
        "SELECT id FROM items WHERE class = 'Contacts' LIMIT 1",
    );
    let out = easync(&a, &["mail", "delete", &contact.to_string()]);
    assert!(text(&out).contains("is not a mail"), "{}", text(&out));
    sync_ok(&a);
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM changes"), 0);
    simc::assert_mirrors(&a.db, &server.sim);
}

fn vdir_client(name: &str, url: &str) -> (Client, PathBuf) {
    let root = std::env::temp_dir().join(format!("easync-rg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let extra = format!(
        "[[account.a.export]]\nwhat = \"contacts\"\nvdir = \"{}\"\nfolders = [\"Contacts\"]\n",
        root.display()
    );
    let c = client(name, url, "16.1", &extra);
    sync_ok(&c);
    (c, root.join("Contacts"))
}

fn card(name: &str, title: &str) -> String {
    format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{name}\r\nFN:{name} Person\r\nN:Person;{name};;;\r\n\
         TITLE:{title}\r\nEND:VCARD\r\n"
    )
}

#[test]
fn a_new_contact_edited_before_it_was_sent_was_added_twice() {
    let server = start(small());
    let (a, dir) = vdir_client("rg-dup", &server.url());
    std::fs::write(dir.join("dup-1.vcf"), card("Dup", "First")).unwrap();
    // The server cannot be reached: the Add is recorded and waits.
    server.sim.faults.arm(
        Fault::Http503 { retry_after: 1 },
        Scope {
            command: Some("FolderSync".into()),
            after: 0,
            times: Some(10),
        },
    );
    let out = sync_cmd(&a, &[]).output().unwrap();
    assert!(!out.status.success());
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM changes WHERE kind = 'add'"),
        1
    );
    server.sim.faults.clear();
    std::thread::sleep(std::time::Duration::from_millis(1100)); // the stated Retry-After
    std::fs::write(dir.join("dup-1.vcf"), card("Dup", "Second")).unwrap();
    let out = sync_cmd(&a, &[]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let b = client("rg-dup-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM contacts WHERE first_name = 'Dup'"
        ),
        1,
        "one contact"
    );
    assert_eq!(
        q::<String>(
            &b.db,
            "SELECT job_title FROM contacts WHERE first_name = 'Dup'"
        ),
        "Second",
        "with the latest text"
    );
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            std::fs::read_to_string(e.as_ref().unwrap().path())
                .is_ok_and(|t| t.contains("Dup Person"))
        })
        .count();
    assert_eq!(files, 1, "one file");
}

#[test]
fn a_vdir_without_its_state_file_added_every_contact_again() {
    let server = start(small());
    let (a, dir) = vdir_client("rg-state", &server.url());
    let held: i64 = q(&a.db, "SELECT count(*) FROM contacts");
    std::fs::remove_file(dir.join(".easync-items")).unwrap();
    let out = sync_cmd(&a, &[]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM changes"),
        0,
        "nothing sent"
    );
    let b = client("rg-state-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(
        q::<i64>(&b.db, "SELECT count(*) FROM contacts"),
        held,
        "no duplicates"
    );
    assert!(
        dir.join(".easync-items").exists(),
        "written again by the export"
    );
}

#[test]
fn export_contacts_overwrote_an_edited_vcard() {
    let server = start(small());
    let (a, dir) = vdir_client("rg-export", &server.url());
    let root = dir.parent().unwrap().to_path_buf();
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "vcf"))
        .unwrap();
    let edited: String = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with("TITLE") {
                "TITLE:Edited in khard\r\n".to_string()
            } else {
                format!("{l}\r\n")
            }
        })
        .collect();
    assert!(edited.contains("Edited in khard"));
    std::fs::write(&file, &edited).unwrap();
    let out = easync(
        &a,
        &["export", "contacts", "--vdir", &root.display().to_string()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM changes WHERE kind = 'change'"),
        1,
        "recorded before the export wrote the files: {}",
        text(&out)
    );
    sync_ok(&a);
    let b = client("rg-export-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM contacts WHERE job_title = 'Edited in khard'"
        ),
        1
    );
}

#[test]
fn one_latin1_vcard_stopped_every_other_change() {
    let server = start(small());
    let (a, dir) = vdir_client("rg-latin1", &server.url());
    let mut latin1 = card("Latin", "x").into_bytes();
    latin1.extend_from_slice(b"NOTE:M\xfcller\r\n"); // not UTF-8
    std::fs::write(dir.join("latin1.vcf"), &latin1).unwrap();
    std::fs::write(dir.join("good.vcf"), card("Good", "Fine")).unwrap();
    let out = sync_cmd(&a, &[]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("latin1.vcf") && said.contains("UTF-8"),
        "{said}"
    );
    let b = client("rg-latin1-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM contacts WHERE first_name = 'Good'"
        ),
        1
    );
    assert_eq!(
        std::fs::read(dir.join("latin1.vcf")).unwrap(),
        latin1,
        "left as it is"
    );
}
