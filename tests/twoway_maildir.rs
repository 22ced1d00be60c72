//! Two-way through the Maildir, like mbsync: with a configured `what = "mail"` export, what a
//! user does to the maildirs (mutt, notmuch, mv, rm) — a flag in a file name, a message moved
//! to another maildir (renamed, or copied under a new name as mutt's save-message does),
//! deleted, or marked T — is found by the next `easync sync`, sent, and shows on the server;
//! the maildirs then hold each message once.

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::path::{Path, PathBuf};

use simc::{Client, assert_mirrors, client, q, small, start, sync_cmd, sync_ok};

fn setup(name: &str, url: &str) -> (Client, PathBuf) {
    let dir = std::env::temp_dir().join(format!("easync-maildir2-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let extra = format!(
        "[[account.a.export]]\nwhat = \"mail\"\nmaildir = \"{}\"\nfolders = [\"Inbox\", \"Deleted Items\", \"Archive\"]\n",
        dir.display()
    );
    (client(name, url, "16.1", &extra), dir)
}

/// (file name, path) of the messages in a maildir's cur/ and new/.
fn files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for sub in ["cur", "new"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            out.push((e.file_name().to_string_lossy().into_owned(), e.path()));
        }
    }
    out.sort();
    out
}

fn subject_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn with_subject(dir: &Path, subject: &str) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|(_, p)| subject_of(p) == subject)
        .map(|(_, p)| p)
        .collect()
}

fn rename_flags(path: &Path, flags: &str) -> PathBuf {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let stem = name.split(":2,").next().unwrap();
    let to = path.with_file_name(format!("{stem}:2,{flags}"));
    std::fs::rename(path, &to).unwrap();
    to
}

fn mail_field(db: &Path, folder: &str, subject: &str, column: &str) -> Option<i64> {
    q(
        db,
        &format!(
            "SELECT e.{column} FROM items i JOIN emails e ON e.item_id = i.id JOIN folders f \
             ON f.id = i.folder_id WHERE f.name = '{folder}' AND e.subject = '{}'",
            subject.replace('\'', "''")
        ),
    )
}

fn count_in(db: &Path, folder: &str, subject: &str) -> i64 {
    q(
        db,
        &format!(
            "SELECT count(*) FROM items i JOIN emails e ON e.item_id = i.id JOIN folders f \
             ON f.id = i.folder_id WHERE f.name = '{folder}' AND e.subject = '{}' AND i.soft_deleted = 0",
            subject.replace('\'', "''")
        ),
    )
}

#[test]
fn what_mutt_and_mv_do_to_the_maildir_reaches_the_server() {
    let mut config = small();
    config.extra_folders = 1;
    let server = start(config);
    let (a, root) = setup("a", &server.url());
    sync_ok(&a);
    let inbox = root.join("Inbox");
    let mut msgs = files(&inbox);
    assert!(msgs.len() > 20, "the Inbox was exported: {}", msgs.len());
    // Unread and unflagged ones, with a plain ASCII subject (no RFC 2047 to decode here).
    msgs.retain(|(n, p)| {
        n.ends_with(":2,") && subject_of(p).is_ascii() && !subject_of(p).contains("=?")
    });
    assert!(msgs.len() >= 6, "{} messages to change", msgs.len());
    let pick = |k: usize| msgs[k].1.clone();
    let subjects: Vec<String> = (0..6).map(|k| subject_of(&pick(k))).collect();
    // 0: read (S); 1: flagged (F); 2: mv to Archive (same name); 3: mutt-style move (new
    // name, source removed); 4: rm; 5: marked T (trashed).
    rename_flags(&pick(0), "S");
    rename_flags(&pick(1), "F");
    let archive = root.join("Archive");
    std::fs::rename(
        pick(2),
        archive.join("cur").join(pick(2).file_name().unwrap()),
    )
    .unwrap();
    std::fs::copy(
        pick(3),
        archive.join("cur").join("1733000000.M1P1.host:2,S"),
    )
    .unwrap();
    std::fs::remove_file(pick(3)).unwrap();
    std::fs::remove_file(pick(4)).unwrap();
    rename_flags(&pick(5), "T");

    let out = sync_cmd(&a, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM changes"),
        0,
        "every change sent"
    );

    let b = client("maildir2-b", &server.url(), "16.1", "");
    sync_ok(&b);
    let s = &subjects;
    assert_eq!(mail_field(&b.db, "Inbox", &s[0], "read"), Some(1));
    assert_eq!(mail_field(&b.db, "Inbox", &s[1], "flag_status"), Some(2));
    for k in [2, 3] {
        assert_eq!(
            count_in(&b.db, "Inbox", &s[k]),
            0,
            "{} left the Inbox",
            s[k]
        );
        assert_eq!(
            count_in(&b.db, "Archive", &s[k]),
            1,
            "{} is in Archive",
            s[k]
        );
    }
    for k in [4, 5] {
        assert_eq!(count_in(&b.db, "Inbox", &s[k]), 0);
        assert_eq!(
            count_in(&b.db, "Deleted Items", &s[k]),
            1,
            "{} went to Deleted Items",
            s[k]
        );
    }
    // The maildirs now hold each message once, where the server has it.
    assert_eq!(with_subject(&inbox, &s[0]).len(), 1);
    for k in [2, 3] {
        assert!(with_subject(&inbox, &s[k]).is_empty());
        assert_eq!(
            with_subject(&archive, &s[k]).len(),
            1,
            "{} once in Archive: {:?} {s:?}",
            s[k],
            files(&archive)
        );
    }
    for k in [4, 5] {
        assert!(with_subject(&inbox, &s[k]).is_empty());
        assert_eq!(with_subject(&root.join("Deleted Items"), &s[k]).len(), 1);
    }
    // Nothing more to find or send.
    let again = sync_cmd(&a, &[]).output().unwrap();
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("change(s) found"));
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM changes"), 0);
    assert_mirrors(&a.db, &server.sim);
}
