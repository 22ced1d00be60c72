//! The HTTP side: one handler for every request — admin, OPTIONS, credentials, faults, the
//! policy-key gate (MS-ASPROV 3.2.5.1), then the command — and the ways to run it (a task on
//! the caller's runtime, or a thread with its own runtime for synchronous tests).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use wbxml::Element;
use wbxml::tags;

use super::fault_effects::{dropped, early_fault, late_fault, relevant};
use super::faults::{ClientOp, Fault};
use super::request::{self, Request};
use super::{
    Sim, admin, cmd_compose, cmd_fetch, cmd_find, cmd_folders, cmd_meeting, cmd_move, cmd_ping,
    cmd_provision, cmd_search, cmd_sync,
};

/// What a command handler answers.
#[derive(Debug)]
pub(crate) enum Reply {
    Wbxml(Vec<u8>),
    /// HTTP 200 with an empty body ("no changes" for Sync and Ping).
    Empty,
    /// The command's root element with only a Status (in-band errors).
    Status(u16),
    Http(StatusCode, String),
}

/// Switches the Sync and MoveItems handlers read.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SyncFaults {
    pub status_12: bool,
    pub endless_more: bool,
    /// Every client command of this kind answers this status, unapplied (`add-status=N`…).
    pub client_status: Option<(ClientOp, u16)>,
}

impl SyncFaults {
    /// The status every client command of kind `op` answers, if a fault says so.
    pub fn status_of(&self, op: ClientOp) -> Option<u16> {
        self.client_status
            .and_then(|(o, code)| (o == op).then_some(code))
    }
}

pub(crate) fn text(status: StatusCode, msg: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(Body::from(msg.into()));
    *r.status_mut() = status;
    r
}

pub(crate) fn wbxml(body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        "Content-Type",
        "application/vnd.ms-sync.wbxml".parse().expect("static"),
    );
    r
}

/// `<Root><Status>code</Status></Root>` for a command, the in-band form of a common status.
pub(crate) fn status_body(command: &str, code: u16) -> Vec<u8> {
    let (root, status) = match command {
        "Sync" => (tags::air_sync::SYNC, tags::air_sync::STATUS),
        "FolderSync" => (
            tags::folder_hierarchy::FOLDER_SYNC,
            tags::folder_hierarchy::STATUS,
        ),
        "Ping" => (tags::ping::PING, tags::ping::STATUS),
        "Provision" => (tags::provision::PROVISION, tags::provision::STATUS),
        "GetItemEstimate" => (
            tags::get_item_estimate::GET_ITEM_ESTIMATE,
            tags::get_item_estimate::STATUS,
        ),
        "ItemOperations" => (
            tags::item_operations::ITEM_OPERATIONS,
            tags::item_operations::STATUS,
        ),
        "MoveItems" => (tags::move_items::MOVE_ITEMS, tags::move_items::STATUS),
        "Search" => (tags::search::SEARCH, tags::search::STATUS),
        "Find" => (tags::find::FIND, tags::find::STATUS),
        "SendMail" => (tags::compose_mail::SEND_MAIL, tags::compose_mail::STATUS),
        "SmartReply" => (tags::compose_mail::SMART_REPLY, tags::compose_mail::STATUS),
        "SmartForward" => (
            tags::compose_mail::SMART_FORWARD,
            tags::compose_mail::STATUS,
        ),
        "MeetingResponse" => (
            tags::meeting_response::MEETING_RESPONSE,
            tags::meeting_response::STATUS,
        ),
        _ => (tags::settings::SETTINGS, tags::settings::STATUS),
    };
    Element::new(root)
        .with(Element::new(status).with_text(code.to_string()))
        .encode()
        .expect("a two-element document encodes")
}

const COMMANDS: &str = "Sync,FolderSync,GetItemEstimate,Ping,Provision,ItemOperations,MoveItems,\
     Settings,SendMail,SmartReply,SmartForward,MeetingResponse,Search";

/// Every request, answered with the `Date` of the server's clock ([`super::SimConfig::clock_offset`]).
pub(crate) async fn handle(
    sim: Arc<Sim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let offset = sim.config.clock_offset;
    let mut resp = answer(sim, method, uri, headers, body).await;
    if offset != 0 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let date = super::dates::http_date(now.saturating_add(offset));
        if let Ok(v) = date.parse() {
            resp.headers_mut().insert("Date", v);
        }
    }
    resp
}

