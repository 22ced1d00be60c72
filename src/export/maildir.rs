//! Mail as Maildir (the format mutt, neomutt, aerc and notmuch read): one maildir per EAS mail
//! folder, nested like the folder tree (mbsync's `SubFolders Verbatim`), each message the whole
//! RFC 5322 text in `cur/` named `easync-<server id>:2,<flags>` — stable, so a re-export finds
//! it again. Flags: `F` flagged, `P` forwarded, `R` answered, `S` read (sorted, as the spec
//! wants). A message is written through `tmp/` and renamed; a flag change is a rename; a
//! message gone from the server is removed; files easync did not write are left alone.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

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

const MANIFEST: &str = ".easync-items";

/// The maildir of a folder: `root/<parent path>/<name>` with `cur`, `new`, `tmp`.
pub fn folder_dir(root: &Path, path: &[String]) -> PathBuf {
    path.iter()
        .fold(root.to_path_buf(), |p, n| p.join(collection_name(n)))
}

/// The existing files of a maildir's `cur`, by stem (the part before `:2,`).
fn existing(dir: &Path) -> io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir.join("cur")) else {
        return Ok(out);
    };
    for e in entries {
        let name = e?.file_name().to_string_lossy().into_owned();
        let stem = name.split(":2,").next().unwrap_or(&name).to_string();
        out.insert(stem, name);
    }
    Ok(out)
}

/// Which messages of a folder still need their MIME (not on disk yet).
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

/// Brings a folder's maildir to exactly `messages`.
pub fn sync_folder(dir: &Path, messages: &[Message]) -> io::Result<Counts> {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let have = existing(dir)?;
    let before: BTreeSet<String> = std::fs::read_to_string(dir.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    let mut now = BTreeSet::new();
    let mut c = Counts::default();
    for m in messages {
        let stem = stem(&m.server_id);
        let want = format!("{stem}:2,{}", m.flags);
        match (have.get(&stem), &m.mime) {
            (Some(name), _) if *name == want => c.unchanged += 1,
            (Some(name), _) => {
                std::fs::rename(dir.join("cur").join(name), dir.join("cur").join(&want))?;
                c.renamed += 1;
            }
            (None, Some(mime)) => {
                let tmp = dir.join("tmp").join(&stem);
                std::fs::write(&tmp, mime)?;
                std::fs::rename(&tmp, dir.join("cur").join(&want))?;
                c.written += 1;
            }
            (None, None) => continue, // not fetched (reported by the caller)
        }
        now.insert(stem);
    }
    for gone in before.difference(&now) {
        if let Some(name) = have.get(gone) {
            std::fs::remove_file(dir.join("cur").join(name))?;
            c.removed += 1;
        }
    }
    let list: String = now.iter().map(|n| format!("{n}\n")).collect();
    super::vdir::write_if_changed(&dir.join(MANIFEST), list.as_bytes())?;
    Ok(c)
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
