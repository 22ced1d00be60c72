//! Following the README's "Getting started" as a new user would, in a fresh home directory:
//! its fenced blocks in order — `sh test` blocks run by bash (`-e`, in the source tree, as the
//! README says to run them), `LANG file=PATH` blocks appended to that file — with `easync` on
//! the PATH, a `pass` that knows one password, and `systemctl`/`journalctl` that only write down
//! what they were asked (the test then starts the unit's `ExecStart` itself, as systemd would).
//!
//! What differs between the README and a test server is declared, in one table per server
//! ([`Server::substitutions`]): the address, the login, the URL, the contacts folder's name.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const README: &str = include_str!("../../README.md");

/// A server to follow the README against.
pub struct Server {
    /// (what the README says, what this server needs), applied to every block.
    pub substitutions: Vec<(&'static str, String)>,
    /// What `pass show work/exchange` prints.
    pub password: String,
}

/// One fenced block: its info string (`sh test`, `toml file=~/…`) and its text.
#[derive(Debug, Clone)]
pub struct Block {
    pub info: String,
    pub text: String,
}

/// The fenced blocks of the README's "Getting started" section, in order.
pub fn getting_started() -> Vec<Block> {
    let start = README.find("\n## Getting started\n").expect("the section");
    let rest = &README[start + 1..];
    let section = &rest[..rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3)];
    let mut blocks = Vec::new();
    let mut parts = section.split("\n```");
    parts.next();
    while let (Some(open), Some(_close)) = (parts.next(), parts.next()) {
        let (info, text) = open.split_once('\n').unwrap_or((open, ""));
        blocks.push(Block {
            info: info.trim().to_string(),
            text: format!("{text}\n"),
        });
    }
    blocks
}

/// The target of a `file=` block.
pub fn file_target(b: &Block) -> Option<&str> {
    b.info
        .split_whitespace()
        .find_map(|w| w.strip_prefix("file="))
}

/// A fresh home with its `bin` of stand-ins.
pub struct Home {
    pub root: PathBuf,
    pub home: PathBuf,
    pub bin: PathBuf,
}

fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

impl Home {
    pub fn new(test: &str, server: &Server) -> Self {
        let root =
            std::env::temp_dir().join(format!("easync-readme-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (home, bin) = (root.join("home"), root.join("bin"));
        std::fs::create_dir_all(home.join(".cargo/bin")).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        let exe = env!("CARGO_BIN_EXE_easync");
        // What `cargo install --path .` leaves: the binary in ~/.cargo/bin (the unit runs it).
        std::os::unix::fs::symlink(exe, home.join(".cargo/bin/easync")).unwrap();
        std::os::unix::fs::symlink(exe, bin.join("easync")).unwrap();
        let pass = format!(
            "#!/bin/sh\nif [ \"$1 $2\" = \"show work/exchange\" ]; then echo '{}'; exit 0; fi\n\
             echo \"Error: $2 is not in the password store.\" >&2; exit 1\n",
            server.password
        );
        script(&bin.join("pass"), &pass);
        for tool in ["systemctl", "journalctl"] {
            let log = format!("#!/bin/sh\necho \"{tool} $*\" >> \"$HOME/{tool}.log\"\n");
            script(&bin.join(tool), &log);
        }
        Self { root, home, bin }
    }

    /// A command with this home's environment: HOME, the stand-ins first on the PATH, no XDG
    /// or easync variables from the caller, UTC and a UTF-8 locale.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("HOME", &self.home)
            .env("PATH", path)
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null());
        for var in [
            "XDG_CONFIG_HOME",
            "XDG_STATE_HOME",
            "XDG_DATA_HOME",
            "XDG_CACHE_HOME",
            "EASYNC_CONFIG",
            "NOTMUCH_CONFIG",
            "MAILDIR",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// `~/x` in this home.
    pub fn path(&self, p: &str) -> PathBuf {
        match p.strip_prefix("~/") {
            Some(rest) => self.home.join(rest),
            None => PathBuf::from(p),
        }
    }
}

/// What the blocks printed, with the block's text (as run).
pub type Printed = Vec<(String, String)>;

/// Runs every block of Getting started in order; panics on the first that fails.
pub fn follow(home: &Home, server: &Server) -> Printed {
    let mut printed = Vec::new();
    for b in getting_started() {
        let mut text = b.text.clone();
        for (from, to) in &server.substitutions {
            text = text.replace(from, to);
        }
        if let Some(target) = file_target(&b) {
            let path = home.path(target);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let before = std::fs::read_to_string(&path).unwrap_or_default();
            let sep = if before.is_empty() || before.ends_with("\n\n") {
                ""
            } else {
                "\n"
            };
            std::fs::write(&path, format!("{before}{sep}{text}")).unwrap();
        } else if b.info == "sh test" {
            let out = home
                .command("bash")
                .args(["-e", "-c", &text])
                .output()
                .unwrap();
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.status.success(),
                "the README's block\n{text}failed:\n{said}"
            );
            printed.push((text.clone(), said));
        } else {
            assert!(
                b.info == "sh" && b.text.trim() == "cargo install --path .",
                "a block of Getting started that no test runs: ```{}\n{}",
                b.info,
                b.text
            );
        }
    }
    printed
}

/// What the block containing `words` printed.
pub fn printed_by<'a>(printed: &'a Printed, words: &str) -> &'a str {
    printed
        .iter()
        .find(|(text, _)| text.contains(words))
        .map(|(_, s)| s.as_str())
        .unwrap_or_else(|| panic!("no block has {words:?}"))
}

/// The unit `systemctl --user enable --now UNIT` was asked to start, run as systemd would:
/// its ExecStart with `%h` the home and `%i` the instance.
pub fn start_enabled_unit(home: &Home) -> Child {
    let log = std::fs::read_to_string(home.home.join("systemctl.log")).unwrap_or_default();
    let unit = log
        .lines()
        .find_map(|l| l.strip_prefix("systemctl --user enable --now "))
        .unwrap_or_else(|| panic!("the README enables a unit: {log}"));
    let (template, instance) = unit.trim_end_matches(".service").split_once('@').unwrap();
    let file = home
        .home
        .join(format!(".config/systemd/user/{template}@.service"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart")
        .replace("%h", home.home.to_str().unwrap())
        .replace("%i", instance);
    let words: Vec<&str> = exec.split_whitespace().collect();
    home.command(words[0])
        .args(&words[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits up to `secs` for `cond`.
pub fn eventually(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "not within {secs} s: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Files in the maildir `dir`'s new/ and cur/.
pub fn maildir_files(dir: &Path) -> Vec<PathBuf> {
    ["new", "cur"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(dir.join(sub)).ok())
        .flatten()
        .map(|e| e.unwrap().path())
        .collect()
}

/// Stops a started unit as systemd does (SIGTERM) and returns how it ended.
pub fn stop(mut child: Child) -> Output {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    let mut stderr = Vec::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_end(&mut e, &mut stderr);
    }
    Output {
        status,
        stdout: Vec::new(),
        stderr,
    }
}
