//! CalDAV (RFC 4791) and CardDAV (RFC 6352) over the mirror: one collection per Calendar,
//! Tasks and Contacts folder, its events, tasks and contacts as iCalendar and vCard 3.0
//! resources written from the store (the exports' writers, [`crate::export::file_text`]).
//! What a client writes (PUT, DELETE) goes into the journal of local changes
//! ([`crate::sync::local::record`], origin `dav`) in one transaction, shows at once, as written,
//! and reaches the server with the next sync; a new resource keeps its href once the server
//! gave it a ServerId (table `dav_resources`, docs/schema.md). RFC 6578 sync-collection tokens
//! are change numbers of that table, valid across restarts.
//!
//! [`router`] is what `easync serve` mounts; [`path`] is the URL layout.

mod filter;
pub mod path;
mod props;
mod report;
mod write;
pub mod xml;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;

use super::auth::LocalAuth;
use crate::store::Store;
use path::Target;

/// What the DAV side serves: each account's name and database, and who may sign in.
#[derive(Clone)]
pub struct DavState {
    pub accounts: Vec<(String, PathBuf)>,
    pub auth: LocalAuth,
}

/// The state shared by every request.
struct Shared {
    state: DavState,
    /// PUT and DELETE one at a time: a precondition checked stays true until the change is
    /// recorded.
    writes: Mutex<()>,
}

/// The DAV side, answering at `/.well-known/caldav`, `/.well-known/carddav` and under
/// `/dav/` (see [`path`]); HTTP Basic authentication with the local password (RFC 7617).
pub fn router(state: DavState) -> axum::Router {
    let shared = Arc::new(Shared {
        state,
        writes: Mutex::new(()),
    });
    axum::Router::new()
        .fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| {
            let shared = shared.clone();
            async move {
                tokio::task::spawn_blocking(move || serve(&shared, &m, &u, &h, b))
                    .await
                    .unwrap_or_else(|e| text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
            }
        })
        .layer(axum::extract::DefaultBodyLimit::max(32 << 20))
}

/// Why a request cannot be answered as asked: its status and, in words, why.
#[derive(Debug)]
pub(crate) struct DavError {
    status: StatusCode,
    why: String,
    /// The precondition or postcondition element it names (RFC 4918 section 16), with its
    /// namespace.
    condition: Option<(&'static str, &'static str)>,
}

impl DavError {
    pub fn new(status: StatusCode, why: impl Into<String>) -> Self {
        Self {
            status,
            why: why.into(),
            condition: None,
        }
    }

    /// A failed precondition (RFC 4918 section 16): answered as `DAV:error` with the element.
    pub fn condition(
        status: StatusCode,
        ns: &'static str,
        name: &'static str,
        why: String,
    ) -> Self {
        Self {
            status,
            why,
            condition: Some((ns, name)),
        }
    }

    fn answer(self) -> Response {
        match self.condition {
            Some((ns, name)) => precondition(self.status, ns, name, &self.why),
            None => text(self.status, &self.why),
        }
    }
}

impl From<crate::store::StoreError> for DavError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

pub(crate) type Answer = Result<Response, DavError>;

/// One request: the signed-in account, its database, what it asks.
pub(crate) struct Request<'a> {
    pub account: &'a str,
    pub db: &'a std::path::Path,
    pub target: Target,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

impl Request<'_> {
    /// The account's store, brought up to date with the mirror and the journal.
    pub fn store(&self) -> Result<Store, DavError> {
        if !self.db.exists() {
            return Err(DavError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "account {} has no database yet ({}): run easync sync first",
                    self.account,
                    self.db.display()
                ),
            ));
        }
        let mut db = Store::open(self.db)?;
        db.dav_refresh()?;
        Ok(db)
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Depth header (RFC 4918 section 10.2): 0 or 1; infinity is answered as 1.
    pub fn depth(&self, default: u8) -> u8 {
        match self.headers.get("depth").and_then(|v| v.to_str().ok()) {
            Some("0") => 0,
            Some(_) => 1,
            None => default,
        }
    }

    pub fn body_text(&self) -> Result<&str, DavError> {
        std::str::from_utf8(&self.body)
            .map_err(|_| DavError::new(StatusCode::BAD_REQUEST, "the body is not UTF-8"))
    }
}

fn serve(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let Some(target) = path::parse(uri.path()) else {
        return text(
            StatusCode::NOT_FOUND,
            "nothing here: CalDAV and CardDAV live under /dav/",
        );
    };
    if target == Target::WellKnown {
        // RFC 6764 section 5: the context path, where current-user-principal is asked.
        return redirect("/dav/");
    }
    if method == Method::OPTIONS {
        return options();
    }
    let Some(account) = signed_in(&shared.state.auth, headers) else {
        return unauthorized();
    };
    if target.account().is_some_and(|a| a != account) {
        return text(
            StatusCode::FORBIDDEN,
            &format!("signed in as {account}: this path is another account's"),
        );
    }
    let Some((_, db)) = shared.state.accounts.iter().find(|(n, _)| n == account) else {
        return text(
            StatusCode::FORBIDDEN,
            &format!("account {account} is not served"),
        );
    };
    let req = Request {
        account,
        db,
        target,
        headers,
        body,
    };
    let answer = match method.as_str() {
        "PROPFIND" => props::propfind(&req),
        "REPORT" => report::report(&req),
        "GET" | "HEAD" => write::get(&req),
        "PUT" | "DELETE" => {
            let _one = shared.writes.lock().unwrap_or_else(|p| p.into_inner());
            if method == Method::PUT {
                write::put(&req)
            } else {
                write::delete(&req)
            }
        }
        other => Err(DavError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{other} is not supported here (collections are the server's folders)"),
        )),
    };
    answer.unwrap_or_else(DavError::answer)
}

/// The account the Authorization header signs in to (RFC 7617), when its password is the
/// local one.
fn signed_in<'a>(auth: &'a LocalAuth, headers: &HeaderMap) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, creds) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(creds.trim())
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (user, password) = raw.split_once(':')?;
    auth.check(user, password)
}

const ALLOW: &str = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT";

fn options() -> Response {
    let mut r = text(StatusCode::OK, "");
    let h = r.headers_mut();
    h.insert(header::ALLOW, HeaderValue::from_static(ALLOW));
    h.insert(
        "dav",
        HeaderValue::from_static("1, 3, calendar-access, addressbook"),
    );
    r
}

fn unauthorized() -> Response {
    let mut r = text(
        StatusCode::UNAUTHORIZED,
        "sign in with the account's name (or address) and the local password of easync serve \
         (easync serve --show-password), never the Exchange one",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"easync\", charset=\"UTF-8\""),
    );
    r
}

fn redirect(to: &'static str) -> Response {
    let mut r = text(StatusCode::MOVED_PERMANENTLY, "");
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    r
}

/// A plain-text answer (errors say why in their body).
pub(crate) fn text(status: StatusCode, body: &str) -> Response {
    let mut r = Response::new(Body::from(if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    }));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// A 207 Multi-Status answer.
pub(crate) fn multistatus(body: String) -> Response {
    xml_answer(StatusCode::MULTI_STATUS, body)
}

pub(crate) fn xml_answer(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    r
}

/// A precondition failed, as RFC 4918 section 16 writes it (`DAV:error` with the element).
pub(crate) fn precondition(status: StatusCode, ns: &str, name: &str, why: &str) -> Response {
    xml_answer(
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" \
             xmlns:x=\"{}\"><x:{name}/><d:responsedescription>{}</d:responsedescription>\
             </d:error>\n",
            xml::escape(ns),
            xml::escape(why)
        ),
    )
}
