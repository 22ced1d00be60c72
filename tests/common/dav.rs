//! easync serve's CalDAV/CardDAV router on a free loopback port (its own thread and runtime),
//! and a plain HTTP/1.1 client for it.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;

use base64::Engine as _;
use easync::serve::LocalAuth;
use easync::serve::dav::{DavState, router};

/// The local password the tests sign in with.
pub const PASSWORD: &str = "local-pw";

/// A running DAV side; stopped when dropped.
pub struct Dav {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Dav {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Dav {
    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A request signed in as `a`; (status, headers lower-cased, body).
    pub fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        self.raw(method, path, Some(("a", PASSWORD)), headers, body)
    }

    /// A request with these credentials (or none).
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        creds: Option<(&str, &str)>,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut s = TcpStream::connect(self.addr).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some((u, p)) = creds {
            let b = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            head.push_str(&format!("Authorization: Basic {b}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body.as_bytes()).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_string(),
        }
    }
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The texts of every `<d:href>` of a multistatus, in order.
    pub fn hrefs(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(i) = rest.find("<d:href>") {
            rest = &rest[i + 8..];
            if let Some(end) = rest.find("</") {
                out.push(rest[..end].to_string());
            }
        }
        out
    }
}

/// Serves account `a` (address demo@easync.test) with its database `db`.
pub fn start(db: PathBuf) -> Dav {
    let state = DavState {
        accounts: vec![("a".into(), db)],
        auth: LocalAuth::fixed(PASSWORD, vec![("a".into(), "demo@easync.test".into())]),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        rt.block_on(async move {
            tokio::select! {
                _ = axum::serve(listener, router(state)) => {}
                _ = stopped => {}
            }
        });
    });
    Dav {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// A Debian package's program, or a failure that says which package to install.
pub fn need(program: &str, probe: &[&str], package: &str) {
    let ok = std::process::Command::new(program)
        .args(probe)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{program} is needed by this test: install the Debian package {package} (apt-get install {package})"
    );
}
