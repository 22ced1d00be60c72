//! A vdir collection (vdirsyncer's storage format, read by khal, khard, todoman): one
//! directory per folder with a `displayname` file, one item per file named from its UID. Writes
//! are atomic (a `.tmp` file in the same directory, then a rename); an item whose content did
//! not change is not touched (its mtime stays, so consumers re-read nothing); files easync
//! wrote before and no longer exports are removed; anything else in the directory is left
//! alone. Which files are easync's, for which item and with which content, is kept in the
//! collection's state file `.easync-items` (readers ignore dotfiles; [`super::vdir_state`]).

use std::io;
use std::path::Path;

use super::state_file::fnv1a;
use super::vdir_state::{Entry, State};

/// What an export did to a collection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// A file name for a UID: the UID itself when it is short and made of safe characters, else a
/// readable prefix and a hash (stable across runs and machines).
pub fn file_stem(uid: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@');
    if !uid.is_empty() && uid.len() <= 80 && uid.chars().all(safe) && !uid.starts_with('.') {
        return uid.to_string();
    }
    let h = fnv1a(uid.as_bytes());
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

/// One item to export: the server id of the item (MS-ASCMD 2.2.3.166.8), its UID (which
/// names its file) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub server_id: String,
    pub uid: String,
    pub content: String,
}

/// Brings the collection at `dir` to exactly `items`, with extension `ext`, and records what it
/// wrote in the state file. An item keeps the file it was written to before (or was adopted
/// into, [`super::vdir_state::adopt`]); a new one is named from its UID, or from its UID and
/// server id when a file of someone else's already holds that name. Detect local changes
/// first ([`super::vdir_state::local_changes`]): this writes the store's content over them.
pub fn sync_collection(
    dir: &Path,
    displayname: &str,
    ext: &str,
    items: &[Item],
) -> io::Result<Counts> {
    std::fs::create_dir_all(dir)?;
    write_if_changed(&dir.join("displayname"), displayname.as_bytes())?;
    let before = State::load(dir)?;
    let mut plan = plan(dir, &before, ext, items);
    let mut now = State::default();
    // A file the user changed during this sync is kept, with its old entry: the next sync
    // finds the change.
    plan.retain(|(name, _)| match before.entries.get(name) {
        Some(e) if super::guard::leave(&dir.join(name)) => {
            now.entries.insert(name.clone(), e.clone());
            false
        }
        _ => true,
    });
    for (name, item) in &plan {
        let entry = Entry::written(&item.server_id, item.content.as_bytes());
        now.entries.insert(name.clone(), entry);
    }
    let journal = journal(dir, &before, &now);
    if journal != before {
        journal.save(dir)?;
    }
    let mut counts = Counts::default();
    for (name, item) in &plan {
        if write_if_changed(&dir.join(name), item.content.as_bytes())? {
            counts.written += 1;
        } else {
            counts.unchanged += 1;
        }
    }
    for gone in before
        .entries
        .keys()
        .filter(|n| !now.entries.contains_key(*n))
    {
        match std::fs::remove_file(dir.join(gone)) {
            Ok(()) => counts.removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    now.save(dir)?;
    Ok(counts)
}

/// The file name of each item (an item without a free name is skipped with a warning; the
/// same server id twice: the first wins).
fn plan<'i>(dir: &Path, before: &State, ext: &str, items: &'i [Item]) -> Vec<(String, &'i Item)> {
    let mut out: Vec<(String, &Item)> = Vec::new();
    for item in items {
        if out.iter().any(|(_, i)| i.server_id == item.server_id) {
            continue;
        }
        let taken = |n: &str| out.iter().any(|(name, _)| name == n);
        let kept = before.name_of(&item.server_id).filter(|n| !taken(n));
        let base = format!("{}.{ext}", file_stem(&item.uid));
        let alt = format!(
            "{}.{ext}",
            file_stem(&format!("{}\n{}", item.uid, item.server_id))
        );
        let name = kept.map(String::from).or_else(|| {
            [base, alt]
                .into_iter()
                .find(|n| !taken(n) && free(dir, before, n, item))
        });
        match name {
            Some(name) => out.push((name, item)),
            None => tracing::warn!(
                "{}: no free file name for item {} (UID {})",
                dir.display(),
                item.server_id,
                item.uid
            ),
        }
    }
    out
}

/// Whether `item` may be written to `name`: a file easync wrote for it (or for an item unknown,
/// from the old manifest), or no file of someone else's with other content.
fn free(dir: &Path, before: &State, name: &str, item: &Item) -> bool {
    match before.entries.get(name) {
        Some(e) => e.server_id.as_ref().is_none_or(|s| *s == item.server_id),
        None => match std::fs::read(dir.join(name)) {
            Ok(old) => old == item.content.as_bytes(),
            Err(e) => e.kind() == io::ErrorKind::NotFound,
        },
    }
}

/// The state to save before the files are touched: every entry about to be written accepts its
/// old and its new hash (its current bytes, for a name of the old manifest), every new one and
/// every one about to be removed is pending (missing is no deletion).
fn journal(dir: &Path, before: &State, now: &State) -> State {
    let mut j = before.clone();
    for (name, new) in &now.entries {
        match j.entries.get_mut(name) {
            Some(old) if old.server_id == new.server_id => {
                for h in &new.hashes {
                    if !old.hashes.contains(h) {
                        old.hashes.push(*h);
                    }
                }
            }
            old => {
                let mut e = Entry {
                    pending: true,
                    ..new.clone()
                };
                if old.is_some()
                    && let Ok(bytes) = std::fs::read(dir.join(name))
                {
                    e.hashes.push(fnv1a(&bytes));
                }
                j.entries.insert(name.clone(), e);
            }
        }
    }
    for (name, e) in j.entries.iter_mut() {
        if !now.entries.contains_key(name) {
            e.pending = true;
        }
    }
    j
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
                .map(|(uid, text)| Item {
                    server_id: format!("1:{uid}"),
                    uid: uid.to_string(),
                    content: text.to_string(),
                })
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
