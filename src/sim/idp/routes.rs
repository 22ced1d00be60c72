//! The IdP's HTTP side (axum): the v2 endpoints under `/{tenant}/oauth2/v2.0/` and the page
//! where the "user" approves a device code.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::routing::{get, post};
use serde_json::Value;

use super::Idp;
use super::grants::{Authorized, Params, error_body};

pub(super) fn app(idp: Arc<Idp>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device_code))
        .route("/devicelogin", get(device_login))
        .with_state(idp)
}

fn params(text: &str) -> Params {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn respond(status: u16, content_type: &str, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let h = r.headers_mut();
    h.insert("Content-Type", content_type.parse().expect("static"));
    h.insert("Cache-Control", "no-store".parse().expect("static"));
    r
}

fn json(result: Result<Value, super::faults::Refusal>) -> Response<Body> {
    let (status, body) = match result {
        Ok(v) => (200, v),
        Err(r) => error_body(r),
    };
    respond(status, "application/json; charset=utf-8", body.to_string())
}

/// `common`, `organizations`, `consumers`, a tenant id or a domain.
fn known_tenant(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

fn bad_tenant(tenant: &str) -> Response<Body> {
    json(Err((
        400,
        "invalid_request",
        90002,
        if tenant.is_empty() {
            "Tenant not found."
        } else {
            "Tenant not found: check the tenant name."
        },
    )))
}

async fn authorize(
    State(idp): State<Arc<Idp>>,
    Path(tenant): Path<String>,
    uri: Uri,
) -> Response<Body> {
    idp.seen_tenant(&tenant);
    if !known_tenant(&tenant) {
        return bad_tenant(&tenant);
    }
    match idp.authorize(&params(uri.query().unwrap_or(""))) {
        Authorized::Redirect(to) => {
            let mut r = respond(302, "text/html", String::new());
            if let Ok(v) = to.parse() {
                r.headers_mut().insert("Location", v);
            }
            r
        }
        Authorized::Page(status, text) => respond(
            status,
            "text/html; charset=utf-8",
            format!("<html><body><p>{text}</p></body></html>"),
        ),
    }
}

async fn token(
    State(idp): State<Arc<Idp>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response<Body> {
    idp.seen_tenant(&tenant);
    if !known_tenant(&tenant) {
        return bad_tenant(&tenant);
    }
    json(idp.token(&params(&String::from_utf8_lossy(&body))))
}

async fn device_code(
    State(idp): State<Arc<Idp>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    idp.seen_tenant(&tenant);
    if !known_tenant(&tenant) {
        return bad_tenant(&tenant);
    }
    let host = headers
        .get("Host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    json(idp.device_code(&params(&String::from_utf8_lossy(&body)), host))
}

/// `?user_code=CODE` approves the code; `&decline=1` declines it.
async fn device_login(State(idp): State<Arc<Idp>>, uri: Uri) -> Response<Body> {
    let q = params(uri.query().unwrap_or(""));
    let code = q.get("user_code").map_or("", String::as_str);
    let done = if q.contains_key("decline") {
        idp.decline(code)
    } else {
        idp.approve(code)
    };
    if done {
        respond(
            200,
            "text/html",
            "<html><body><p>You may now close this window.</p></body></html>".into(),
        )
    } else {
        respond(
            404,
            "text/html",
            "<html><body><p>That code is not valid.</p></body></html>".into(),
        )
    }
}
