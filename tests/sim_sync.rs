//! easync against the simulated Exchange server: full and incremental syncs on 14.1 and 16.1
//! mirror the mailbox exactly, many folders go in one request, and the simulator's own
//! commands (Ping, ItemOperations, client changes) behave as the specification says.

use std::time::{Duration, Instant};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::http::{Auth, Secret, Session, SessionConfig};
use easync::proto::classes::ItemClass;
use easync::proto::itemoperations::{Fetch, ItemOperations, ItemOperationsResponse};
use easync::proto::ping::{Ping, PingFolder, PingStatus};
use easync::proto::{CollectionId, DeviceId, HeartbeatInterval, ProtocolVersion};
use easync::sim::{SimConfig, State};
use simc::{assert_mirrors, client, small, start, sync_ok};

#[test]
fn a_full_sync_mirrors_the_mailbox_on_14_1_and_16_1() {
    for version in ["14.1", "16.1"] {
        let server = start(small());
        let c = client(&format!("full-{version}"), &server.url(), version, "");
        sync_ok(&c);
        assert_mirrors(&c.db, &server.sim);
        let stats = &server.sim.stats;
        assert!(stats.verified.load(std::sync::atomic::Ordering::Relaxed) >= 4);
        assert_eq!(
            stats
                .verify_failures
                .load(std::sync::atomic::Ordering::Relaxed),
            0
        );
        let recurring: i64 = simc::q(&c.db, "SELECT count(*) FROM events WHERE recurring = 1");
        assert_eq!(recurring, 2, "{version}: calendar:10 and calendar:20 recur");
    }
}

#[test]
fn incremental_changes_of_every_kind_arrive() {
    let server = start(small());
    let sim = &server.sim;
    let c = client("incremental", &server.url(), "16.1", "");
    sync_ok(&c);
    sim.add_items("Inbox", 7).unwrap();
    sim.set_item("inbox:3", State::Live).unwrap();
    sim.set_item("contacts:2", State::Live).unwrap();
    sim.set_item("tasks:1", State::Live).unwrap();
    sim.set_item("calendar:5", State::Live).unwrap();
    sim.set_item("inbox:4", State::Deleted).unwrap();
    sim.set_item("inbox:5", State::SoftDeleted).unwrap();
    let folder = sim.add_folder("inbox", "Neu", 12).unwrap();
    sim.add_items(&folder, 3).unwrap();
    sim.delete_folder("projects").unwrap(); // and its subfolder
    sync_ok(&c);
    assert_mirrors(&c.db, sim);
    let folders: i64 = simc::q(
        &c.db,
        "SELECT count(*) FROM folders WHERE server_id LIKE 'projects%'",
    );
    assert_eq!(folders, 0, "deleted folders are gone");
    // A second run finds nothing and changes nothing.
    let before = sim.stats.command_count("Sync");
    sync_ok(&c);
    assert_eq!(
        sim.stats.command_count("Sync") - before,
        1,
        "one idle Sync for all folders"
    );
}

#[test]
fn an_idle_resync_of_fifty_folders_is_one_request() {
    let server = start(SimConfig {
        extra_folders: 50,
        ..small()
    });
    let c = client("fifty", &server.url(), "14.1", "");
    sync_ok(&c);
    let folders: i64 = simc::q(
        &c.db,
        "SELECT count(*) FROM folders WHERE class IS NOT NULL",
    );
    assert!(folders >= 50, "{folders}");
    let before = server.sim.stats.command_count("Sync");
    sync_ok(&c);
    assert_eq!(server.sim.stats.command_count("Sync") - before, 1);
}

#[test]
fn version_12_1_provisions_through_http_449() {
    let server = start(SimConfig {
        versions: vec!["12.1".into()],
        ..small()
    });
    let c = client("v12", &server.url(), "12.1", "");
    sync_ok(&c);
    server.sim.revoke_policies();
    server.sim.add_items("Inbox", 2).unwrap();
    sync_ok(&c);
    assert_mirrors(&c.db, &server.sim);
    assert!(
        server.sim.stats.command_count("Provision") >= 4,
        "provisioned twice, two phases each"
    );
}

fn auth() -> Auth {
    Auth::Basic {
        user: "demo@easync.test".into(),
        password: Secret::new("demo"),
    }
}

fn fetch(fetches: Vec<Fetch>) -> ItemOperations {
    ItemOperations {
        fetches,
        multipart: false,
    }
}

fn first(r: &ItemOperationsResponse) -> &easync::proto::itemoperations::FetchResult {
    r.fetches.first().expect("one fetch result")
}

