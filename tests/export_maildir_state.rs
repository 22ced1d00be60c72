//! What a user does to the exported maildirs, found exactly by `maildir_state::local_changes`:
//! flag changes (mutt, neomutt, aerc rename `:2,` info), `T` (mutt's `maildir_trash`), moves
//! that keep the file name (notmuch/afew, `mv`) and moves that write a new one (mutt's
//! `save-message`: same Message-ID), messages gone, files easync did not write; the old
//! manifest upgrading; and the export writing the store's state back without losing a moved
//! message. Only files in a temporary directory: no server.

use std::path::{Path, PathBuf};

use easync::export::maildir::{Message, folder_dir, missing, sync_folder};
use easync::export::maildir_state::{MailFolder, MaildirChange, local_changes};

struct Fixture {
    root: PathBuf,
    folders: Vec<MailFolder>,
}

fn fixture(test: &str) -> Fixture {
    let root = std::env::temp_dir().join(format!("easync-mstate-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let folder = |id: &str, path: &[&str]| MailFolder {
        server_id: id.into(),
        path: path.iter().map(|s| s.to_string()).collect(),
    };
    Fixture {
        root,
        folders: vec![
            folder("5", &["Inbox"]),
            folder("7", &["Inbox", "Archiv 2026"]),
        ],
    }
}

fn mime(server_id: &str) -> Vec<u8> {
    format!(
        "From: a@example.test\r\nMessage-ID: <{server_id}@example.test>\r\nSubject: {server_id}\r\n\r\nbody\r\n"
    )
    .into_bytes()
}

fn msg(server_id: &str, flags: &str) -> Message {
    Message {
        server_id: server_id.into(),
        flags: flags.into(),
        mime: Some(mime(server_id)),
    }
}

impl Fixture {
    fn dir(&self, i: usize) -> PathBuf {
        folder_dir(&self.root, &self.folders[i].path)
    }

    fn export(&self, i: usize, messages: &[Message]) -> easync::export::maildir::Counts {
        sync_folder(&self.dir(i), messages).unwrap()
    }

    fn changes(&self) -> Vec<MaildirChange> {
        local_changes(&self.root, &self.folders).unwrap()
    }

    /// The one file of folder `i` whose name contains `part`.
    fn file(&self, i: usize, part: &str) -> PathBuf {
        let found: Vec<PathBuf> = names(&self.dir(i))
            .into_iter()
            .filter(|p| p.to_string_lossy().contains(part))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{part} in {}: {found:?}",
            self.dir(i).display()
        );
        found[0].clone()
    }

    /// Renames the file of folder `i` containing `part` to `sub/name`.
    fn rename(&self, i: usize, part: &str, to: &Path) -> PathBuf {
        let from = self.file(i, part);
        std::fs::rename(&from, to).unwrap();
        to.to_path_buf()
    }
}

/// Every message file of a maildir (`cur/` and `new/`).
fn names(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["cur", "new"] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            out.extend(entries.map(|e| e.unwrap().path()));
        }
    }
    out.sort();
    out
}

/// The name of a file with other flags.
fn with_flags(path: &Path, flags: &str) -> PathBuf {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let stem = name.split(":2,").next().unwrap();
    path.with_file_name(format!("{stem}:2,{flags}"))
}

fn flags(folder: &str, id: &str, read: Option<bool>, flagged: Option<bool>) -> MaildirChange {
    MaildirChange::Flags {
        folder: folder.into(),
        server_id: id.into(),
        read,
        flagged,
    }
}

fn delete(folder: &str, id: &str) -> MaildirChange {
    MaildirChange::Delete {
        folder: folder.into(),
        server_id: id.into(),
    }
}

fn moved(id: &str, path: PathBuf) -> MaildirChange {
    MaildirChange::Move {
        folder: "5".into(),
        server_id: id.into(),
        to_folder: "7".into(),
        path,
    }
}

#[test]
fn an_untouched_export_has_no_changes() {
    let f = fixture("untouched");
    f.export(0, &[msg("5:1", ""), msg("5:2", "FS")]);
    f.export(1, &[msg("7:1", "S")]);
    assert_eq!(f.changes(), []);
}

