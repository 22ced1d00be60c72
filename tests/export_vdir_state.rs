//! What a user does to an exported vdir collection, found exactly by
//! `vdir_state::local_changes`: a vCard edited (khard), a file removed, an event created by
//! khal (`<uuid>.ics`, its own UID); `adopt` after the server accepted an Add, and the next
//! export writing that item into the adopted file instead of a second one; the old manifest
//! upgrading; a crash between the export's two state writes reported as nothing. Only files in
//! a temporary directory: no server.

use std::path::{Path, PathBuf};

use easync::export::vdir::{Item, sync_collection};
use easync::export::vdir_state::{VdirChange, adopt, local_changes};

fn collection(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("easync-vstate-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn item(server_id: &str, uid: &str, content: &str) -> Item {
    Item {
        server_id: server_id.into(),
        uid: uid.into(),
        content: content.into(),
    }
}

fn card(name: &str) -> String {
    format!("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{name}\r\nFN:{name}\r\nEND:VCARD\r\n")
}

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary}\r\n\
         DTSTART:20260105T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn export(dir: &Path, ext: &str, items: &[Item]) -> easync::export::vdir::Counts {
    sync_collection(dir, "Kontakte", ext, items).unwrap()
}

/// The item files of a collection, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".vcf") || n.ends_with(".ics"))
        .collect();
    out.sort();
    out
}

#[test]
fn an_edit_a_removal_and_a_new_card_are_found_and_nothing_else() {
    let dir = collection("contacts");
    let items = [
        item("2:1", "anna", &card("Anna")),
        item("2:2", "bert", &card("Bert")),
        item("2:3", "cleo", &card("Cleo")),
    ];
    export(&dir, "vcf", &items);
    assert_eq!(local_changes(&dir).unwrap(), []);
    std::fs::write(dir.join("anna.vcf"), card("Anna Berg")).unwrap();
    std::fs::remove_file(dir.join("bert.vcf")).unwrap();
    let khard = dir.join("6b1f0c1e-9d3a-4c55-8a41-2f1d0e7c9b10.vcf");
    std::fs::write(&khard, card("Dora")).unwrap();
    // Not items: the collection's metadata, dotfiles, other extensions.
    std::fs::write(dir.join("color"), "#ff0000").unwrap();
    std::fs::write(dir.join(".anna.vcf.swp"), "vim").unwrap();
    std::fs::write(dir.join("notes.txt"), "x").unwrap();
    assert_eq!(
        local_changes(&dir).unwrap(),
        [
            VdirChange::Changed {
                server_id: "2:1".into(),
                path: dir.join("anna.vcf")
            },
            VdirChange::Deleted {
                server_id: "2:2".into()
            },
            VdirChange::Added { path: khard },
        ]
    );
    // Undetected edits are written over by the export (the caller detects first).
    let c = export(&dir, "vcf", &items);
    assert_eq!((c.written, c.unchanged, c.removed), (2, 1, 0));
    assert_eq!(
        std::fs::read_to_string(dir.join("anna.vcf")).unwrap(),
        card("Anna")
    );
}

#[test]
fn a_khal_event_adopted_after_its_add_is_not_written_twice() {
    let dir = collection("khal");
    export(
        &dir,
        "ics",
        &[item("3:1", "AAA111", &event("AAA111", "Standup"))],
    );
    let name = "0f8c2d9e-1b7a-4e3f-9c6d-5a4b3c2d1e0f.ics";
    let mine = event("khal-uid-0f8c2d9e@host", "Zahnarzt");
    std::fs::write(dir.join(name), &mine).unwrap();
    let changes = local_changes(&dir).unwrap();
    assert_eq!(
        changes,
        [VdirChange::Added {
            path: dir.join(name)
        }]
    );
    // The server accepted the Add as 3:9.
    adopt(&dir, name, "3:9").unwrap();
    assert_eq!(local_changes(&dir).unwrap(), []);
    // Its next export: the server's text (its UID is not the file name), into the same file.
    let theirs = event("khal-uid-0f8c2d9e@host", "Zahnarzt (Exchange)");
    let items = [
        item("3:1", "AAA111", &event("AAA111", "Standup")),
        item("3:9", "khal-uid-0f8c2d9e@host", &theirs),
    ];
    let c = export(&dir, "ics", &items);
    assert_eq!((c.written, c.unchanged), (1, 1));
    assert_eq!(files(&dir), [name, "AAA111.ics"]);
    assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), theirs);
    assert_eq!(local_changes(&dir).unwrap(), []);
    // And it stays there.
    let c = export(&dir, "ics", &items);
    assert_eq!((c.written, c.unchanged), (0, 2));
    assert_eq!(files(&dir), [name, "AAA111.ics"]);
}

#[test]
fn adopting_after_an_export_already_wrote_the_item_keeps_one_file() {
    let dir = collection("adopt-late");
    let name = "d3c4b5a6.vcf";
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), card("Emil")).unwrap();
    // A sync brought the added card back before the caller adopted it: written under its UID.
    export(&dir, "vcf", &[item("2:7", "easync-2-7", &card("Emil"))]);
    assert_eq!(files(&dir), ["d3c4b5a6.vcf", "easync-2-7.vcf"]);
    adopt(&dir, name, "2:7").unwrap();
    assert_eq!(files(&dir), [name], "easync's own copy goes");
    let c = export(&dir, "vcf", &[item("2:7", "easync-2-7", &card("Emil"))]);
    assert_eq!((c.written, c.unchanged), (0, 1));
    assert_eq!(files(&dir), [name]);
    assert_eq!(local_changes(&dir).unwrap(), []);
}

