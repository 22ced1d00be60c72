//! Autodiscover on the simulator's port, for discovery tests without the internet:
//!
//! - `GET /autodiscover/autodiscover.json/v1.0/{email}?Protocol=ActiveSync` (v2, no
//!   credentials): `{"Protocol":"ActiveSync","Url":…}`; `Protocol=AutodiscoverV1` names the POX
//!   endpoint; any other protocol — and ActiveSync too with
//!   [`super::SimConfig::v2_invalid_protocol`], as Exchange Online answers for a mailbox it
//!   serves no ActiveSync URL for — gets HTTP 400 `{"ErrorCode":"InvalidProtocol",…}`;
//! - `POST /autodiscover/autodiscover.xml` (POX, MS-ASCMD 2.2.1.1, with the account's
//!   credentials): the MobileSync URL.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use serde_json::json;

use super::Sim;
use super::server::text;

fn json_reply(status: StatusCode, v: serde_json::Value) -> Response<Body> {
    let mut r = text(status, v.to_string());
    r.headers_mut()
        .insert("Content-Type", "application/json".parse().expect("static"));
    r
}

/// Answers a request under `/autodiscover/`.
pub(crate) fn handle(sim: &Sim, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response<Body> {
    let host = headers
        .get("Host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let path = uri.path();
    if method == Method::GET && path.starts_with("/autodiscover/autodiscover.json/v1.0/") {
        let protocol = uri
            .query()
            .unwrap_or("")
            .split('&')
            .find_map(|p| p.strip_prefix("Protocol="))
            .unwrap_or("");
        return v2(sim, host, protocol);
    }
    if method == Method::POST && path.eq_ignore_ascii_case("/autodiscover/autodiscover.xml") {
        if let Some(refused) = super::server::auth_gate(sim, headers) {
            return refused;
        }
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\"><Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006\"><Action><Settings><Server><Type>MobileSync</Type><Url>http://{host}/Microsoft-Server-ActiveSync</Url></Server></Settings></Action></Response></Autodiscover>"
        );
        let mut r = text(StatusCode::OK, xml);
        r.headers_mut()
            .insert("Content-Type", "text/xml".parse().expect("static"));
        return r;
    }
    text(StatusCode::NOT_FOUND, "no such Autodiscover endpoint")
}

fn v2(sim: &Sim, host: &str, protocol: &str) -> Response<Body> {
    let url = match protocol {
        "ActiveSync" if !sim.config.v2_invalid_protocol => {
            format!("http://{host}/Microsoft-Server-ActiveSync")
        }
        "AutodiscoverV1" => format!("http://{host}/autodiscover/autodiscover.xml"),
        other => {
            let offered = if sim.config.v2_invalid_protocol {
                "Rest,Ews,AutodiscoverV1"
            } else {
                "Rest,ActiveSync,Ews,AutodiscoverV1"
            };
            return json_reply(
                StatusCode::BAD_REQUEST,
                json!({"ErrorCode": "InvalidProtocol", "ErrorMessage": format!(
                    "The given protocol value '{}' is invalid. Supported values are '{offered}'.",
                    other.chars().take(40).collect::<String>()
                )}),
            );
        }
    };
    json_reply(StatusCode::OK, json!({"Protocol": protocol, "Url": url}))
}
