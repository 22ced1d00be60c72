//! Autodiscover against a loopback server: POX with HTTP and address redirects, the v2 JSON
//! endpoint, and the failure report.

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
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
            "/v2/autodiscover/autodiscover.json/v1.0/{email}",
            get(|Path(email): Path<String>, uri: Uri| async move {
                let query = uri.query().unwrap_or_default().to_string();
                assert_eq!(query, "Protocol=ActiveSync");
                let body = format!(r#"{{"Protocol":"ActiveSync","Url":"{EAS}?user={email}"}}"#);
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

type Seen = std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>;

/// Another origin (another loopback port) that records each request's Authorization header:
/// `/open/…` answers, `/locked/…` answers 401 until credentials come.
async fn other_origin() -> (String, Seen) {
    let seen: Seen = Default::default();
    let log = seen.clone();
    let app = Router::new().fallback(post(move |uri: Uri, headers: HeaderMap| {
        let log = log.clone();
        async move {
            let auth = headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_string());
            log.lock().unwrap().push(auth.clone());
            if uri.path().starts_with("/locked") && auth.is_none() {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            pox_answer(&format!(
                "<Settings><Server><Type>MobileSync</Type><Url>{EAS}</Url></Server></Settings>"
            ))
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("127.0.0.1:{port}"), seen)
}

/// A server whose every POST is a 302 to `to`.
async fn redirector(to: String) -> String {
    let app = Router::new().fallback(post(move || {
        let to = to.clone();
        async move { (StatusCode::FOUND, [("Location", to)]).into_response() }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/autodiscover/autodiscover.xml")
}

#[tokio::test]
async fn redirect_to_other_origin_drops_credentials() {
    // A 302 to another origin was followed with the Authorization header: whoever the
    // candidate redirected to got the password.
    let (other, seen) = other_origin().await;
    let from = redirector(format!("http://{other}/open/autodiscover/autodiscover.xml")).await;
    let found = discover("bob@example.test", &auth(), &TlsOptions::default(), |_| {
        vec![Candidate::Pox(from.clone())]
    })
    .await
    .unwrap();
    assert_eq!(found.url, EAS);
    assert_eq!(
        *seen.lock().unwrap(),
        [None],
        "followed without credentials"
    );

    // The other origin asks for them: not sent, and the message says who asked.
    let (other, seen) = other_origin().await;
    let from = redirector(format!(
        "http://{other}/locked/autodiscover/autodiscover.xml"
    ))
    .await;
    let err = discover("bob@example.test", &auth(), &TlsOptions::default(), |_| {
        vec![Candidate::Pox(from.clone())]
    })
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("asks for the password") && msg.contains(&other),
        "{msg}"
    );
    assert!(msg.contains("set url"), "{msg}");
    assert_eq!(*seen.lock().unwrap(), [None]);

    // Within the address's own domain they are sent once asked for (here `localhost`).
    let (other, seen) = other_origin().await;
    let port = other.rsplit(':').next().unwrap();
    let from = redirector(format!(
        "http://localhost:{port}/locked/autodiscover/autodiscover.xml"
    ))
    .await;
    let found = discover("bob@localhost", &auth(), &TlsOptions::default(), |_| {
        vec![Candidate::Pox(from.clone())]
    })
    .await
    .unwrap();
    assert_eq!(found.url, EAS);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].is_none() && seen[1].as_deref().is_some_and(|a| a.starts_with("Basic ")));
}

#[tokio::test]
async fn discovered_http_url_refused() {
    // Autodiscover answering `http://…` (an attacker on the path, a misconfigured server) gave
    // a URL that was stored and then sent the password in the clear on every request.
    let app = Router::new().fallback(post(|| async {
        pox_answer(
            "<Settings><Server><Type>MobileSync</Type><Url>http://mail.example.test/Microsoft-Server-ActiveSync</Url></Server></Settings>",
        )
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let err = discover("bob@example.test", &auth(), &TlsOptions::default(), |_| {
        vec![Candidate::Pox(format!(
            "http://{addr}/autodiscover/autodiscover.xml"
        ))]
    })
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("refusing the discovered URL"), "{msg}");
    assert!(msg.contains("allow_insecure_http"), "{msg}");
    let lab = TlsOptions {
        allow_insecure_http: true,
        ..TlsOptions::default()
    };
    let found = discover("bob@example.test", &auth(), &lab, |_| {
        vec![Candidate::Pox(format!(
            "http://{addr}/autodiscover/autodiscover.xml"
        ))]
    })
    .await
    .unwrap();
    assert!(
        found.url.starts_with("http://mail.example.test/"),
        "the opt-in allows it"
    );
}

#[tokio::test]
async fn apex_candidate_is_https_only() {
    // The bare domain's web server (often a hosting company) got the POX request over plain
    // http; it is tried over https with a verified certificate only.
    let base = start().await;
    let host = base
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap()
        .to_string();
    let lab = TlsOptions {
        allow_insecure_http: true,
        insecure: true,
        ..TlsOptions::default()
    };
    let err = discover(&format!("bob@{host}"), &auth(), &lab, |_| {
        vec![Candidate::Pox(format!(
            "{base}/missing/autodiscover/autodiscover.xml"
        ))]
    })
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("https only"), "{msg}");
    assert!(!msg.contains("HTTP 404"), "never requested: {msg}");
}

/// A simulator on the test's runtime; its base URL and EAS URL.
async fn sim(config: easync::sim::SimConfig) -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(easync::sim::serve(easync::sim::Sim::new(config), listener));
    let base = format!("http://{addr}");
    let eas = format!("{base}/Microsoft-Server-ActiveSync");
    (base, eas)
}

fn sim_auth() -> Auth {
    Auth::Basic {
        user: "demo@easync.test".into(),
        password: Secret::new("demo"),
    }
}

#[tokio::test]
async fn v2_path_form_against_the_simulator() {
    // Autodiscover v2 as Microsoft 365 serves it: /autodiscover.json/v1.0/{email}?Protocol=…
    let (base, eas) = sim(Default::default()).await;
    let found = discover(
        "demo@easync.test",
        &sim_auth(),
        &TlsOptions::default(),
        |_| vec![Candidate::V2(base.clone())],
    )
    .await
    .unwrap();
    assert_eq!(found.url, eas);
}

#[tokio::test]
async fn v2_invalid_protocol_leads_to_the_pox_endpoint() {
    // An endpoint with no ActiveSync URL for the address answers 400 InvalidProtocol: easync
    // asks for its AutodiscoverV1 (POX) endpoint and finds the URL there, with credentials.
    let config = easync::sim::SimConfig {
        v2_invalid_protocol: true,
        ..Default::default()
    };
    let (base, eas) = sim(config).await;
    let found = discover(
        "demo@easync.test",
        &sim_auth(),
        &TlsOptions::default(),
        |_| vec![Candidate::V2(base.clone())],
    )
    .await
    .unwrap();
    assert_eq!(found.url, eas);
    let wrong = Auth::Basic {
        user: "demo@easync.test".into(),
        password: Secret::new("wrong"),
    };
    let err = discover("demo@easync.test", &wrong, &TlsOptions::default(), |_| {
        vec![Candidate::V2(base.clone())]
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("HTTP 401"), "{err}");
}