#[test]
fn only_read_and_flagged_changes_are_reported_and_only_what_changed() {
    let f = fixture("flags");
    let ids = ["5:1", "5:2", "5:3", "5:4", "5:5"];
    let was = ["", "S", "F", "FRS", "S"];
    let now = ["S", "", "S", "FS", "Sa"];
    let msgs: Vec<Message> = ids.iter().zip(was).map(|(id, fl)| msg(id, fl)).collect();
    f.export(0, &msgs);
    for (id, fl) in ids.iter().zip(now) {
        let p = f.file(0, &format!("easync-{}-", id.replace(':', "")));
        std::fs::rename(&p, with_flags(&p, fl)).unwrap();
    }
    assert_eq!(
        f.changes(),
        [
            flags("5", "5:1", Some(true), None),
            flags("5", "5:2", Some(false), None),
            flags("5", "5:3", Some(true), Some(false)),
            // 5:4 lost R (not sent), 5:5 gained an unknown letter: nothing to send.
        ]
    );
}

#[test]
fn a_trashed_message_is_a_delete() {
    let f = fixture("trashed");
    f.export(0, &[msg("5:1", "S"), msg("5:2", "")]);
    let p = f.file(0, "easync-51-");
    std::fs::rename(&p, with_flags(&p, "ST")).unwrap();
    assert_eq!(f.changes(), [delete("5", "5:1")]);
}

#[test]
fn a_file_gone_everywhere_or_out_of_the_exported_folders_is_a_delete() {
    let f = fixture("gone");
    f.export(0, &[msg("5:1", ""), msg("5:2", "")]);
    std::fs::remove_file(f.file(0, "easync-51-")).unwrap();
    let elsewhere = f.root.join("not-exported");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let p = f.file(0, "easync-52-");
    std::fs::rename(&p, elsewhere.join(p.file_name().unwrap())).unwrap();
    assert_eq!(f.changes(), [delete("5", "5:1"), delete("5", "5:2")]);
}

#[test]
fn a_rename_into_another_folder_is_a_move_and_its_new_flags_come_first() {
    let f = fixture("rename-move");
    f.export(0, &[msg("5:1", "S"), msg("5:2", "")]);
    f.export(1, &[]);
    let p = f.file(0, "easync-51-");
    let name = p.file_name().unwrap();
    let to = with_flags(&f.dir(1).join("cur").join(name), "FS");
    f.rename(0, "easync-51-", &to);
    assert_eq!(
        f.changes(),
        [flags("5", "5:1", None, Some(true)), moved("5:1", to)]
    );
}

#[test]
fn mutt_save_message_is_a_move_found_by_message_id() {
    let f = fixture("mutt-move");
    f.export(0, &[msg("5:1", "S"), msg("5:2", "S")]);
    f.export(1, &[msg("7:1", "")]);
    // mutt writes a name of its own in the destination and unlinks the source...
    let copy = f.dir(1).join("cur/1767225600.12345_1.host:2,S");
    std::fs::copy(f.file(0, "easync-51-"), &copy).unwrap();
    std::fs::remove_file(f.file(0, "easync-51-")).unwrap();
    // ...or, with maildir_trash, marks the source trashed.
    let copy2 = f.dir(1).join("new/1767225601.12346_1.host");
    std::fs::copy(f.file(0, "easync-52-"), &copy2).unwrap();
    let p = f.file(0, "easync-52-");
    std::fs::rename(&p, with_flags(&p, "ST")).unwrap();
    assert_eq!(
        f.changes(),
        [
            moved("5:1", copy),
            // in new/ without info: unread now.
            flags("5", "5:2", Some(false), None),
            moved("5:2", copy2),
        ]
    );
}

