//! The simulator's server profile over real HTTP, through easync's own Session: the Exchange
//! profile's responses still round-trip byte for byte (`verify_responses`), and a server that
//! forgot the device makes it provision again and answers FolderSync Status 9 and Sync
//! Status 12. (Each switch's detail is tested at the handler level, `src/sim/profile_tests.rs`.)

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::sync::atomic::Ordering;

use easync::http::{Auth, Secret, Session, SessionConfig};
use easync::proto::classes::ItemClass;
use easync::proto::foldersync::FolderSync;
use easync::proto::sync::{Sync, SyncCollection};
use easync::proto::{CollectionId, DeviceId, ProtocolVersion, SyncKey, WindowSize};
use easync::sim::{Profile, SimConfig};
use simc::{small, start};

fn session(url: &str) -> (tokio::runtime::Runtime, Session) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let auth = Auth::Basic {
        user: "demo@easync.test".into(),
        password: Secret::new("demo"),
    };
    let device = "ProfileTest1".parse::<DeviceId>().unwrap();
    let mut config = SessionConfig::new(url, "demo@easync.test", device, auth);
    config.version = Some(ProtocolVersion::V16_1);
    let s = rt.block_on(Session::connect(config)).unwrap();
    (rt, s)
}

fn folder_sync(key: &str) -> FolderSync {
    FolderSync {
        sync_key: key.parse::<SyncKey>().unwrap(),
    }
}

fn sync_inbox(id: &str, key: &str) -> Sync {
    let mut c = SyncCollection::new(
        key.parse().unwrap(),
        id.parse::<CollectionId>().unwrap(),
        Some(ItemClass::Email),
    );
    c.window_size = Some(WindowSize::MAX);
    Sync {
        collections: vec![c],
        ..Sync::default()
    }
}

#[test]
fn the_exchange_profile_round_trips_byte_for_byte() {
    let server = start(SimConfig {
        profile: Profile::exchange(),
        ..small()
    });
    let (rt, mut s) = session(&server.url());
    let mut key = "0".to_string();
    let mut rounds = 0;
    loop {
        let r = rt.block_on(s.execute(&folder_sync(&key))).unwrap();
        rounds += 1;
        let next = r.sync_key.unwrap().as_str().to_string();
        if r.changes.is_empty() {
            break;
        }
        key = next;
    }
    assert_eq!(
        rounds, 4,
        "three rounds of folders (nested ones late), then none"
    );
    let k0 = rt
        .block_on(s.execute(&sync_inbox("inbox", "0")))
        .unwrap()
        .collections[0]
        .sync_key
        .clone()
        .unwrap();
    // The window holds odd items (an empty EstimatedDataSize): today's decoder may refuse
    // them, the simulator still sent a response that re-encodes to the same bytes.
    let _ = rt.block_on(s.execute(&sync_inbox("inbox", k0.as_str())));
    let stats = &server.sim.stats;
    assert!(stats.verified.load(Ordering::Relaxed) >= 6);
    assert_eq!(stats.verify_failures.load(Ordering::Relaxed), 0);
}

#[test]
fn a_forgotten_device_provisions_again_and_resyncs_the_hierarchy() {
    let server = start(small());
    let (rt, mut s) = session(&server.url());
    let first = rt.block_on(s.execute(&folder_sync("0"))).unwrap();
    let key = first.sync_key.unwrap();
    let k0 = rt
        .block_on(s.execute(&sync_inbox("inbox", "0")))
        .unwrap()
        .collections[0]
        .sync_key
        .clone()
        .unwrap();
    let provisions = server.sim.stats.command_count("Provision");
    server.sim.forget_device();
    let r = rt.block_on(s.execute(&folder_sync(key.as_str()))).unwrap();
    assert_eq!(r.status.code(), 9, "the FolderSync key is gone");
    assert_eq!(
        server.sim.stats.command_count("Provision") - provisions,
        2,
        "provisioned again, two phases"
    );
    let r = rt
        .block_on(s.execute(&sync_inbox("inbox", k0.as_str())))
        .unwrap();
    assert_eq!(r.collections[0].status.code(), 12, "an old folder id");
    let again = rt.block_on(s.execute(&folder_sync("0"))).unwrap();
    assert_eq!(again.changes.len(), first.changes.len());
}
