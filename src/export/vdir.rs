//! A vdir collection (vdirsyncer's storage format, read by khal, khard, todoman): one
//! directory per folder with a `displayname` file, one item per file named from its UID. Writes
//! are atomic (a `.tmp` file in the same directory, then a rename); an item whose content did
//! not change is not touched (its mtime stays, so consumers re-read nothing); files easync
//! wrote before and no longer exports are removed; anything else in the directory is left
//! alone. Which files are easync's is kept in `.easync-items` (readers ignore dotfiles).

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// What an export did to a collection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

const MANIFEST: &str = ".easync-items";

/// A file name for a UID: the UID itself when it is short and made of safe characters, else a
/// readable prefix and a hash (stable across runs and machines).
pub fn file_stem(uid: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@');
    if !uid.is_empty() && uid.len() <= 80 && uid.chars().all(safe) && !uid.starts_with('.') {
        return uid.to_string();
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325; // FNV-1a
    for b in uid.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    let prefix: String = uid
        .chars()
        .filter(|&c| safe(c) && c != '.')
        .take(40)
        .collect();
    format!("{prefix}-{h:016x}")
}

/// Writes `path` atomically unless it already holds `content`; true when written.
pub fn write_if_changed(path: &Path, content: &[u8]) -> io::Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path)?;
    Ok(true)
}

/// Brings the collection at `dir` to exactly `items` (UID, content), with extension `ext`.
pub fn sync_collection(
    dir: &Path,
    displayname: &str,
    ext: &str,
    items: &[(String, String)],
) -> io::Result<Counts> {
    std::fs::create_dir_all(dir)?;
    write_if_changed(&dir.join("displayname"), displayname.as_bytes())?;
    let manifest = dir.join(MANIFEST);
    let before: BTreeSet<String> = std::fs::read_to_string(&manifest)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    let mut now = BTreeSet::new();
    let mut counts = Counts::default();
    for (uid, content) in items {
        let name = format!("{}.{ext}", file_stem(uid));
        if !now.insert(name.clone()) {
            continue; // the same UID twice: the first wins
        }
        if write_if_changed(&dir.join(&name), content.as_bytes())? {
            counts.written += 1;
        } else {
            counts.unchanged += 1;
        }
    }
    for gone in before.difference(&now) {
        let path: PathBuf = dir.join(gone);
        // Only plain names of our own: never a path out of the directory.
        if !gone.contains('/') && path.exists() {
            std::fs::remove_file(&path)?;
            counts.removed += 1;
        }
    }
    let list: String = now.iter().map(|n| format!("{n}\n")).collect();
    write_if_changed(&manifest, list.as_bytes())?;
    Ok(counts)
}

/// A directory name for a folder: its display name made safe.
pub fn collection_name(folder: &str) -> String {
    let name: String = folder
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let name = name.trim().trim_start_matches('.');
    if name.is_empty() {
        "folder".into()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mtime(p: &Path) -> std::time::SystemTime {
        std::fs::metadata(p).unwrap().modified().unwrap()
    }

    #[test]
    fn exports_are_incremental_atomic_and_leave_foreign_files_alone() {
        let dir = std::env::temp_dir().join(format!("easync-vdir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let items = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        let c = sync_collection(
            &dir,
            "Kontakte",
            "vcf",
            &items(&[("a", "A1"), ("b/c", "B1")]),
        )
        .unwrap();
        assert_eq!(
            c,
            Counts {
                written: 2,
                unchanged: 0,
                removed: 0
            }
        );
        std::fs::write(dir.join("foreign.vcf"), "mine").unwrap();
        let a = dir.join("a.vcf");
        let before = mtime(&a);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let c = sync_collection(&dir, "Kontakte", "vcf", &items(&[("a", "A1")])).unwrap();
        assert_eq!(
            c,
            Counts {
                written: 0,
                unchanged: 1,
                removed: 1
            }
        );
        assert_eq!(mtime(&a), before, "an unchanged item is not touched");
        assert!(
            dir.join("foreign.vcf").exists(),
            "a file easync did not write stays"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("displayname")).unwrap(),
            "Kontakte"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn file_names_are_safe_and_stable() {
        assert_eq!(file_stem("abc-1@x.test"), "abc-1@x.test");
        let odd = file_stem("../etc/passwd");
        assert!(!odd.contains('/') && !odd.starts_with('.'), "{odd}");
        assert_eq!(odd, file_stem("../etc/passwd"));
        assert_ne!(file_stem("a/b"), file_stem("a\\b"));
        assert_eq!(collection_name("Projekte / 2026"), "Projekte _ 2026");
        assert_eq!(collection_name(".."), "folder");
    }
}
