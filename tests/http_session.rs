//! The HTTP session against a scripted server on 127.0.0.1 in the test process: negotiation,
//! provisioning (449 and in-band), 451 redirects and loops, auth errors, throttling, HTML with
//! HTTP 200, empty bodies, gzip, timeouts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use easync::http::{Auth, HttpError, Secret, Session, SessionConfig};
use easync::proto::foldersync::{FolderSync, FolderSyncStatus};
use easync::proto::sync::{Sync, SyncCollection};
use easync::proto::{CollectionId, DeviceId, PolicyKey, ProtocolVersion, SyncKey};

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

type Script = Arc<dyn Fn(&Seen, usize) -> Response<Body> + Send + std::marker::Sync>;

struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves `script` (called with each request and its index) on a free loopback port.
async fn serve(
    script: impl Fn(&Seen, usize) -> Response<Body> + Send + std::marker::Sync + 'static,
) -> Server {
    let script: Script = Arc::new(script);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let script = script.clone();
            let log = log.clone();
            async move {
                let req = Seen {
                    method,
                    uri,
                    headers,
                    body,
                };
                let n = {
                    let mut l = log.lock().unwrap();
                    l.push(req.clone());
                    l.len() - 1
                };
                if req.uri.path().ends_with("/slow") {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
                script(&req, n)
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        url: format!("http://{addr}/Microsoft-Server-ActiveSync"),
        seen,
    }
}

fn capture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/sogo/captures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn reply(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> Response<Body> {
    let mut b = Response::builder().status(StatusCode::from_u16(status).unwrap());
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::from(body)).unwrap()
}

fn wbxml_ok(body: Vec<u8>) -> Response<Body> {
    reply(
        200,
        &[("Content-Type", "application/vnd.ms-sync.wbxml")],
        body,
    )
}

fn config(url: &str) -> SessionConfig {
    let mut c = SessionConfig::new(
        url,
        "bob@example.test",
        "TESTDEV1".parse::<DeviceId>().unwrap(),
        Auth::Basic {
            user: "bob@example.test".into(),
            password: Secret::new("pässword"),
        },
    );
    c.version = Some(ProtocolVersion::V14_1);
    c.anchor_mailbox = Some("bob@example.test".into());
    c.timeout = Duration::from_secs(10);
    c
}

fn foldersync() -> FolderSync {
    FolderSync {
        sync_key: SyncKey::initial(),
    }
}

/// A FolderSync response carrying only `<Status>N</Status>`.
fn foldersync_status(code: &str) -> Vec<u8> {
    let mut v = vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x4C, 0x03];
    v.extend_from_slice(code.as_bytes());
    v.extend_from_slice(&[0x00, 0x01, 0x01]);
    v
}

/// A Provision response with policy status 1 and this key.
fn provision_response(key: &str) -> Vec<u8> {
    use wbxml::tags::provision as pv;
    wbxml::Element::new(pv::PROVISION)
        .with(wbxml::Element::new(pv::STATUS).with_text("1"))
        .with(
            wbxml::Element::new(pv::POLICIES).with(
                wbxml::Element::new(pv::POLICY)
                    .with(
                        wbxml::Element::new(pv::POLICY_TYPE).with_text("MS-EAS-Provisioning-WBXML"),
                    )
                    .with(wbxml::Element::new(pv::STATUS).with_text("1"))
                    .with(wbxml::Element::new(pv::POLICY_KEY).with_text(key)),
            ),
        )
        .encode()
        .unwrap()
}

