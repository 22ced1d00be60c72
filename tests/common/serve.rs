//! Running `easync serve` against the simulator for the gateway tests: free loopback ports,
//! a password file of the test's own, the child killed when the test ends.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::simc::{Client, PASSWORD_ENV};

pub const LOCAL_PASSWORD: &str = "local-test-password";

pub struct Serve {
    pub child: Child,
    pub imap: u16,
    pub smtp: u16,
    pub log: PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `[serve]` table for `c`, on free ports, naming the password file `write_password` writes.
pub fn serve_table(c: &Client) -> (String, u16, u16) {
    let (imap, smtp, dav) = (free_port(), free_port(), free_port());
    let pw = c.dir.join("serve.password");
    (
        format!(
            "\n[serve]\nimap = \"127.0.0.1:{imap}\"\nsmtp = \"127.0.0.1:{smtp}\"\ndav = \"127.0.0.1:{dav}\"\npassword_file = \"{}\"\n",
            pw.display()
        ),
        imap,
        smtp,
    )
}

/// Writes the password file the `[serve]` table names (0600).
pub fn write_password(c: &Client) {
    let pw = c.dir.join("serve.password");
    std::fs::write(&pw, format!("{LOCAL_PASSWORD}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The dav port the `[serve]` table of `c`'s configuration names.
pub fn dav_port(c: &Client) -> u16 {
    let text = std::fs::read_to_string(&c.config).unwrap();
    text.lines()
        .find_map(|l| {
            l.strip_prefix("dav = \"127.0.0.1:")?
                .strip_suffix('"')?
                .parse()
                .ok()
        })
        .expect("a dav port in the [serve] table")
}

/// Starts `easync serve` for `c` (whose config has the `[serve]` table) and waits until both
/// ports answer.
pub fn start_serve(c: &Client, imap: u16, smtp: u16, extra_args: &[&str]) -> Serve {
    let log = c.dir.join("serve.log");
    let child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&c.config)
        .arg("-v")
        .arg("serve")
        .args(extra_args)
        .env(PASSWORD_ENV, "demo")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let s = Serve {
        child,
        imap,
        smtp,
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", imap)).is_err()
        || TcpStream::connect(("127.0.0.1", smtp)).is_err()
    {
        assert!(
            Instant::now() < deadline,
            "easync serve did not listen within 30 s: {}",
            std::fs::read_to_string(&s.log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    s
}

/// A bare IMAP connection for the exchanges no library client does (IDLE).
pub struct Raw {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Raw {
    pub fn connect(port: u16) -> Self {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut raw = Raw {
            r: BufReader::new(s.try_clone().unwrap()),
            w: s,
        };
        let greeting = raw.line();
        assert!(greeting.starts_with("* OK"), "{greeting}");
        raw
    }

    pub fn line(&mut self) -> String {
        let mut l = String::new();
        self.r.read_line(&mut l).unwrap();
        l
    }

    pub fn send(&mut self, line: &str) {
        self.w.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    }

    /// Sends a tagged command; the lines up to and including its tagged answer.
    pub fn cmd(&mut self, tag: &str, command: &str) -> Vec<String> {
        self.send(&format!("{tag} {command}"));
        self.until(&format!("{tag} "))
    }

    /// Signs in with the local password (asserting it worked).
    pub fn login(&mut self, user: &str) {
        let r = self.cmd("l1", &format!("LOGIN {user} {LOCAL_PASSWORD}"));
        assert!(r.last().unwrap().starts_with("l1 OK"), "{r:?}");
    }

    /// SELECTs `mailbox` (asserting it worked): its lines and EXISTS.
    pub fn select(&mut self, mailbox: &str) -> (Vec<String>, u32) {
        let r = self.cmd("s1", &format!("SELECT {mailbox}"));
        assert!(r.last().unwrap().starts_with("s1 OK"), "{r:?}");
        let exists = r
            .iter()
            .find_map(|l| {
                l.strip_prefix("* ")?
                    .strip_suffix(" EXISTS\r\n")?
                    .parse()
                    .ok()
            })
            .expect("EXISTS");
        (r, exists)
    }

    /// Lines until one starts with `prefix` (literals read whole).
    pub fn until(&mut self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let mut l = self.line();
            assert!(!l.is_empty(), "the connection closed; so far: {out:?}");
            if let Some(n) = literal(&l) {
                let mut buf = vec![0; n];
                self.r.read_exact(&mut buf).unwrap();
                l.push_str(&String::from_utf8_lossy(&buf));
                l.push_str(&self.line());
            }
            let done = l.starts_with(prefix);
            out.push(l);
            if done {
                return out;
            }
        }
    }
}

fn literal(line: &str) -> Option<usize> {
    let t = line.trim_end();
    let t = t.strip_suffix('}')?;
    let open = t.rfind('{')?;
    t[open + 1..].parse().ok()
}

/// Waits until `pred` holds, at most `secs`; how long it took.
pub fn within(secs: u64, what: &str, pred: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        if pred() {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} not within {secs} s");
}

/// A simulator with a small mailbox, account `a` synced from it, and `easync serve` on free
/// ports — what every gateway test starts from. `before_sync` changes the server first.
pub fn serve_sim(
    test: &str,
    before_sync: impl FnOnce(&easync::sim::Sim),
) -> (easync::sim::Running, Client, Serve) {
    let server = super::simc::start(easync::sim::SimConfig {
        time_divisor: 60,
        ..super::simc::small()
    });
    let a0 = super::simc::client(test, &server.url(), "16.1", "");
    let (table, imap, smtp) = serve_table(&a0);
    let a = super::simc::client(
        test,
        &server.url(),
        "16.1",
        &format!("[account.a.watch]\nheartbeat = 600\n{table}"),
    );
    write_password(&a);
    before_sync(&server.sim);
    super::simc::sync_ok(&a);
    let s = start_serve(&a, imap, smtp, &[]);
    (server, a, s)
}

/// The server id of the Inbox mail with IMAP UID `uid`.
pub fn inbox_server_id(c: &Client, uid: impl std::fmt::Display) -> String {
    super::simc::q(
        &c.db,
        &format!(
            "SELECT i.server_id FROM imap_uids u JOIN items i ON i.id = u.item_id \
             JOIN folders f ON f.id = u.folder_id WHERE f.type = 2 AND u.uid = {uid}"
        ),
    )
}
