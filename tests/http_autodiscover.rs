//! Autodiscover against a loopback server: POX with HTTP and address redirects, the v2 JSON
//! endpoint, and the failure report.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use easync::http::autodiscover::{Candidate, discover};
use easync::http::{Auth, HttpError, Secret, TlsOptions};

const EAS: &str = "https://mail.example.test/Microsoft-Server-ActiveSync";

fn pox_answer(inner: &str) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\"><Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006\"><Action>{inner}</Action></Response></Autodiscover>"
    );
    ([("Content-Type", "text/xml")], xml).into_response()
}

async fn start() -> String {
    let app = Router::new()
        .route(
            "/missing/autodiscover/autodiscover.xml",
            post(|| async { StatusCode::NOT_FOUND }),
        )
        .route(
            "/redirecting/autodiscover/autodiscover.xml",
            post(|body: Bytes| async move {
                let body = String::from_utf8_lossy(&body).to_string();
                if body.contains("bob@old.test") {
                    pox_answer("<Redirect>bob@new.test</Redirect>")
                } else {
                    (
                        StatusCode::FOUND,
                        [("Location", "/final/autodiscover/autodiscover.xml")],
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/final/autodiscover/autodiscover.xml",
            post(|headers: HeaderMap, body: Bytes| async move {
                assert!(
                    headers.get("authorization").is_some(),
                    "POX is authenticated"
                );
                assert!(
                    String::from_utf8_lossy(&body)
                        .contains("<EMailAddress>bob@new.test</EMailAddress>")
                );
                pox_answer(&format!(
                    "<Settings><Server><Type>MobileSync</Type><Url>{EAS}</Url></Server></Settings>"
                ))
            }),
        )
        .route(
            "/loop/autodiscover/autodiscover.xml",
            post(|body: Bytes| async move {
                let to = if String::from_utf8_lossy(&body).contains("a@loop.test") {
                    "b@loop.test"
                } else {
                    "a@loop.test"
                };
                pox_answer(&format!("<Redirect>{to}</Redirect>"))
            }),
        )
        .route(
            "/v2/autodiscover/autodiscover.json",
            get(|uri: Uri| async move {
                let query = uri.query().unwrap_or_default().to_string();
                let param = |k: &str| {
                    query
                        .split('&')
                        .find_map(|p| p.strip_prefix(&format!("{k}=")))
                        .map(|v| v.replace("%40", "@"))
                };
                assert_eq!(param("Protocol").as_deref(), Some("ActiveSync"));
                let body = format!(
                    r#"{{"Protocol":"ActiveSync","Url":"{EAS}?user={}"}}"#,
                    param("Email").unwrap()
                );
                ([("Content-Type", "application/json")], body)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn auth() -> Auth {
    Auth::Basic {
        user: "bob".into(),
        password: Secret::new("secret"),
    }
}

#[tokio::test]
async fn pox_follows_http_and_address_redirects() {
    let base = start().await;
    let found = discover("bob@old.test", &auth(), &TlsOptions::default(), |_| {
        vec![
            Candidate::Pox(format!("{base}/missing/autodiscover/autodiscover.xml")),
            Candidate::Pox(format!("{base}/redirecting/autodiscover/autodiscover.xml")),
        ]
    })
    .await
    .unwrap();
    assert_eq!(found.url, EAS);
    assert_eq!(found.email, "bob@new.test");
}

#[tokio::test]
async fn v2_json_when_pox_fails() {
    let base = start().await;
    let found = discover("bob@example.test", &auth(), &TlsOptions::default(), |_| {
        vec![
            Candidate::Pox(format!("{base}/missing/autodiscover/autodiscover.xml")),
            Candidate::V2(format!("{base}/v2")),
        ]
    })
    .await
    .unwrap();
    assert_eq!(found.url, format!("{EAS}?user=bob@example.test"));
}

#[tokio::test]
async fn failures_and_loops_are_reported_with_what_was_tried() {
    let base = start().await;
    let err = discover("a@loop.test", &auth(), &TlsOptions::default(), |_| {
        vec![
            Candidate::Pox(format!("{base}/missing/autodiscover/autodiscover.xml")),
            Candidate::Pox(format!("{base}/loop/autodiscover/autodiscover.xml")),
        ]
    })
    .await
    .unwrap_err();
    let HttpError::Config(msg) = err else {
        panic!("{err:?}")
    };
    assert!(msg.contains("HTTP 404"), "{msg}");
    assert!(msg.contains("redirect loop"), "{msg}");
    assert!(msg.contains("set the server URL"), "{msg}");
    assert!(!msg.contains("secret"));
}