#[test]
fn adopt_takes_only_a_file_name_of_the_collection() {
    let dir = collection("adopt-names");
    export(&dir, "vcf", &[]);
    for bad in ["../x.vcf", ".easync-items", "", "a/b.vcf"] {
        let e = adopt(&dir, bad, "2:1").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{bad:?}");
    }
    assert!(adopt(&dir, "absent.vcf", "2:1").is_err());
}

#[test]
fn a_file_of_the_users_named_like_an_item_is_never_overwritten() {
    let dir = collection("name-taken");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fritz.vcf"), card("Fritz (mine)")).unwrap();
    export(&dir, "vcf", &[item("2:4", "fritz", &card("Fritz"))]);
    assert_eq!(
        std::fs::read_to_string(dir.join("fritz.vcf")).unwrap(),
        card("Fritz (mine)")
    );
    let all = files(&dir);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(
        local_changes(&dir).unwrap(),
        [VdirChange::Added {
            path: dir.join("fritz.vcf")
        }]
    );
}

#[test]
fn the_old_manifest_upgrades_and_is_reported_only_after() {
    let dir = collection("upgrade");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gert.vcf"), card("Gert")).unwrap();
    std::fs::write(dir.join(".easync-items"), "gert.vcf\n").unwrap();
    std::fs::write(dir.join("gert.vcf"), card("Gert edited before the upgrade")).unwrap();
    assert_eq!(local_changes(&dir).unwrap(), [], "easync's, not known yet");
    let c = export(&dir, "vcf", &[item("2:5", "gert", &card("Gert"))]);
    assert_eq!((c.written, c.removed), (1, 0));
    let state = std::fs::read_to_string(dir.join(".easync-items")).unwrap();
    assert!(
        state.starts_with("# easync vdir state 1\ngert.vcf\t2:5\t"),
        "{state}"
    );
    std::fs::write(dir.join("gert.vcf"), card("Gert edited")).unwrap();
    assert_eq!(
        local_changes(&dir).unwrap(),
        [VdirChange::Changed {
            server_id: "2:5".into(),
            path: dir.join("gert.vcf")
        }]
    );
}

#[test]
fn a_crash_between_the_two_state_writes_is_not_a_change() {
    // The state an export saves before touching files (docs/exports.md): `hilde.vcf` was being
    // rewritten (old and new hash), `ida.vcf` written for the first time, `jan.vcf` removed.
    let dir = collection("journal");
    std::fs::create_dir_all(&dir).unwrap();
    let hash = |s: &str| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in s.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        format!("{h:016x}")
    };
    let state = format!(
        "# easync vdir state 1\nhilde.vcf\t2:1\t{},{}\t\nida.vcf\t2:2\t{}\tpending\n\
         jan.vcf\t2:3\t{}\tpending\n",
        hash(&card("Hilde")),
        hash(&card("Hilde 2")),
        hash(&card("Ida")),
        hash(&card("Jan")),
    );
    std::fs::write(dir.join(".easync-items"), state).unwrap();
    std::fs::write(dir.join("hilde.vcf"), card("Hilde 2")).unwrap();
    // ida.vcf not written yet, jan.vcf already removed: neither is the user's doing.
    assert_eq!(local_changes(&dir).unwrap(), []);
    std::fs::write(dir.join("hilde.vcf"), card("Hilde")).unwrap();
    std::fs::write(dir.join("ida.vcf"), card("Ida")).unwrap();
    assert_eq!(local_changes(&dir).unwrap(), []);
    // A user's edit is still one.
    std::fs::write(dir.join("hilde.vcf"), card("Hilde 3")).unwrap();
    assert_eq!(
        local_changes(&dir).unwrap(),
        [VdirChange::Changed {
            server_id: "2:1".into(),
            path: dir.join("hilde.vcf")
        }]
    );
    // The next export settles it: one hash each, nothing pending.
    export(
        &dir,
        "vcf",
        &[
            item("2:1", "hilde", &card("Hilde 2")),
            item("2:2", "ida", &card("Ida")),
        ],
    );
    let settled = std::fs::read_to_string(dir.join(".easync-items")).unwrap();
    assert!(
        !settled.contains("pending") && !settled.contains(','),
        "{settled}"
    );
    assert_eq!(files(&dir), ["hilde.vcf", "ida.vcf"]);
}

#[test]
fn an_edit_made_while_the_add_was_on_its_way_was_taken_as_synced() {
    let dir = collection("adopt-as");
    export(&dir, "vcf", &[]);
    let sent = card("Sent Name");
    std::fs::write(dir.join("new.vcf"), card("Edited Meanwhile")).unwrap();
    easync::export::vdir_state::adopt_as(&dir, "new.vcf", "contacts:9", sent.as_bytes()).unwrap();
    assert_eq!(
        local_changes(&dir).unwrap(),
        [VdirChange::Changed {
            server_id: "contacts:9".into(),
            path: dir.join("new.vcf"),
        }],
        "the file differs from what was sent: a change to send"
    );
    std::fs::write(dir.join("new.vcf"), &sent).unwrap();
    assert!(local_changes(&dir).unwrap().is_empty());
}