fn session(url: &str, version: ProtocolVersion) -> (tokio::runtime::Runtime, Session) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut config = SessionConfig::new(
        url,
        "demo@easync.test",
        "SimTest1".parse::<DeviceId>().unwrap(),
        auth(),
    );
    config.version = Some(version);
    let s = rt.block_on(Session::connect(config)).unwrap();
    (rt, s)
}

fn ping(folders: &[&str], heartbeat: u32) -> Ping {
    Ping {
        heartbeat_interval: Some(HeartbeatInterval::within(heartbeat, 1, 4000).unwrap()),
        folders: folders
            .iter()
            .map(|id| PingFolder {
                id: id.parse::<CollectionId>().unwrap(),
                class: ItemClass::Email,
            })
            .collect(),
    }
}

#[test]
fn ping_waits_for_a_change_and_answers_the_limits() {
    let server = start(SimConfig {
        time_divisor: 60, // a 60 s heartbeat lasts one second
        max_ping_folders: 2,
        ..small()
    });
    let (rt, mut s) = session(&server.url(), ProtocolVersion::V14_1);
    let c = client("ping", &server.url(), "14.1", "");
    sync_ok(&c);
    // Nothing new for this device id (never synced): everything is "changed".
    let r = rt.block_on(s.execute(&ping(&["inbox"], 60))).unwrap();
    assert_eq!((r.status, r.changed.len()), (PingStatus::Changes, 1));
    // Status 5 with the minimum, 6 with the maximum folder count, 7 for an unknown folder.
    let r = rt.block_on(s.execute(&ping(&["inbox"], 10))).unwrap();
    assert_eq!(
        (r.status, r.heartbeat_interval),
        (PingStatus::InvalidHeartbeat, Some(60))
    );
    let r = rt
        .block_on(s.execute(&ping(&["inbox", "sent", "tasks"], 60)))
        .unwrap();
    assert_eq!(
        (r.status, r.max_folders),
        (PingStatus::TooManyFolders, Some(2))
    );
    let r = rt.block_on(s.execute(&ping(&["nope"], 60))).unwrap();
    assert_eq!(r.status, PingStatus::FolderSyncRequired);
    // The CLI's device synced "notes" (empty): its Ping expires after the heartbeat.
    let _ = server; // the CLI device id is in the store, reuse it:
    let device: String = simc::q(&c.db, "SELECT device_id FROM account");
    let mut config = SessionConfig::new(
        server.url(),
        "demo@easync.test",
        device.parse::<DeviceId>().unwrap(),
        auth(),
    );
    config.version = Some(ProtocolVersion::V14_1);
    let mut cli = rt.block_on(Session::connect(config)).unwrap();
    let started = Instant::now();
    let r = rt.block_on(cli.execute(&ping(&["inbox"], 60))).unwrap();
    assert_eq!(r.status, PingStatus::NoChanges);
    assert!(started.elapsed() >= Duration::from_millis(900));
    // A change during the Ping ends it at once with the folder.
    let sim = server.sim.clone();
    let adder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        sim.add_items("Inbox", 1).unwrap();
    });
    let started = Instant::now();
    let r = rt
        .block_on(cli.execute(&ping(&["inbox", "sent"], 60)))
        .unwrap();
    adder.join().unwrap();
    assert_eq!(r.status, PingStatus::Changes);
    assert_eq!(r.changed, vec!["inbox".parse::<CollectionId>().unwrap()]);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn item_operations_fetch_the_whole_message_and_attachments() {
    let server = start(small());
    let (rt, mut s) = session(&server.url(), ProtocolVersion::V16_1);
    let mime = fetch(vec![Fetch::mime(
        "inbox".parse::<CollectionId>().unwrap(),
        "inbox:21".parse().unwrap(),
    )]);
    let r = rt.block_on(s.execute(&mime)).unwrap();
    let Some(easync::proto::classes::ApplicationData::Email(e)) = &first(&r).item else {
        panic!("an email: {r:?}");
    };
    let body = e
        .body
        .as_ref()
        .and_then(|b| b.data.clone())
        .expect("a MIME body");
    assert!(
        body.starts_with("From: ") && body.contains("multipart/mixed"),
        "{body:.200}"
    );
    let r = rt
        .block_on(s.execute(&fetch(vec![Fetch::attachment("inbox:21:1")])))
        .unwrap();
    let (_, want) = easync::sim::mail::attachment(1, "inbox", 21, 1);
    assert_eq!(first(&r).data.as_deref(), Some(want.as_slice()));
    let r = rt
        .block_on(s.execute(&fetch(vec![Fetch::attachment("inbox:21:7")])))
        .unwrap();
    assert!(first(&r).data.is_none(), "no third attachment");
}
