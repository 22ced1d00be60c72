//! The loopback identity provider and a simulator requiring its tokens, an OAuth account's
//! configuration, and the test playing the browser and the user of a device code.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use easync::sim::idp::{self, Idp, IdpConfig, RunningIdp};
use easync::sim::{Running, SimConfig};

/// An IdP on a free loopback port.
pub fn start_idp(config: IdpConfig) -> RunningIdp {
    idp::spawn_thread(Idp::new(config)).expect("the IdP starts")
}

/// A small simulated mailbox that takes only `idp`'s tokens.
pub fn start_sim(idp: &Arc<Idp>, config: SimConfig) -> Running {
    crate::simc::start(SimConfig {
        oauth: Some(idp.clone()),
        ..config
    })
}

pub fn small() -> SimConfig {
    SimConfig {
        emails: 30,
        contacts: 5,
        events: 5,
        tasks: 3,
        ..SimConfig::default()
    }
}

/// A test's directory: the configuration, the database and `$XDG_STATE_HOME` (tokens).
pub struct Client {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub db: PathBuf,
    pub state: PathBuf,
}

impl Client {
    /// The token file of account `a`.
    pub fn token_file(&self) -> PathBuf {
        self.state.join("easync/a.oauth.json")
    }
}

/// A fresh directory named after `test`.
pub fn dir(test: &str) -> Client {
    let dir = std::env::temp_dir().join(format!("easync-oauth-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Client {
        config: dir.join("config.toml"),
        db: dir.join("a.sqlite"),
        state: dir.join("state"),
        dir,
    }
}

/// Account `a` on `sim` signing in at `idp`, plus `extra` lines of its `[oauth]` table.
pub fn client(test: &str, sim: &str, idp: &RunningIdp, extra: &str) -> Client {
    let c = dir(test);
    std::fs::write(
        &c.config,
        format!(
            "[account.a]\nemail = \"demo@easync.test\"\nurl = \"{sim}\"\nprotocol_version = \"16.1\"\n\
             database = \"{}\"\n\n[account.a.oauth]\nclient_id = \"{}\"\nauthority = \"{}\"\n{extra}\n",
            c.db.display(),
            idp.idp.config.client_id,
            idp.authority()
        ),
    )
    .unwrap();
    c
}

/// `easync -c CONFIG ARGS…` with the test's state directory.
pub fn cmd(c: &Client, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_easync"));
    cmd.arg("-c")
        .arg(&c.config)
        .args(args)
        .env("XDG_STATE_HOME", &c.state)
        .env("XDG_CONFIG_HOME", c.dir.join("xdg-config"))
        .env("BROWSER", "true")
        .env_remove("EASYNC_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub fn run(c: &Client, args: &[&str]) -> Output {
    cmd(c, args).output().unwrap()
}

/// What a run printed, stdout then stderr.
pub fn printed(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn run_ok(c: &Client, args: &[&str]) -> String {
    let out = run(c, args);
    let text = printed(&out);
    assert!(out.status.success(), "easync {args:?}: {text}");
    text
}

/// A GET over a plain TCP connection (what a browser does): status, headers, body.
pub fn http_get(url: &str) -> (u16, Vec<(String, String)>, String) {
    let u = reqwest::Url::parse(url).unwrap();
    let host = u.host_str().unwrap().to_string();
    let port = u.port_or_known_default().unwrap();
    let mut s = TcpStream::connect((host.trim_matches(['[', ']']), port)).unwrap();
    let target = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// A running easync whose stdout is read line by line.
pub struct Spawned {
    pub child: Child,
    out: BufReader<std::process::ChildStdout>,
    pub lines: Vec<String>,
}

impl Spawned {
    pub fn new(mut child: Child) -> Self {
        let out = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            out,
            lines: Vec::new(),
        }
    }

    /// Reads stdout until a line satisfies `want`; that line, trimmed.
    pub fn read_until(&mut self, want: impl Fn(&str) -> bool) -> String {
        loop {
            let mut line = String::new();
            if self.out.read_line(&mut line).unwrap() == 0 {
                let _ = self.child.kill();
                panic!(
                    "the output ended before the line looked for: {:?}",
                    self.lines
                );
            }
            self.lines.push(line.clone());
            if want(line.trim()) {
                return line.trim().to_string();
            }
        }
    }

    /// Waits for the exit; the status and everything printed.
    pub fn finish(mut self) -> (std::process::ExitStatus, String) {
        let mut rest = String::new();
        self.out.read_to_string(&mut rest).unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        self.lines.push(rest);
        self.lines.push(err);
        (self.child.wait().unwrap(), self.lines.concat())
    }
}

/// The test as the user's browser: opens the authorize URL and follows the IdP's redirect
/// to easync's loopback port. The redirect's target (the IdP's answer).
pub fn play_browser(authorize_url: &str) -> String {
    let (status, headers, body) = http_get(authorize_url);
    assert_eq!(status, 302, "the IdP answered: {body}");
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(location.starts_with("http://localhost:"), "{location}");
    let (status, _, page) = http_get(&location);
    assert!(status == 200, "easync's loopback answered {status}: {page}");
    location
}

/// As [`play_browser`], for a browser that finds `localhost` at ::1 only.
pub fn play_browser_v6(authorize_url: &str) {
    let (status, headers, body) = http_get(authorize_url);
    assert_eq!(status, 302, "the IdP answered: {body}");
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.replacen("http://localhost:", "http://[::1]:", 1))
        .unwrap();
    let (status, _, page) = http_get(&location);
    assert!(
        status == 200,
        "easync's loopback over ::1 answered {status}: {page}"
    );
}

/// `easync login a` with the test as the browser; the exit status and everything printed.
pub fn login_browser(c: &Client, extra: &[&str]) -> (std::process::ExitStatus, String) {
    let mut args = vec!["login", "a"];
    args.extend_from_slice(extra);
    let mut run = Spawned::new(cmd(c, &args).spawn().unwrap());
    let url = run.read_until(|l| l.starts_with("http://"));
    play_browser(&url);
    run.finish()
}

/// `easync login a --device` with the test as the user who enters the code (`approve` false:
/// the user never does, and the IdP must end the sign-in).
pub fn login_device(c: &Client, approve: bool) -> (std::process::ExitStatus, String) {
    let mut run = Spawned::new(cmd(c, &["login", "a", "--device"]).spawn().unwrap());
    let open = run.read_until(|l| l.starts_with("To sign in"));
    let uri = open
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    let code = run.read_until(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_uppercase()));
    if approve {
        let (status, _, _) = http_get(&format!("{uri}?user_code={code}"));
        assert_eq!(status, 200);
    }
    run.finish()
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