async fn answer(
    sim: Arc<Sim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    sim.stats.requests.fetch_add(1, Ordering::Relaxed);
    if uri.path().starts_with("/sim/") {
        return admin::handle(&sim, &method, &uri, &body);
    }
    if uri
        .path()
        .to_ascii_lowercase()
        .starts_with("/autodiscover/")
    {
        return super::discovery::handle(&sim, &method, &uri, &headers);
    }
    if method == Method::OPTIONS {
        let mut r = Response::new(Body::empty());
        let h = r.headers_mut();
        h.insert(
            "MS-ASProtocolVersions",
            sim.config.versions.join(",").parse().expect("ascii"),
        );
        let commands = if sim.config.versions.iter().any(|v| v == "16.1") {
            format!("{COMMANDS},Find")
        } else {
            COMMANDS.to_string()
        };
        h.insert("MS-ASProtocolCommands", commands.parse().expect("ascii"));
        h.insert(
            "MS-Server-ActiveSync",
            "15.20 (easync-sim)".parse().expect("static"),
        );
        return r;
    }
    if method != Method::POST {
        return text(StatusCode::METHOD_NOT_ALLOWED, "EAS commands are POSTed");
    }
    let req = match request::parse(&uri, &headers) {
        Ok(r) => r,
        Err(why) => return text(StatusCode::BAD_REQUEST, why),
    };
    sim.stats.count(&req.command);
    let fault = sim
        .faults
        .take_where(&req.command, |f| relevant(f, &req.command, &body));
    let mut flags = SyncFaults::default();
    if let Some(f) = &fault
        && let Some(resp) = early_fault(&sim, f, &req, &body, &mut flags).await
    {
        return resp;
    }
    if let Some(resp) = auth_gate(&sim, &headers) {
        return resp;
    }
    if !sim.config.versions.contains(&req.version) {
        return text(
            StatusCode::BAD_REQUEST,
            format!("protocol version {} is not offered", req.version),
        );
    }
    if let Some(resp) = policy_gate(&sim, &req, fault == Some(Fault::Http449)) {
        return resp;
    }
    let reply = dispatch(&sim, &req, &body, flags).await;
    if fault == Some(Fault::CommitThenDrop) {
        return dropped(Vec::new(), 0);
    }
    let resp = match reply {
        Reply::Wbxml(bytes) => match verify(&sim, &bytes) {
            Ok(()) => bytes,
            Err(why) => return text(StatusCode::INTERNAL_SERVER_ERROR, why),
        },
        Reply::Empty => return Response::new(Body::empty()),
        Reply::Status(code) => status_body(&req.command, code),
        Reply::Http(status, msg) => return text(status, msg),
    };
    late_fault(fault, resp)
}

async fn dispatch(sim: &Arc<Sim>, req: &Request, body: &[u8], flags: SyncFaults) -> Reply {
    match req.command.as_str() {
        "Provision" => cmd_provision::handle(sim, req, body),
        "FolderSync" => cmd_folders::folder_sync(sim, req, body),
        "Sync" => cmd_sync::handle(sim, req, body, flags),
        "GetItemEstimate" => cmd_folders::estimate(sim, req, body),
        "Ping" => cmd_ping::handle(sim, req, body).await,
        "ItemOperations" => cmd_fetch::item_operations(sim, req, body),
        "MoveItems" => cmd_move::handle(sim, req, body, flags),
        "Settings" => cmd_fetch::settings(sim, req, body),
        "SendMail" | "SmartReply" | "SmartForward" => cmd_compose::handle(sim, req, body, flags),
        "MeetingResponse" => cmd_meeting::handle(sim, req, body, flags),
        "Search" => cmd_search::handle(sim, req, body),
        "Find" => cmd_find::handle(sim, req, body),
        other => Reply::Http(
            StatusCode::NOT_IMPLEMENTED,
            format!("the simulator does not implement {other}"),
        ),
    }
}

/// The credentials: Basic (or the password as a bearer token), or with [`super::SimConfig::oauth`]
/// a bearer token of that IdP — HTTP 401 with `error="invalid_token"` for an expired, revoked
/// or unknown one, as Exchange Online answers. With `require_anchor_mailbox`, a request without
/// `DefaultAnchorMailbox` (cookie) or `X-AnchorMailbox` naming the user gets HTTP 400.
pub(crate) fn auth_gate(sim: &Sim, headers: &HeaderMap) -> Option<Response<Body>> {
    let refused = |challenge: &str| {
        sim.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        let mut r = text(StatusCode::UNAUTHORIZED, "unauthorized");
        r.headers_mut()
            .insert("WWW-Authenticate", challenge.parse().expect("ascii"));
        Some(r)
    };
    match &sim.config.oauth {
        None if !request::authorized(headers, &sim.config.user, &sim.config.password) => {
            return refused("Basic realm=\"easync-sim\"");
        }
        None => {}
        Some(idp) => {
            use super::idp::TokenCheck;
            let why = match request::bearer(headers).map(|t| idp.check(t)) {
                Some(TokenCheck::Valid) => None,
                Some(TokenCheck::Expired) => Some("The access token has expired"),
                Some(TokenCheck::Revoked) => Some("The access token has been revoked"),
                _ => Some("The access token is missing or invalid"),
            };
            if let Some(why) = why {
                return refused(&format!(
                    "Bearer error=\"invalid_token\", error_description=\"{why}\""
                ));
            }
        }
    }
    if sim.config.require_anchor_mailbox && !request::anchored(headers, &sim.config.user) {
        return Some(text(
            StatusCode::BAD_REQUEST,
            "this mailbox needs the DefaultAnchorMailbox cookie (or X-AnchorMailbox) naming it",
        ));
    }
    None
}

