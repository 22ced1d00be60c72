//! The user's changes made while a sync runs are not overwritten: the changes found at the
//! start of a sync are recorded and sent, but a file the user touches after that (mutt renames a
//! message, khal saves an event during the network round) must survive the export that ends the
//! sync. The caller marks the moment it looked ([`looked_now`]); the export leaves alone any
//! file whose status changed since (its ctime: a rename or a write), keeping the state file's
//! old entry for it, so the next sync finds the change exactly. This is a guard, not detection:
//! what changed is still decided from the state files.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// When the changes were last looked for (Unix seconds and nanoseconds packed; 0: never, no
/// guard). One process syncs one account at a time.
static LOOKED: AtomicI64 = AtomicI64::new(0);

fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

/// Files whose change could not be sent (a file that does not parse): the export leaves them
/// as the user wrote them, until they can be.
static KEPT: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Marks now as the moment the user's changes were looked for.
pub fn looked_now() {
    LOOKED.store(now_nanos(), Ordering::SeqCst);
    if let Ok(mut k) = KEPT.lock() {
        *k = None;
    }
}

/// The export must leave `path` as it is (its change was found but not sent).
pub fn keep(path: &Path) {
    if let Ok(mut k) = KEPT.lock() {
        k.get_or_insert_with(HashSet::new)
            .insert(path.to_path_buf());
    }
}

/// Whether the export must leave the file at `path` alone: touched since the changes were
/// looked for, or kept.
pub fn leave(path: &Path) -> bool {
    touched_since_looked(path)
        || KEPT
            .lock()
            .is_ok_and(|k| k.as_ref().is_some_and(|k| k.contains(path)))
}

/// Whether the file at `path` was touched after the changes were looked for (then the export
/// must leave it).
pub fn touched_since_looked(path: &Path) -> bool {
    touched_since(path, LOOKED.load(Ordering::SeqCst))
}

/// Whether the status of the file at `path` changed at or after `looked` (Unix nanoseconds;
/// 0: no guard).
fn touched_since(path: &Path, looked: i64) -> bool {
    if looked == 0 {
        return false;
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) => {
            m.ctime()
                .saturating_mul(1_000_000_000)
                .saturating_add(m.ctime_nsec())
                >= looked
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_after_looking_is_left_alone() {
        let dir = std::env::temp_dir().join(format!("easync-guard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (old, new) = (dir.join("old"), dir.join("new"));
        std::fs::write(&old, "a").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // The process-wide mark is left alone: other tests of this process export files.
        let looked = now_nanos();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&new, "b").unwrap();
        assert!(!touched_since(&old, looked));
        assert!(touched_since(&new, looked));
        std::fs::rename(&old, dir.join("renamed")).unwrap();
        assert!(
            touched_since(&dir.join("renamed"), looked),
            "a rename changes the ctime"
        );
        assert!(!touched_since(&new, 0), "no guard before anything looked");
    }
}