fn cmd(seen: &Seen) -> String {
    let q = seen.uri.query().unwrap_or("");
    q.split('&')
        .find_map(|p| p.strip_prefix("Cmd="))
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn negotiates_the_highest_mutual_version_and_sends_the_right_request() {
    let server = serve(|req, _| match req.method {
        Method::OPTIONS => Response::builder()
            .header("MS-ASProtocolVersions", "2.5,12.0,12.1")
            .header("MS-ASProtocolVersions", "14.0,14.1,16.0,16.1")
            .header("MS-ASProtocolCommands", "Sync,FolderSync")
            .header("MS-ASProtocolCommands", "Ping")
            .body(Body::empty())
            .unwrap(),
        _ => wbxml_ok(capture("05-foldersync-0.resp.wbxml")),
    })
    .await;
    let mut c = config(&server.url);
    c.version = None;
    let mut session = Session::connect(c).await.unwrap();
    assert_eq!(session.version(), ProtocolVersion::V16_1);
    let opts = session.options().await.unwrap();
    assert!(opts.commands.contains("Ping") && opts.commands.contains("FolderSync"));
    let resp = session.execute(&foldersync()).await.unwrap();
    assert_eq!(resp.status, FolderSyncStatus::Success);

    let post = &server.requests()[2];
    assert_eq!(post.method, Method::POST);
    assert_eq!(
        post.uri.query(),
        Some("Cmd=FolderSync&User=bob%40example.test&DeviceId=TESTDEV1&DeviceType=easync")
    );
    let h = |n: &str| post.headers.get(n).unwrap().to_str().unwrap().to_string();
    assert_eq!(h("MS-ASProtocolVersion"), "16.1");
    assert_eq!(h("Content-Type"), "application/vnd.ms-sync.wbxml");
    assert!(h("User-Agent").starts_with("easync/"));
    assert_eq!(h("Cookie"), "DefaultAnchorMailbox=bob@example.test");
    // Basic with UTF-8: base64("bob@example.test:pässword").
    assert_eq!(
        h("Authorization"),
        "Basic Ym9iQGV4YW1wbGUudGVzdDpww6Rzc3dvcmQ="
    );
    assert!(
        post.headers.get("X-MS-PolicyKey").is_none(),
        "no key before provisioning"
    );
    assert_eq!(&post.body[..], &capture("05-foldersync-0.req.wbxml")[..]);
}

#[tokio::test]
async fn no_common_version() {
    let server = serve(|_, _| reply(200, &[("MS-ASProtocolVersions", "2.5,12.0")], vec![])).await;
    let mut c = config(&server.url);
    c.version = None;
    let err = Session::connect(c).await.unwrap_err();
    assert!(matches!(err, HttpError::NoCommonVersion { .. }), "{err}");
}

#[tokio::test]
async fn http_449_provisions_then_retries_with_the_final_key() {
    let server = serve(
        |req, _| match (cmd(req).as_str(), req.headers.get("X-MS-PolicyKey")) {
            ("FolderSync", Some(k)) if k == "222" => {
                wbxml_ok(capture("05-foldersync-0.resp.wbxml"))
            }
            ("FolderSync", _) => reply(449, &[], vec![]),
            ("Provision", None) => wbxml_ok(provision_response("111")),
            ("Provision", Some(k)) if k == "111" => wbxml_ok(provision_response("222")),
            other => panic!("unexpected {other:?}"),
        },
    )
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    let resp = session.execute(&foldersync()).await.unwrap();
    assert_eq!(resp.status, FolderSyncStatus::Success);
    assert_eq!(session.policy_key(), Some(PolicyKey(222)));
    let cmds: Vec<String> = server.requests().iter().map(cmd).collect();
    assert_eq!(cmds, ["FolderSync", "Provision", "Provision", "FolderSync"]);
    // Phase 1 describes the device (14.1+); phase 2 acknowledges the temporary key.
    let requests = server.requests();
    let phase1 = wbxml::Element::decode(&requests[1].body).unwrap();
    assert!(phase1.child(18, "DeviceInformation").is_some());
    let phase2 = easync::http::wirelog::render(&server.requests()[2].body);
    assert!(phase2.contains("<PolicyKey>111</PolicyKey>"), "{phase2}");
}

#[tokio::test]
async fn in_band_142_provisions_once_then_reports() {
    let server = serve(|req, n| match cmd(req).as_str() {
        "Provision" => wbxml_ok(provision_response("7")),
        _ if n == 0 => wbxml_ok(foldersync_status("142")),
        _ => wbxml_ok(foldersync_status("144")),
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::Provisioning { .. }), "{err}");
    assert!(err.to_string().contains("144"), "{err}");
    let cmds: Vec<String> = server.requests().iter().map(cmd).collect();
    assert_eq!(
        cmds,
        ["FolderSync", "Provision", "Provision", "FolderSync"],
        "one re-provision"
    );
}

#[tokio::test]
async fn remote_wipe_is_reported_not_acted_on() {
    use wbxml::tags::provision as pv;
    let wipe = wbxml::Element::new(pv::PROVISION)
        .with(wbxml::Element::new(pv::STATUS).with_text("1"))
        .with(wbxml::Element::new(pv::REMOTE_WIPE))
        .encode()
        .unwrap();
    let server = serve(move |req, _| match cmd(req).as_str() {
        "Provision" => wbxml_ok(wipe.clone()),
        _ => reply(449, &[], vec![]),
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::RemoteWipeRequested), "{err}");
    assert!(err.needs_attention());
}

#[tokio::test]
async fn redirect_451_moves_the_session_and_loops_are_caught() {
    let server = serve(|req, _| {
        let path = req.uri.path().to_string();
        let host = req
            .headers
            .get("host")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        match path.as_str() {
            "/Microsoft-Server-ActiveSync" => reply(
                451,
                &[(
                    "X-MS-Location",
                    &format!("http://{host}/new/Microsoft-Server-ActiveSync?Cmd=FolderSync"),
                )],
                vec![],
            ),
            "/new/Microsoft-Server-ActiveSync" => wbxml_ok(capture("05-foldersync-0.resp.wbxml")),
            "/loop-a" => reply(
                451,
                &[("X-MS-Location", &format!("http://{host}/loop-b"))],
                vec![],
            ),
            "/loop-b" => reply(
                451,
                &[("X-MS-Location", &format!("http://{host}/loop-a"))],
                vec![],
            ),
            _ => reply(451, &[], vec![]),
        }
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    session.execute(&foldersync()).await.unwrap();
    assert!(
        session.url().ends_with("/new/Microsoft-Server-ActiveSync"),
        "{}",
        session.url()
    );

    let base = server.url.trim_end_matches("/Microsoft-Server-ActiveSync");
    let mut looping = Session::connect(config(&format!("{base}/loop-a")))
        .await
        .unwrap();
    let err = looping.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::RedirectLoop { .. }), "{err}");

    let mut bare = Session::connect(config(&format!("{base}/no-location")))
        .await
        .unwrap();
    let err = bare.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::RedirectWithoutLocation), "{err}");
}