/// Commands other than Provision need the device's current policy key: HTTP 449 on 12.x (or
/// when forced), else Status 142 (no key sent) or 144 (a stale key) in-band.
fn policy_gate(sim: &Sim, req: &Request, force_449: bool) -> Option<Response<Body>> {
    if !sim.config.require_provisioning || req.command == "Provision" {
        return None;
    }
    let current = sim.device(&req.device_id, |d| d.policy_key);
    if current.is_some() && current == req.policy_key && !force_449 {
        return None;
    }
    if force_449 || req.version.starts_with("12.") {
        return Some(text(StatusCode::from_u16(449).expect("valid"), ""));
    }
    let code = if req.policy_key.is_some_and(|k| k != 0) {
        144
    } else {
        142
    };
    Some(wbxml(status_body(&req.command, code)))
}

/// With `verify_responses`, a response must decode and re-encode to the same bytes.
pub(crate) fn verify(sim: &Sim, bytes: &[u8]) -> Result<(), String> {
    if !sim.config.verify_responses {
        return Ok(());
    }
    let again = Element::decode(bytes)
        .map_err(|e| e.to_string())
        .and_then(|t| t.encode().map_err(|e| e.to_string()));
    match again {
        Ok(b) if b == bytes => {
            sim.stats.verified.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Ok(_) => {
            sim.stats.verify_failures.fetch_add(1, Ordering::Relaxed);
            Err("simulator bug: a response did not re-encode to the same bytes".into())
        }
        Err(e) => {
            sim.stats.verify_failures.fetch_add(1, Ordering::Relaxed);
            Err(format!("simulator bug: a response does not decode: {e}"))
        }
    }
}

/// Every request goes to [`handle`]; bodies above `max_request_bytes` are answered HTTP 413
/// before it (Exchange's `maxRequestLength`, see [`super::SimConfig::max_request_bytes`]).
fn app(sim: Arc<Sim>) -> axum::Router {
    let limit = axum::extract::DefaultBodyLimit::max(sim.config.max_request_bytes);
    axum::Router::new()
        .fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| handle(sim.clone(), m, u, h, b))
        .layer(limit)
}

/// Serves until the listener fails (the `easync sim serve` loop).
pub async fn serve(sim: Arc<Sim>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app(sim)).await
}

/// A simulator running on its own thread and runtime; stops when dropped.
pub struct Running {
    pub sim: Arc<Sim>,
    pub addr: SocketAddr,
    _server: Background,
}

impl Running {
    /// The EAS URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}/Microsoft-Server-ActiveSync", self.addr)
    }

    /// The admin endpoint (`POST` JSON, see [`admin`]).
    pub fn admin_url(&self) -> String {
        format!("http://{}/sim/admin", self.addr)
    }
}

/// A server on a thread with its own runtime; stopped (not gracefully: a Ping may hold its
/// request for minutes) when dropped.
pub(crate) struct Background {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves `app` on a free port of 127.0.0.1 (or `addr`) on a thread of its own.
pub(crate) fn background(
    app: axum::Router,
    addr: Option<SocketAddr>,
) -> std::io::Result<(SocketAddr, Background)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bind = addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let listener = rt.block_on(tokio::net::TcpListener::bind(bind))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("easync-sim".into())
        .spawn(move || {
            rt.block_on(async move {
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
            rt.shutdown_timeout(Duration::from_millis(100));
        })?;
    let server = Background {
        stop: Some(stop),
        thread: Some(thread),
    };
    Ok((addr, server))
}

/// Starts a simulator on a free port of 127.0.0.1 (or `addr`) on a thread of its own.
pub fn spawn_thread(sim: Arc<Sim>, addr: Option<SocketAddr>) -> std::io::Result<Running> {
    let (addr, server) = background(app(sim.clone()), addr)?;
    Ok(Running {
        sim,
        addr,
        _server: server,
    })
}