#[test]
fn a_copy_and_a_delivered_file_are_foreign_and_a_file_renamed_in_place_is_no_delete() {
    let f = fixture("foreign");
    f.export(0, &[msg("5:1", ""), msg("5:2", "")]);
    f.export(1, &[]);
    // A copy with the same name (the original stays), a message another program delivered.
    let copy = f
        .dir(1)
        .join("cur")
        .join(f.file(0, "easync-51-").file_name().unwrap());
    std::fs::copy(f.file(0, "easync-51-"), &copy).unwrap();
    let delivered = f.dir(0).join("new/1767225600.M1P2.host");
    std::fs::write(&delivered, mime("elsewhere")).unwrap();
    // A program that renamed 5:2 in its own folder (same Message-ID, new name).
    let renamed = f.dir(0).join("cur/1767225602.P3.host:2,S");
    f.rename(0, "easync-52-", &renamed);
    let changes = f.changes();
    assert_eq!(
        changes,
        [
            flags("5", "5:2", Some(true), None),
            MaildirChange::Foreign {
                folder: "5".into(),
                path: delivered
            },
            MaildirChange::Foreign {
                folder: "7".into(),
                path: copy
            },
        ]
    );
}

#[test]
fn a_message_moved_to_new_is_found_there_not_deleted() {
    let f = fixture("new-dir");
    f.export(0, &[msg("5:1", "S")]);
    let p = f.file(0, "easync-51-");
    let stem = p.file_name().unwrap().to_string_lossy().replace(":2,S", "");
    f.rename(0, "easync-51-", &f.dir(0).join("new").join(&stem));
    assert_eq!(f.changes(), [flags("5", "5:1", Some(false), None)]);
    // The export finds it in new/ (nothing to fetch) and puts it back in cur/.
    let none = Message {
        mime: None,
        ..msg("5:1", "S")
    };
    assert_eq!(
        missing(&f.dir(0), std::slice::from_ref(&none)).unwrap(),
        Vec::<String>::new()
    );
    let c = f.export(0, &[none]);
    assert_eq!((c.renamed, c.written, c.removed), (1, 0, 0));
    assert_eq!(
        names(&f.dir(0)),
        [f.dir(0).join("cur").join(format!("{stem}:2,S"))]
    );
    assert_eq!(f.changes(), []);
}

#[test]
fn detection_touches_no_file() {
    let f = fixture("read-only");
    f.export(0, &[msg("5:1", ""), msg("5:2", "")]);
    f.export(1, &[]);
    let p = f.file(0, "easync-51-");
    std::fs::rename(&p, with_flags(&p, "T")).unwrap();
    std::fs::rename(f.file(0, "easync-52-"), f.dir(1).join("cur/x:2,S")).unwrap();
    let snapshot = |f: &Fixture| {
        let mut all: Vec<(PathBuf, std::time::SystemTime)> = Vec::new();
        for i in 0..2 {
            for p in names(&f.dir(i)) {
                let m = std::fs::metadata(&p).unwrap().modified().unwrap();
                all.push((p, m));
            }
            let state = f.dir(i).join(".easync-items");
            all.push((
                state.clone(),
                std::fs::metadata(&state).unwrap().modified().unwrap(),
            ));
        }
        all
    };
    let before = snapshot(&f);
    assert_eq!(f.changes().len(), 3, "a delete, a move and its flags");
    assert_eq!(snapshot(&f), before);
}

#[test]
fn an_unreadable_file_is_skipped_and_an_unlistable_maildir_is_an_error() {
    let f = fixture("unreadable");
    f.export(0, &[msg("5:1", "")]);
    f.export(1, &[]);
    let copy = f.dir(1).join("cur/1767225600.good:2,");
    std::fs::copy(f.file(0, "easync-51-"), &copy).unwrap();
    std::fs::remove_file(f.file(0, "easync-51-")).unwrap();
    // A dangling link sorts first: reading it fails, the scan goes on.
    let broken = f.dir(1).join("cur/0-broken");
    std::os::unix::fs::symlink(f.root.join("nowhere"), &broken).unwrap();
    assert_eq!(
        f.changes(),
        [
            moved("5:1", copy),
            MaildirChange::Foreign {
                folder: "7".into(),
                path: broken
            },
        ]
    );
    std::fs::remove_dir_all(f.dir(1).join("cur")).unwrap();
    std::fs::write(f.dir(1).join("cur"), "not a directory").unwrap();
    assert!(
        local_changes(&f.root, &f.folders).is_err(),
        "never all deleted"
    );
}

