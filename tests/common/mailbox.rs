//! A key-driven ActiveSync mailbox on 127.0.0.1: one Inbox of `total` mails, served in pages.
//! Shared by `tests/crash_resume.rs` and the sync benchmark (`examples/bench_mailbox.rs`); each
//! uses part of it.
//!
//! The server keeps no per-client state: the SyncKey `k{n}` means "n mails delivered", and a Sync
//! with it answers the next page, so a repeated key gets the same answer again, as an Exchange
//! server resends its last response to a client that repeats its key (MS-ASCMD 2.2.3.177.3).
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, Response, Uri};
use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as base, email, folder_hierarchy as fh};

pub const INBOX: &str = "inbox-1";

pub struct Mailbox {
    pub total: usize,
    /// Mails per page at most (the client's WindowSize applies too).
    pub page_cap: usize,
    /// Size of each mail's body text.
    pub body_bytes: usize,
    /// A Sync with this key is never answered (the client waits until it is killed).
    pub hang_on: Mutex<Option<String>>,
    /// Set when a request with `hang_on` arrived.
    pub hung: AtomicBool,
    /// Delay before each Sync answer, in milliseconds.
    pub delay_ms: AtomicU64,
    /// When set, the Sync after the last page deletes every mail (a server-side accident).
    pub purge: AtomicBool,
}

impl Mailbox {
    pub fn new(total: usize, page_cap: usize, body_bytes: usize) -> Self {
        Self {
            total,
            page_cap,
            body_bytes,
            hang_on: Mutex::new(None),
            hung: AtomicBool::new(false),
            delay_ms: AtomicU64::new(0),
            purge: AtomicBool::new(false),
        }
    }

    /// The number of mails a key stands for; `None` for keys this server never gave.
    pub fn delivered(key: &str) -> Option<usize> {
        key.strip_prefix('k')?.parse().ok()
    }

    fn foldersync(&self, key: &str) -> Vec<u8> {
        let mut root = Element::new(fh::FOLDER_SYNC)
            .with(Element::new(fh::STATUS).with_text("1"))
            .with(Element::new(fh::SYNC_KEY).with_text("f1"));
        if key == "0" {
            let inbox = Element::new(fh::ADD)
                .with(Element::new(fh::SERVER_ID).with_text(INBOX))
                .with(Element::new(fh::PARENT_ID).with_text("0"))
                .with(Element::new(fh::DISPLAY_NAME).with_text("Inbox"))
                .with(Element::new(fh::TYPE).with_text("2"));
            root = root.with(
                Element::new(fh::CHANGES)
                    .with(Element::new(fh::COUNT).with_text("1"))
                    .with(inbox),
            );
        }
        root.encode().unwrap()
    }

    fn mail(&self, i: usize) -> Element<'static> {
        let mut text = format!("Mail {i} of the benchmark mailbox. ");
        while text.len() < self.body_bytes {
            text.push_str("The quick brown fox jumps over the lazy dog. ");
        }
        text.truncate(self.body_bytes.max(1));
        let data = Element::new(s::APPLICATION_DATA)
            .with(Element::new(email::TO).with_text("\"Bob\" <bob@example.test>"))
            .with(
                Element::new(email::FROM).with_text(format!("\"Sender {i}\" <s{i}@example.test>")),
            )
            .with(Element::new(email::SUBJECT).with_text(format!("crashproof message {i}")))
            .with(Element::new(email::DATE_RECEIVED).with_text("2026-11-27T10:00:00.000Z"))
            .with(Element::new(email::READ).with_text(if i.is_multiple_of(3) { "1" } else { "0" }))
            .with(
                Element::new(base::BODY)
                    .with(Element::new(base::TYPE).with_text("1"))
                    .with(Element::new(base::ESTIMATED_DATA_SIZE).with_text(text.len().to_string()))
                    .with(Element::new(base::DATA).with_text(text)),
            );
        Element::new(s::ADD)
            .with(Element::new(s::SERVER_ID).with_text(format!("m{i}")))
            .with(data)
    }

    /// The answer to a Sync of the inbox: "0" → "k0" without mails; "k{n}" → the next page;
    /// with `purge`, "k{total}" → a Delete of every mail and the key "purged".
    fn sync(&self, key: &str, window: usize) -> Vec<u8> {
        if key == "purged"
            || (self.purge.load(Ordering::SeqCst) && key == format!("k{}", self.total))
        {
            let mut commands = Element::new(s::COMMANDS);
            for i in (0..self.total).filter(|_| key != "purged") {
                commands = commands.with(
                    Element::new(s::DELETE)
                        .with(Element::new(s::SERVER_ID).with_text(format!("m{i}"))),
                );
            }
            let coll = Element::new(s::COLLECTION)
                .with(Element::new(s::SYNC_KEY).with_text("purged"))
                .with(Element::new(s::COLLECTION_ID).with_text(INBOX))
                .with(Element::new(s::STATUS).with_text("1"))
                .with(commands);
            return Element::new(s::SYNC)
                .with(Element::new(s::COLLECTIONS).with(coll))
                .encode()
                .unwrap();
        }
        let from = Self::delivered(key);
        let to = from.map_or(0, |n| (n + window.min(self.page_cap)).min(self.total));
        let mut coll = Element::new(s::COLLECTION)
            .with(Element::new(s::SYNC_KEY).with_text(format!("k{to}")))
            .with(Element::new(s::COLLECTION_ID).with_text(INBOX))
            .with(Element::new(s::STATUS).with_text("1"));
        if let Some(n) = from.filter(|&n| n < self.total) {
            if to < self.total {
                coll = coll.with(Element::new(s::MORE_AVAILABLE));
            }
            let mut commands = Element::new(s::COMMANDS);
            for i in n..to {
                commands = commands.with(self.mail(i));
            }
            coll = coll.with(commands);
        }
        Element::new(s::SYNC)
            .with(Element::new(s::COLLECTIONS).with(coll))
            .encode()
            .unwrap()
    }
}

