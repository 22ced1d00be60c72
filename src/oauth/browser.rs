//! Sign-in in a browser: authorization code with PKCE (RFC 7636, S256) and a loopback redirect
//! (RFC 8252 7.3). easync listens on 127.0.0.1 on a port the system picks, prints the
//! authorize URL (and opens `$BROWSER` or `xdg-open` when there is one), and waits for the
//! browser to come back to `http://localhost:PORT/` with the code; a visit whose `state` is not
//! this sign-in's is turned away. The code is then redeemed with the verifier.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::endpoint::Refusal;
use super::errors::{self, Flow};
use super::pkce::{self, Pkce};
use super::{Endpoint, Granted, OAuthError, OAuthSettings};

/// How long to wait for the browser by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

const SIGNED_IN: &str = "<!doctype html><html><body><h1>Signed in</h1><p>easync has the \
    sign-in. You can close this window.</p></body></html>";
const FAILED: &str = "<!doctype html><html><body><h1>Sign-in failed</h1><p>easync says why \
    in the terminal.</p></body></html>";
const STRANGER: &str = "<!doctype html><html><body><p>This is not the sign-in easync is \
    waiting for.</p></body></html>";

/// Runs the sign-in; `say` shows lines to the user, `open` whether to start a browser.
pub async fn sign_in(
    endpoint: &Endpoint,
    open: bool,
    timeout: Duration,
    say: &dyn Fn(&str),
) -> Result<Granted, OAuthError> {
    let s = endpoint.settings();
    let stop = |why: String| OAuthError::Interrupted {
        account: s.account.clone(),
        why,
    };
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| stop(format!("cannot listen on 127.0.0.1 for the redirect: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| stop(e.to_string()))?
        .port();
    // `localhost` may resolve to ::1 alone in the browser's eyes (RFC 8252 8.3): the same port
    // there too, when this machine has IPv6 loopback.
    let v6 = TcpListener::bind(("::1", port)).await.ok();
    let listeners = Listeners { v4: listener, v6 };
    let redirect_uri = format!("http://localhost:{port}/");
    let pkce = Pkce::generate().map_err(&stop)?;
    let state = pkce::random(16).map_err(&stop)?;
    let url = authorize_url(s, &redirect_uri, &pkce, &state);
    say(&format!(
        "To sign in account {}, open this address in a browser:\n\n  {url}\n",
        s.account
    ));
    if open && open_browser(&url) {
        say("(a browser was started; easync waits for it)");
    }
    let code = tokio::time::timeout(timeout, wait_for_code(&listeners, &state, endpoint))
        .await
        .map_err(|_| {
            stop(format!(
                "the browser did not come back within {} s; run `easync login {}` again (or add \
                 --device)",
                timeout.as_secs(),
                s.account
            ))
        })??;
    let scope = s.scope();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
        ("scope", scope.as_str()),
    ];
    endpoint
        .grant(&form)
        .await?
        .map_err(|r| endpoint.refused(r, Flow::Browser))
}

/// The authorize URL of this sign-in.
pub fn authorize_url(s: &OAuthSettings, redirect_uri: &str, pkce: &Pkce, state: &str) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", &s.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("response_mode", "query")
        .append_pair("scope", &s.scope())
        .append_pair("state", state)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(hint) = &s.login_hint {
        q.append_pair("login_hint", hint);
    }
    format!("{}?{}", s.endpoint("authorize"), q.finish())
}

/// The redirect's port on 127.0.0.1, and on ::1 when there is IPv6 loopback.
struct Listeners {
    v4: TcpListener,
    v6: Option<TcpListener>,
}

impl Listeners {
    async fn accept(&self) -> std::io::Result<TcpStream> {
        match &self.v6 {
            Some(v6) => tokio::select! {
                r = self.v4.accept() => r.map(|(s, _)| s),
                r = v6.accept() => r.map(|(s, _)| s),
            },
            None => self.v4.accept().await.map(|(s, _)| s),
        }
    }
}

/// Serves the loopback port until the browser brings this sign-in's code (or its error).
async fn wait_for_code(
    listeners: &Listeners,
    state: &str,
    endpoint: &Endpoint,
) -> Result<String, OAuthError> {
    loop {
        let Ok(mut stream) = listeners.accept().await else {
            continue;
        };
        let Some(params) = read_redirect(&mut stream).await else {
            answer(&mut stream, 404, STRANGER).await;
            continue;
        };
        let get = |k: &str| params.get(k).map(String::as_str);
        if get("state") != Some(state) {
            tracing::warn!("a visit to the sign-in port without this sign-in's state: ignored");
            answer(&mut stream, 400, STRANGER).await;
            continue;
        }
        if let Some(error) = get("error") {
            answer(&mut stream, 200, FAILED).await;
            let description = get("error_description").unwrap_or("").to_string();
            let refusal = Refusal {
                status: 400,
                error: error.to_string(),
                code: errors::code_in(&description),
                description,
            };
            return Err(endpoint.refused(refusal, Flow::Browser));
        }
        if let Some(code) = get("code").filter(|c| !c.is_empty()) {
            answer(&mut stream, 200, SIGNED_IN).await;
            return Ok(code.to_string());
        }
        answer(&mut stream, 400, STRANGER).await;
    }
}

/// The query of a `GET / HTTP/1.1` request (at most 16 KiB of head, 10 s).
async fn read_redirect(stream: &mut TcpStream) -> Option<HashMap<String, String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let line = String::from_utf8_lossy(&head);
    let target = line
        .lines()
        .next()?
        .strip_prefix("GET ")?
        .split(' ')
        .next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (path == "/").then(|| {
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
}

async fn answer(stream: &mut TcpStream, status: u16, page: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \
         {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Starts `$BROWSER` (its first entry) or `xdg-open` with the URL; whether one was started.
fn open_browser(url: &str) -> bool {
    let program = std::env::var("BROWSER")
        .ok()
        .and_then(|b| b.split(':').next().map(str::to_string))
        .filter(|b| !b.trim().is_empty())
        .or_else(|| on_path("xdg-open"));
    let Some(program) = program else {
        return false;
    };
    let mut words = program.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let args: Vec<String> = words.map(|w| w.replace("%s", url)).collect();
    let mut cmd = std::process::Command::new(first);
    cmd.args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if !program.contains("%s") {
        cmd.arg(url);
    }
    match cmd.spawn() {
        Ok(mut child) => {
            // Reaped in the background: a browser may keep running.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(e) => {
            tracing::info!("cannot start the browser {first:?}: {e}");
            false
        }
    }
}

fn on_path(program: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .map(|p| p.to_string_lossy().into_owned())
}