#[test]
fn the_message_id_is_carried_over_a_rename_and_read_from_an_upgraded_manifest() {
    let f = fixture("carry");
    f.export(0, &[msg("5:1", ""), msg("5:2", "")]);
    f.export(1, &[]);
    // A flag change without the MIME at hand (stored as text, already on disk): a rename.
    let no_mime = |id: &str, fl: &str| Message {
        mime: None,
        ..msg(id, fl)
    };
    let c = f.export(0, &[no_mime("5:1", "S"), no_mime("5:2", "")]);
    assert_eq!((c.renamed, c.unchanged), (1, 1));
    let state = f.dir(0).join(".easync-items");
    let ours = std::fs::read_to_string(&state).unwrap();
    let line_51 = ours
        .lines()
        .find(|l| l.contains("5:1"))
        .unwrap()
        .to_string();
    assert!(line_51.contains("\t5:1@example.test"), "carried: {ours}");
    // The manifest of easync before state files: one stem a line.
    let stems: String = names(&f.dir(0))
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            format!("{}\n", name.split(":2,").next().unwrap())
        })
        .collect();
    std::fs::write(&state, stems).unwrap();
    // An old stem is easync's (not foreign) but not reported before the export upgrades it.
    let p = f.file(0, "easync-52-");
    std::fs::rename(&p, with_flags(&p, "S")).unwrap();
    assert_eq!(f.changes(), []);
    f.export(0, &[no_mime("5:1", "S"), no_mime("5:2", "")]);
    let upgraded = std::fs::read_to_string(&state).unwrap();
    assert!(
        upgraded.starts_with("# easync maildir state 1\n"),
        "{upgraded}"
    );
    assert!(upgraded.contains(&line_51), "{upgraded}");
    // Both Message-IDs are known: mutt-style moves of both are found.
    let (c1, c2) = (f.dir(1).join("cur/m1:2,S"), f.dir(1).join("cur/m2:2,"));
    f.rename(0, "easync-51-", &c1);
    f.rename(0, "easync-52-", &c2);
    assert_eq!(f.changes(), [moved("5:1", c1), moved("5:2", c2)]);
}

#[test]
fn the_export_writes_the_store_back_without_losing_a_moved_message() {
    let f = fixture("export-after");
    f.export(0, &[msg("5:1", "S"), msg("5:2", ""), msg("5:3", "")]);
    f.export(1, &[msg("7:1", "")]);
    // The user unreads 5:1, moves 5:2 keeping its name, mutt-moves 5:3.
    let p = f.file(0, "easync-51-");
    std::fs::rename(&p, with_flags(&p, "")).unwrap();
    let kept = f
        .dir(1)
        .join("cur")
        .join(f.file(0, "easync-52-").file_name().unwrap());
    f.rename(0, "easync-52-", &kept);
    let mutt = f.dir(1).join("cur/1767225600.1_1.host:2,");
    f.rename(0, "easync-53-", &mutt);
    assert_eq!(f.changes().len(), 3);
    // The caller journaled them; the server flagged 5:1 meanwhile and has not moved yet.
    let c = f.export(0, &[msg("5:1", "FS"), msg("5:2", ""), msg("5:3", "")]);
    assert_eq!((c.renamed, c.written, c.removed), (1, 2, 0));
    assert!(f.file(0, "easync-51-").to_string_lossy().ends_with(":2,FS"));
    // The server moved them: gone from Inbox, new ids in the archive.
    let c = f.export(0, &[msg("5:1", "FS")]);
    assert_eq!(c.removed, 2);
    f.export(1, &[msg("7:1", ""), msg("7:2", ""), msg("7:3", "")]);
    assert!(kept.exists() && mutt.exists(), "the user's files stay");
    assert_eq!(names(&f.dir(1)).len(), 5);
    assert_eq!(
        f.changes(),
        [
            MaildirChange::Foreign {
                folder: "7".into(),
                path: mutt
            },
            MaildirChange::Foreign {
                folder: "7".into(),
                path: kept
            },
        ]
    );
}
