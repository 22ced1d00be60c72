//! Records the commit easync is built from, for `easync --version`: `EASYNC_COMMIT` is the
//! short hash of `git rev-parse HEAD`, or `unknown` when there is no git or no repository (a source tarball, `cargo install` from a
//! registry). `EASYNC_COMMIT` set in the environment wins (packagers building outside git).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=EASYNC_COMMIT");
    let commit = std::env::var("EASYNC_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(from_git)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=EASYNC_COMMIT={commit}");
}

/// `git` in the crate's directory, its stdout trimmed when it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn from_git() -> Option<String> {
    let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
    watch_git_files();
    Some(hash)
}

/// Rebuilds when HEAD moves: the HEAD file (of this worktree), the branch's ref and
/// packed-refs. Only files that exist are named (cargo reruns every time for a missing one).
fn watch_git_files() {
    let abs = |p: String| -> PathBuf {
        let p = PathBuf::from(p);
        match std::env::var_os("CARGO_MANIFEST_DIR") {
            Some(dir) if p.is_relative() => Path::new(&dir).join(p),
            _ => p,
        }
    };
    let mut files = Vec::new();
    if let Some(dir) = git(&["rev-parse", "--git-dir"]).map(abs) {
        files.push(dir.join("HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]).map(abs) {
        files.push(common.join("packed-refs"));
        if let Some(branch) = git(&["rev-parse", "--symbolic-full-name", "HEAD"]) {
            files.push(common.join(branch));
        }
    }
    for f in files.iter().filter(|f| f.exists()) {
        println!("cargo:rerun-if-changed={}", f.display());
    }
}
