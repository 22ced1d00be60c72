//! Running `easync doctor --json` against the simulator and reading its checks.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use easync::sim::{Running, SimConfig};

use super::sim::{PASSWORD_ENV, start};

pub fn tiny() -> SimConfig {
    SimConfig {
        emails: 5,
        contacts: 1,
        events: 1,
        tasks: 1,
        ..SimConfig::default()
    }
}

pub struct Setup {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub db: PathBuf,
}

/// An account `a` on `url` with `extra` lines, in a fresh directory named after `test`.
pub fn setup(test: &str, url: &str, extra: &str) -> Setup {
    let dir = std::env::temp_dir().join(format!("easync-doctor-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("a.sqlite");
    let config = dir.join("config.toml");
    let text = format!(
        "[account.a]\nemail = \"demo@easync.test\"\nurl = \"{url}\"\npassword_env = \"{PASSWORD_ENV}\"\n\
         database = \"{}\"\n{extra}\n",
        db.display()
    );
    std::fs::write(&config, text).unwrap();
    Setup { dir, config, db }
}

pub fn doctor_with(config: &Path, password: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_easync"));
    cmd.arg("-c")
        .arg(config)
        .args(["doctor", "--json"])
        .env_remove(PASSWORD_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env(PASSWORD_ENV, p);
    }
    cmd.output().unwrap()
}

/// check → (status, detail, fix) from the JSON lines; and the exit code.
pub type Checks = BTreeMap<String, (String, String, String)>;

pub fn parse(out: &Output) -> (Checks, i32) {
    let mut checks = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
        checks.insert(s("check"), (s("status"), s("detail"), s("fix")));
    }
    (checks, out.status.code().unwrap_or(-1))
}

pub fn doctor(s: &Setup) -> (Checks, i32) {
    parse(&doctor_with(&s.config, Some("demo")))
}

/// `check` has `status`, its detail and fix containing `words`.
pub fn has(checks: &Checks, check: &str, status: &str, words: &str) {
    let (st, detail, fix) = checks
        .get(check)
        .unwrap_or_else(|| panic!("no {check} in {checks:#?}"));
    assert_eq!(st, status, "{check}: {checks:#?}");
    let text = format!("{detail} {fix}");
    assert!(text.contains(words), "{check}: {words:?} not in {text:?}");
}

pub fn only_failure(checks: &Checks, check: &str) {
    let failed: Vec<&String> = checks
        .iter()
        .filter(|(_, (st, _, _))| st == "fail")
        .map(|(k, _)| k)
        .collect();
    assert_eq!(failed, [check], "{checks:#?}");
}

pub fn on_sim(test: &str, config: SimConfig, extra: &str) -> (Running, Setup) {
    let server = start(config);
    let s = setup(test, &server.url(), extra);
    (server, s)
}
