//! Mail as Maildir (the format mutt, neomutt, aerc and notmuch read): one maildir per EAS mail
//! folder, nested like the folder tree (mbsync's `SubFolders Verbatim`), each message the whole
//! RFC 5322 text in `cur/` named `easync-<server id>:2,<flags>` — stable, so a re-export finds
//! it again. Flags: `F` flagged, `P` forwarded, `R` answered, `S` read (sorted, as the spec
//! wants). A message is written through `tmp/` and renamed; a flag change is a rename (a
//! message found in `new/` moves to `cur/`); a message gone from the server is removed; files
//! easync did not write are left alone. What easync wrote is recorded in each maildir's state
//! file ([`super::maildir_state`]), which finds the user's changes: **detect them before an
//! export**, which puts the store's flags back.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::maildir_state::{Entry, OnDisk, State, files, message_id, read_message_id};
use super::vdir::{collection_name, file_stem};

/// One message as the export sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub server_id: String,
    pub flags: String,
    /// The whole message, when already known (stored as MIME or fetched).
    pub mime: Option<Vec<u8>>,
}

/// The flags of a message (sorted ASCII, Maildir "2," info).
pub fn flags(read: bool, flagged: bool, last_verb: Option<u8>) -> String {
    let mut f = String::new();
    if flagged {
        f.push('F');
    }
    if last_verb == Some(3) {
        f.push('P');
    }
    if matches!(last_verb, Some(1 | 2)) {
        f.push('R');
    }
    if read {
        f.push('S');
    }
    f
}

/// What a folder's export did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub written: usize,
    pub renamed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// The maildir of a folder: `root/<parent path>/<name>` with `cur`, `new`, `tmp`.
pub fn folder_dir(root: &Path, path: &[String]) -> PathBuf {
    path.iter()
        .fold(root.to_path_buf(), |p, n| p.join(collection_name(n)))
}

/// The message files of a maildir (`cur/`, then `new/`), the first of each stem.
fn existing(dir: &Path) -> io::Result<BTreeMap<String, OnDisk>> {
    let mut out = BTreeMap::new();
    for f in files(dir)? {
        out.entry(f.stem().to_string()).or_insert(f);
    }
    Ok(out)
}

/// Which messages of a folder still need their MIME (not on disk yet, in `cur/` or `new/`).
pub fn missing(dir: &Path, messages: &[Message]) -> io::Result<Vec<String>> {
    let have = existing(dir)?;
    Ok(messages
        .iter()
        .filter(|m| m.mime.is_none() && !have.contains_key(&stem(&m.server_id)))
        .map(|m| m.server_id.clone())
        .collect())
}

fn stem(server_id: &str) -> String {
    file_stem(&format!("easync-{server_id}"))
}

/// Brings a folder's maildir to exactly `messages`, then records them in its state file.
/// Detect local changes first ([`super::maildir_state::local_changes`]): this writes the
/// store's flags over the user's. Files easync did not write are never touched, so a message
/// the user moved here from another folder stays until the caller removes it.
pub fn sync_folder(dir: &Path, messages: &[Message]) -> io::Result<Counts> {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let have = existing(dir)?;
    let before = State::load(dir)?;
    let mut now = State::default();
    let mut c = Counts::default();
    for m in messages {
        let stem = stem(&m.server_id);
        if now.entries.contains_key(&stem) {
            continue; // the same server id twice
        }
        if let (Some(f), Some(e)) = (have.get(&stem), before.entries.get(&stem))
            && super::guard::leave(&f.path)
        {
            // The user changed it during this sync: kept, and found by the next one.
            now.entries.insert(stem, e.clone());
            c.unchanged += 1;
            continue;
        }
        let Some(message_id) = put(dir, &stem, m, have.get(&stem), &before, &mut c)? else {
            continue; // not fetched (reported by the caller)
        };
        let entry = Entry {
            server_id: Some(m.server_id.clone()),
            flags: m.flags.clone(),
            message_id,
        };
        now.entries.insert(stem, entry);
    }
    for gone in before.entries.keys() {
        if let (false, Some(f)) = (now.entries.contains_key(gone), have.get(gone)) {
            std::fs::remove_file(&f.path)?;
            c.removed += 1;
        }
    }
    now.save(dir)?;
    Ok(c)
}

/// Puts one message in `cur/` with its flags: as it is, renamed (flags, or from `new/`), or
/// written through `tmp/`. Its Message-ID, or `None` when it has no file nor MIME.
fn put(
    dir: &Path,
    stem: &str,
    m: &Message,
    have: Option<&OnDisk>,
    before: &State,
    c: &mut Counts,
) -> io::Result<Option<Option<String>>> {
    let want = format!("{stem}:2,{}", m.flags);
    match (have, &m.mime) {
        (Some(f), _) => {
            let id = carried_message_id(stem, f, before); // read before any rename
            if f.sub == "cur" && f.name == want {
                c.unchanged += 1;
            } else {
                std::fs::rename(&f.path, dir.join("cur").join(&want))?;
                c.renamed += 1;
            }
            Ok(Some(id))
        }
        (None, Some(mime)) => {
            let tmp = dir.join("tmp").join(stem);
            std::fs::write(&tmp, mime)?;
            std::fs::rename(&tmp, dir.join("cur").join(&want))?;
            c.written += 1;
            Ok(Some(message_id(mime)))
        }
        (None, None) => Ok(None),
    }
}

/// The Message-ID a kept file had: from the state, or (an old manifest's stem) its header.
fn carried_message_id(stem: &str, f: &OnDisk, before: &State) -> Option<String> {
    match before.entries.get(stem) {
        Some(e) if !e.is_legacy() => e.message_id.clone(),
        _ => read_message_id(&f.path).unwrap_or_else(|e| {
            tracing::warn!("{}: {e}", f.path.display());
            None
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, flags: &str, mime: Option<&str>) -> Message {
        Message {
            server_id: id.into(),
            flags: flags.into(),
            mime: mime.map(|m| m.as_bytes().to_vec()),
        }
    }

    #[test]
    fn flags_follow_the_maildir_spec() {
        assert_eq!(flags(true, true, Some(1)), "FRS");
        assert_eq!(flags(false, false, Some(3)), "P");
        assert_eq!(flags(false, false, None), "");
    }

    #[test]
    fn messages_are_written_renamed_and_removed() {
        let dir = std::env::temp_dir().join(format!("easync-maildir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = sync_folder(
            &dir,
            &[
                msg("inbox:1", "", Some("A")),
                msg("inbox:2", "S", Some("B")),
            ],
        )
        .unwrap();
        assert_eq!((c.written, c.removed), (2, 0));
        std::fs::write(dir.join("cur/foreign:2,S"), "x").unwrap();
        assert_eq!(
            missing(&dir, &[msg("inbox:1", "", None), msg("inbox:3", "", None)]).unwrap(),
            ["inbox:3"]
        );
        let c = sync_folder(&dir, &[msg("inbox:1", "S", None)]).unwrap();
        assert_eq!((c.renamed, c.removed, c.written), (1, 1, 0));
        let ours: Vec<String> = std::fs::read_dir(dir.join("cur"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("easync-"))
            .collect();
        assert_eq!(ours.len(), 1);
        assert!(ours[0].ends_with(":2,S"), "{ours:?}");
        assert!(dir.join("cur/foreign:2,S").exists(), "not easync's");
        assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
    }
}