impl Mailbox {
    /// GetItemEstimate (MS-ASCMD 2.2.1.9): the mails not yet delivered for the key sent.
    fn estimate(&self, body: &[u8]) -> Vec<u8> {
        use wbxml::tags::get_item_estimate as gie;
        let tree = Element::decode(body).unwrap();
        let coll = tree
            .child(6, "Collections")
            .unwrap()
            .child(6, "Collection")
            .unwrap();
        let key = coll.child(0, "SyncKey").unwrap().text();
        let (status, n) = match Self::delivered(&key) {
            Some(n) => ("1", self.total.saturating_sub(n)),
            None => ("4", 0),
        };
        let mut collection =
            Element::new(gie::COLLECTION).with(Element::new(gie::COLLECTION_ID).with_text(INBOX));
        if status == "1" {
            collection = collection.with(Element::new(gie::ESTIMATE).with_text(n.to_string()));
        }
        Element::new(gie::GET_ITEM_ESTIMATE)
            .with(
                Element::new(gie::RESPONSE)
                    .with(Element::new(gie::STATUS).with_text(status))
                    .with(collection),
            )
            .encode()
            .unwrap()
    }
}

fn wbxml(body: Vec<u8>) -> Response<Body> {
    Response::builder()
        .header("Content-Type", "application/vnd.ms-sync.wbxml")
        .body(Body::from(body))
        .unwrap()
}

/// The SyncKey and WindowSize of the first collection of a Sync request.
fn sync_request(body: &[u8]) -> (String, usize) {
    let tree = Element::decode(body).unwrap();
    let coll = tree
        .child(0, "Collections")
        .unwrap()
        .child(0, "Collection")
        .unwrap();
    let key = coll.child(0, "SyncKey").unwrap().text();
    let window = coll
        .child(0, "WindowSize")
        .and_then(|w| w.text().parse().ok())
        .unwrap_or(100);
    (key, window)
}

async fn answer(mb: Arc<Mailbox>, method: Method, uri: Uri, body: Bytes) -> Response<Body> {
    if method == Method::OPTIONS {
        return Response::builder()
            .header("MS-ASProtocolVersions", "12.1,14.0,14.1")
            .header("MS-ASProtocolCommands", "Sync,FolderSync,Ping")
            .body(Body::empty())
            .unwrap();
    }
    let query = uri.query().unwrap_or("");
    if query.contains("Cmd=FolderSync") {
        let key = Element::decode(&body)
            .unwrap()
            .child(7, "SyncKey")
            .unwrap()
            .text();
        return wbxml(mb.foldersync(&key));
    }
    if query.contains("Cmd=Settings") {
        // The device's description, sent once (MS-ASCMD 2.2.1.18): taken.
        let ok = || Element::new(wbxml::tags::settings::STATUS).with_text("1");
        let reply = Element::new(wbxml::tags::settings::SETTINGS)
            .with(ok())
            .with(Element::new(wbxml::tags::settings::DEVICE_INFORMATION).with(ok()));
        return wbxml(reply.encode().unwrap());
    }
    if query.contains("Cmd=GetItemEstimate") {
        return wbxml(mb.estimate(&body));
    }
    assert!(query.contains("Cmd=Sync"), "unexpected request {uri}");
    let (key, window) = sync_request(&body);
    if mb.hang_on.lock().unwrap().as_deref() == Some(key.as_str()) {
        mb.hung.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    tokio::time::sleep(Duration::from_millis(mb.delay_ms.load(Ordering::SeqCst))).await;
    wbxml(mb.sync(&key, window))
}

/// Serves the mailbox on a free loopback port from a thread of its own; returns the EAS URL.
pub fn serve(mb: Arc<Mailbox>) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let app = axum::Router::new()
            .fallback(move |m: Method, u: Uri, body: Bytes| answer(mb.clone(), m, u, body));
        rt.block_on(async { axum::serve(listener, app).await.unwrap() });
    });
    format!("http://{addr}/Microsoft-Server-ActiveSync")
}

/// The environment variable the client configurations of [`client`] read the password from.
pub const PASSWORD_ENV: &str = "EASYNC_MAILBOX_TEST_PW";

/// A client's configuration file and database, in a fresh directory.
pub struct Client {
    pub config: std::path::PathBuf,
    pub db: std::path::PathBuf,
}

/// A configuration for one account `a` on the mailbox at `url` (EAS 14.1, password from
/// [`PASSWORD_ENV`]), in a fresh directory named after `test`.
pub fn client(test: &str, url: &str) -> Client {
    let dir = std::env::temp_dir().join(format!("easync-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("a.sqlite");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account.a]\nemail = \"bob@example.test\"\nurl = \"{url}\"\n\
             password_env = \"{PASSWORD_ENV}\"\nprotocol_version = \"14.1\"\n\
             database = \"{}\"\n",
            db.display()
        ),
    )
    .unwrap();
    Client { config, db }
}