#[tokio::test]
async fn x_ms_location_http_refused() {
    // A 451 to plain http on another machine was followed with the credentials, and the URL
    // persisted for every later run.
    let server = serve(|req, _| match req.uri.path() {
        "/Microsoft-Server-ActiveSync" => reply(
            451,
            &[(
                "X-MS-Location",
                "http://mail.example.test/Microsoft-Server-ActiveSync?Cmd=FolderSync",
            )],
            vec![],
        ),
        _ => wbxml_ok(capture("05-foldersync-0.resp.wbxml")),
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::InsecureUrl { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("http://mail.example.test/Microsoft-Server-ActiveSync"),
        "{msg}"
    );
    assert!(msg.contains("allow_insecure_http"), "{msg}");
    assert!(!msg.contains("Cmd=") && !msg.contains("pässword"), "{msg}");
    assert_eq!(session.url(), server.url, "the refused URL is not kept");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn http_url_refused_for_non_loopback() {
    // The session itself refuses plain http to another machine (a URL stored by an older
    // version, or given through the library), before any request.
    let err = Session::connect(config(
        "http://mail.example.test/Microsoft-Server-ActiveSync",
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, HttpError::InsecureUrl { .. }), "{err:?}");
    // With the opt-in the session is built (and the request then fails: no such host).
    let mut c = config("http://mail.example.test/Microsoft-Server-ActiveSync");
    c.tls.allow_insecure_http = true;
    assert!(Session::connect(c).await.is_ok());
}

#[tokio::test]
async fn auth_and_account_errors() {
    let server = serve(|req, _| {
        let code = req
            .uri
            .path()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap_or(500);
        reply(code, &[], b"<html>nope</html>".to_vec())
    })
    .await;
    let base = server.url.trim_end_matches("/Microsoft-Server-ActiveSync");
    for (code, check) in [
        (
            401,
            (|e: &HttpError| matches!(e, HttpError::Unauthorized { .. })) as fn(&HttpError) -> bool,
        ),
        (403, |e| matches!(e, HttpError::Forbidden { .. })),
        (456, |e| matches!(e, HttpError::DeviceBlocked)),
        (457, |e| matches!(e, HttpError::PasswordExpired)),
        (500, |e| {
            matches!(e, HttpError::Status { status: 500, .. }) && e.is_temporary()
        }),
    ] {
        let mut s = Session::connect(config(&format!("{base}/{code}")))
            .await
            .unwrap();
        let err = s.execute(&foldersync()).await.unwrap_err();
        assert!(check(&err), "{code}: {err:?}");
    }
    let mut s = Session::connect(config(&format!("{base}/401")))
        .await
        .unwrap();
    let msg = s.execute(&foldersync()).await.unwrap_err().to_string();
    assert!(msg.contains("check the user name and password"), "{msg}");
    assert!(!msg.contains("pässword"), "no secret in messages");
}

#[tokio::test]
async fn throttling_carries_the_delay() {
    let server = serve(|req, _| match req.uri.path() {
        p if p.ends_with("/in-band") => wbxml_ok(foldersync_status("111")),
        _ => reply(
            503,
            &[
                ("Retry-After", "120"),
                ("X-MS-ASThrottle", "CommandFrequency"),
            ],
            vec![],
        ),
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    match session.execute(&foldersync()).await.unwrap_err() {
        HttpError::RetryAfter {
            delay,
            reason,
            stated,
        } => {
            assert!(stated, "the server named the delay");
            assert_eq!(delay, Duration::from_secs(120));
            assert!(reason.contains("CommandFrequency"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let base = server.url.trim_end_matches("/Microsoft-Server-ActiveSync");
    let mut s = Session::connect(config(&format!("{base}/in-band")))
        .await
        .unwrap();
    match s.execute(&foldersync()).await.unwrap_err() {
        HttpError::RetryAfter { delay, stated, .. } => {
            assert_eq!(delay, easync::http::DEFAULT_DELAY);
            assert!(!stated, "in-band 110/111 carry no delay");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn html_with_200_and_empty_bodies() {
    let server = serve(|req, _| match cmd(req).as_str() {
        "Sync" => reply(200, &[], vec![]),
        _ if req.uri.path().ends_with("/empty") => reply(200, &[], vec![]),
        _ => reply(
            200,
            &[("Content-Type", "text/html")],
            b"<html><body>Sign in</body></html>".to_vec(),
        ),
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::NotWbxml { .. }), "{err}");
    assert!(err.to_string().contains("text/html"), "{err}");

    let sync = Sync {
        collections: vec![SyncCollection::new(
            SyncKey::try_from("1").unwrap(),
            CollectionId::try_from("7").unwrap(),
            None,
        )],
        ..Sync::default()
    };
    let nothing = session.execute(&sync).await.unwrap();
    assert!(
        nothing.collections.is_empty(),
        "empty Sync body = no changes"
    );

    let base = server.url.trim_end_matches("/Microsoft-Server-ActiveSync");
    let mut s = Session::connect(config(&format!("{base}/empty")))
        .await
        .unwrap();
    let err = s.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::EmptyResponse { .. }), "{err}");
}

#[tokio::test]
async fn gzip_responses_are_decoded() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&capture("05-foldersync-0.resp.wbxml"))
        .unwrap();
    let compressed = gz.finish().unwrap();
    let server = serve(move |req, _| {
        assert!(
            req.headers
                .get("accept-encoding")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("gzip")
        );
        reply(
            200,
            &[
                ("Content-Encoding", "gzip"),
                ("Content-Type", "application/vnd.ms-sync.wbxml"),
            ],
            compressed.clone(),
        )
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    let resp = session.execute(&foldersync()).await.unwrap();
    assert_eq!(resp.changes.len(), 12);
}

#[tokio::test]
async fn slow_responses_time_out_with_the_command_named() {
    let server = serve(|_, _| wbxml_ok(capture("28-ping-idle.resp.wbxml"))).await;
    let base = server.url.trim_end_matches("/Microsoft-Server-ActiveSync");
    let mut session = Session::connect(config(&format!("{base}/slow")))
        .await
        .unwrap();
    let ping = easync::proto::ping::Ping::default();
    let err = session
        .execute_with_timeout(&ping, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Timeout {
                command: "Ping",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.is_temporary());
    let ok = session
        .execute_with_timeout(&ping, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(ok.status, easync::proto::ping::PingStatus::NoChanges);
}

#[tokio::test]
async fn network_errors_name_the_url() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/Microsoft-Server-ActiveSync",
        listener.local_addr().unwrap()
    );
    drop(listener);
    let mut session = Session::connect(config(&url)).await.unwrap();
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::Network { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
}

#[tokio::test]
async fn a_ping_may_outlast_the_command_timeout_by_its_heartbeat() {
    use easync::proto::HeartbeatInterval;
    use easync::proto::ping::{Ping, PingStatus};
    let server = serve(|req, _| match cmd(req).as_str() {
        "Ping" => wbxml_ok(capture("28-ping-idle.resp.wbxml")),
        _ => wbxml_ok(capture("05-foldersync-0.resp.wbxml")),
    })
    .await;
    let base = server.url.trim_end_matches("/Microsoft-Server-ActiveSync");
    let mut c = config(&format!("{base}/slow"));
    c.timeout = Duration::from_secs(1);
    let mut session = Session::connect(c).await.unwrap();
    // An ordinary command gives up after the configured second…
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::Timeout { .. }), "{err}");
    // …a Ping waits for its heartbeat plus the margin; the server answers after 3 s.
    let ping = Ping {
        heartbeat_interval: Some(HeartbeatInterval::within(5, 5, 300).unwrap()),
        folders: vec![],
    };
    assert_eq!(
        session.execute(&ping).await.unwrap().status,
        PingStatus::NoChanges
    );
}

#[tokio::test]
async fn bearer_tokens_come_from_the_token_source() {
    #[derive(Debug)]
    struct Fixed;
    impl easync::http::TokenSource for Fixed {
        fn token(&self) -> easync::http::TokenFuture<'_> {
            Box::pin(async { Ok(Secret::new("tok-123")) })
        }
    }
    let server = serve(|_, _| wbxml_ok(capture("05-foldersync-0.resp.wbxml"))).await;
    let mut c = config(&server.url);
    c.auth = Auth::Bearer(std::sync::Arc::new(Fixed));
    let mut session = Session::connect(c).await.unwrap();
    session.execute(&foldersync()).await.unwrap();
    let auth = server.requests()[0]
        .headers
        .get("Authorization")
        .unwrap()
        .clone();
    assert_eq!(auth, "Bearer tok-123");
}

#[tokio::test]
async fn base64_query_carries_version_and_policy_key() {
    let server = serve(|_, _| wbxml_ok(capture("05-foldersync-0.resp.wbxml"))).await;
    let mut c = config(&server.url);
    c.base64_query = true;
    c.policy_key = Some(PolicyKey(7));
    let mut session = Session::connect(c).await.unwrap();
    session.execute(&foldersync()).await.unwrap();
    let req = &server.requests()[0];
    let q = req.uri.query().unwrap();
    assert!(!q.contains("Cmd="), "{q}");
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(q).unwrap();
    assert_eq!(&bytes[..2], &[141, 9], "14.1, FolderSync");
    assert!(req.headers.get("MS-ASProtocolVersion").is_none());
    assert!(req.headers.get("X-MS-PolicyKey").is_none());
}

#[tokio::test]
async fn tls_options_are_checked_before_any_request() {
    let dir = std::env::temp_dir().join(format!("easync-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    for (path, says) in [
        (dir.join("missing.pem"), "cannot read the CA file"),
        (garbage, "holds no PEM certificate"),
    ] {
        let mut c = config("https://127.0.0.1:9/Microsoft-Server-ActiveSync");
        c.tls.extra_ca_file = Some(path);
        let err = Session::connect(c).await.unwrap_err();
        assert!(
            matches!(&err, HttpError::Config(m) if m.contains(says)),
            "{err}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn tls_verification_is_on_by_default() {
    // A plain-HTTP listener spoken to over https: the handshake fails, nothing is sent.
    let server = serve(|_, _| wbxml_ok(capture("05-foldersync-0.resp.wbxml"))).await;
    let url = server.url.replace("http://", "https://");
    let mut session = Session::connect(config(&url)).await.unwrap();
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(matches!(err, HttpError::Network { .. }), "{err}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn multipart_item_operations_through_the_session() {
    use easync::proto::itemoperations::{Fetch, ItemOperations};
    use wbxml::tags::{air_sync_base as asb, item_operations as io};
    let doc = wbxml::Element::new(io::ITEM_OPERATIONS)
        .with(wbxml::Element::new(io::STATUS).with_text("1"))
        .with(
            wbxml::Element::new(io::RESPONSE).with(
                wbxml::Element::new(io::FETCH)
                    .with(wbxml::Element::new(io::STATUS).with_text("1"))
                    .with(wbxml::Element::new(asb::FILE_REFERENCE).with_text("a1"))
                    .with(
                        wbxml::Element::new(io::PROPERTIES)
                            .with(wbxml::Element::new(io::PART).with_text("1")),
                    ),
            ),
        )
        .encode()
        .unwrap();
    let payload = b"\x89PNG raw bytes".to_vec();
    let mut body = 2i32.to_le_bytes().to_vec();
    for (offset, len) in [(20, doc.len()), (20 + doc.len(), payload.len())] {
        body.extend_from_slice(&(offset as i32).to_le_bytes());
        body.extend_from_slice(&(len as i32).to_le_bytes());
    }
    body.extend_from_slice(&doc);
    body.extend_from_slice(&payload);
    let server = serve(move |req, _| {
        assert_eq!(req.headers.get("MS-ASAcceptMultiPart").unwrap(), "T");
        reply(
            200,
            &[("Content-Type", "application/vnd.ms-sync.multipart")],
            body.clone(),
        )
    })
    .await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    let req = ItemOperations {
        fetches: vec![Fetch::attachment("a1")],
        multipart: true,
    };
    let resp = session.execute(&req).await.unwrap();
    assert_eq!(resp.fetches[0].data.as_deref(), Some(&payload[..]));
}

/// A raw server that drops the first `drop_first` connections after reading the request, then
/// answers every request with `body`; returns its URL and a connection counter.
async fn flaky_server(drop_first: usize, body: Vec<u8>) -> (String, Arc<Mutex<usize>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(Mutex::new(0usize));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let n = {
                let mut c = seen.lock().unwrap();
                *c += 1;
                *c
            };
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                if n <= drop_first {
                    return; // close without answering
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    (format!("http://{addr}/Microsoft-Server-ActiveSync"), count)
}

#[tokio::test]
async fn a_dropped_connection_is_retried_once_for_idempotent_commands_only() {
    let (url, connections) = flaky_server(1, capture("05-foldersync-0.resp.wbxml")).await;
    let mut session = Session::connect(config(&url)).await.unwrap();
    let resp = session.execute(&foldersync()).await.unwrap();
    assert_eq!(resp.status, FolderSyncStatus::Success);
    assert_eq!(
        *connections.lock().unwrap(),
        2,
        "retried on a fresh connection"
    );

    let (url, connections) = flaky_server(1, capture("39-foldercreate.resp.wbxml")).await;
    let mut session = Session::connect(config(&url)).await.unwrap();
    let create = easync::proto::folders::FolderCreate {
        sync_key: SyncKey::initial(),
        parent_id: CollectionId::try_from("0").unwrap(),
        display_name: "New".into(),
        folder_type: easync::proto::foldersync::FolderType::UserMail,
    };
    let err = session.execute(&create).await.unwrap_err();
    assert!(matches!(err, HttpError::Network { .. }), "{err}");
    assert_eq!(
        *connections.lock().unwrap(),
        1,
        "FolderCreate is never sent twice"
    );
}

#[tokio::test]
async fn the_wire_log_shows_bodies_as_xml_and_never_credentials() {
    use std::io::Write;
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Tests running in parallel without a subscriber may have cached "never" for the wire
    // log's callsites (which made this test fail now and then): ask them again.
    tracing::callsite::rebuild_interest_cache();
    let server = serve(|_, _| wbxml_ok(capture("05-foldersync-0.resp.wbxml"))).await;
    let mut session = Session::connect(config(&server.url)).await.unwrap();
    session.execute(&foldersync()).await.unwrap();
    let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("→ FolderSync"), "{log}");
    assert!(
        log.contains("<SyncKey>0</SyncKey>"),
        "request body as XML: {log}"
    );
    assert!(
        log.contains("<DisplayName>INBOX</DisplayName>"),
        "response body as XML"
    );
    assert!(
        !log.contains("pässword") && !log.contains("Basic "),
        "no credentials: {log}"
    );
}

/// Hands out `tok-1`, then after each 401 the next number; counts the invalidations.
#[derive(Debug, Default)]
struct Rotating(std::sync::atomic::AtomicU32);

impl easync::http::TokenSource for Rotating {
    fn token(&self) -> easync::http::TokenFuture<'_> {
        let n = self.0.load(std::sync::atomic::Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(Secret::new(format!("tok-{n}"))) })
    }

    fn invalidate(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_once() {
    // A refused bearer token ended the command: the next run fetched a new one. Now the token
    // is refreshed and the command sent once more — SendMail too, as the server ran nothing.
    let server = serve(|req, _| {
        let auth = req.headers.get("Authorization").unwrap().to_str().unwrap();
        if auth == "Bearer tok-2" && !req.uri.path().ends_with("/never") {
            wbxml_ok(capture("05-foldersync-0.resp.wbxml"))
        } else {
            reply(
                401,
                &[("WWW-Authenticate", "Bearer error=\"invalid_token\"")],
                vec![],
            )
        }
    })
    .await;
    let source = Arc::new(Rotating::default());
    let mut c = config(&server.url);
    c.auth = Auth::Bearer(source.clone());
    let mut session = Session::connect(c).await.unwrap();
    session.execute(&foldersync()).await.unwrap();
    assert_eq!(source.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "one retry");
    let anchor = seen[1].headers.get("X-AnchorMailbox").unwrap();
    assert_eq!(anchor, "bob@example.test", "with a bearer token");
    // A server that refuses every token: one retry, then the error says to sign in again.
    let never = server.url.replace("Microsoft-Server-ActiveSync", "never");
    let source = Arc::new(Rotating::default());
    let mut c = config(&never);
    c.auth = Auth::Bearer(source.clone());
    let mut session = Session::connect(c).await.unwrap();
    let before = server.requests().len();
    let err = session.execute(&foldersync()).await.unwrap_err();
    assert!(
        matches!(err, HttpError::Unauthorized { bearer: true, .. }),
        "{err:?}"
    );
    assert!(err.needs_attention());
    assert!(err.to_string().contains("easync login"), "{err}");
    assert_eq!(server.requests().len() - before, 2);
}
