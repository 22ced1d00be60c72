//! What a newcomer installs beside the binary: `easync --version` (version, commit, EAS
//! versions), the man pages rendered by man-db's `man -l` without a groff warning, and the
//! completion scripts loaded by their shells (bash always; zsh and fish when installed). `man`
//! is required when EASYNC_REQUIRE_CONSUMERS is set (CI: the `man-db` package).

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn easync(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easync"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> Vec<u8> {
    let out = easync(args);
    assert!(
        out.status.success(),
        "easync {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn dir(test: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("easync-manual-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Whether `program` runs; a missing `man` fails the test in CI.
fn have(program: &str, required: bool) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found || !required || std::env::var_os("EASYNC_REQUIRE_CONSUMERS").is_none(),
        "{program} is required here"
    );
    if !found {
        eprintln!("{program} not installed: its checks are skipped");
    }
    found
}

#[test]
fn version_names_the_release_the_commit_and_the_eas_versions() {
    let text = String::from_utf8(ok(&["--version"])).unwrap();
    assert!(
        text.starts_with(&format!("easync {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("; EAS 12.1, 14.0, 14.1, 16.0, 16.1)"),
        "{text}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(head) = head
        && head.status.success()
        && std::env::var_os("EASYNC_COMMIT").is_none()
    {
        let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
        assert!(
            text.contains(&format!("(commit {head};")),
            "{text} vs {head}"
        );
    }
}

/// `man -l` renders `page` with groff's warnings on: none may appear.
fn renders(page: &Path) -> String {
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && warnings.trim().is_empty(),
        "{}: {warnings}",
        page.display()
    );
    // Bold and underline come as overstrikes (`X\bX`, `_\bX`) when not on a terminal.
    let text = String::from_utf8_lossy(&out.stdout);
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn the_man_pages_render_without_warnings() {
    let d = dir("man");
    let page = d.join("stdout.1");
    std::fs::write(&page, ok(&["man"])).unwrap();
    let pages = d.join("man1");
    let said = String::from_utf8(ok(&["man", pages.to_str().unwrap()])).unwrap();
    assert!(said.starts_with("wrote "), "{said}");
    for name in [
        "easync.1",
        "easync-sync.1",
        "easync-mail-search.1",
        "easync-send.1",
    ] {
        assert!(pages.join(name).exists(), "{name} is written");
    }
    if !have("man", true) {
        return;
    }
    let text = renders(&page);
    for part in [
        "SYNOPSIS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "easync-sync(1)",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(
        text.contains("78") && text.contains("config.toml"),
        "{text}"
    );
    for entry in std::fs::read_dir(&pages).unwrap() {
        renders(&entry.unwrap().path());
    }
    let send = renders(&pages.join("easync-send.1"));
    assert!(send.contains("--queued-ok"), "send's own help: {send}");
}

#[test]
fn bash_loads_the_completions_and_completes_a_subcommand() {
    let d = dir("bash");
    let script = d.join("easync.bash");
    std::fs::write(&script, ok(&["completions", "bash"])).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
    // Sourced as bash-completion would, then asked what follows `easync sy`.
    let probe = format!(
        "source {}; COMP_WORDS=(easync sy); COMP_CWORD=1; _easync easync sy easync; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new("bash").arg("-c").arg(&probe).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(
        words.lines().any(|w| w == "sync"),
        "{words} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn zsh_and_fish_parse_their_completions_when_installed() {
    let d = dir("zsh-fish");
    for (shell, file) in [("zsh", "_easync"), ("fish", "easync.fish")] {
        let script = d.join(file);
        std::fs::write(&script, ok(&["completions", shell])).unwrap();
        assert!(std::fs::metadata(&script).unwrap().len() > 100);
        if !have(shell, false) {
            continue;
        }
        let check = Command::new(shell).arg("-n").arg(&script).output().unwrap();
        assert!(
            check.status.success(),
            "{shell} -n: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = easync(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}
