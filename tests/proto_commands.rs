//! GetItemEstimate, Ping, Provision and Settings against the SOGo conversation and real
//! Exchange 2007 captures (fixtures/wbxml/opush-*).

mod common;

use common::{fixture, leaves};

use easync::proto::classes::ItemClass;
use easync::proto::getitemestimate::{EstimateCollection, EstimateStatus, GetItemEstimate};
use easync::proto::ping::{Ping, PingFolder, PingStatus};
use easync::proto::provision::{PolicyAck, PolicyStatus, Provision, ProvisionStatus};
use easync::proto::settings::{DeviceInformation, Settings, SettingsStatus};
use easync::proto::sync::FilterType;
use easync::proto::{
    CollectionId, Command, HeartbeatInterval, PolicyKey, ProtocolVersion, SyncKey,
};

const V: ProtocolVersion = ProtocolVersion::V14_1;
const INBOX: &str = "mail%2Ff54c6512c265096b6471000083ecc375";

fn id(s: &str) -> CollectionId {
    CollectionId::try_from(s).unwrap()
}

#[test]
fn get_item_estimate() {
    let req = GetItemEstimate {
        collections: vec![EstimateCollection {
            sync_key: SyncKey::try_from("5-5").unwrap(),
            collection_id: id(INBOX),
            class: Some(ItemClass::Email),
            filter_type: Some(FilterType::All),
        }],
    };
    assert_eq!(
        req.encode(V).unwrap(),
        fixture("sogo/captures/17-getitemestimate.req.wbxml")
    );
    let resp = req
        .decode(&fixture("sogo/captures/17-getitemestimate.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp.len(), 1);
    assert_eq!(resp[0].status, EstimateStatus::Success);
    assert_eq!(resp[0].class, Some(ItemClass::Email));
    assert_eq!(resp[0].collection_id, Some(id(INBOX)));
    assert_eq!(resp[0].estimate, Some(1));
    // 12.1 puts Class and FilterType in the GetItemEstimate page, SyncKey last.
    let old = leaves(&req.encode(ProtocolVersion::V12_1).unwrap());
    assert!(
        old.iter()
            .any(|l| l.ends_with("/GetItemEstimate:Class=Email")),
        "{old:?}"
    );
}

#[test]
fn ping_idle_and_new_mail() {
    let req = Ping {
        // SOGo accepts 5-300 s (quirk 3); Exchange would want 60-3540.
        heartbeat_interval: Some(HeartbeatInterval::within(10, 5, 300).unwrap()),
        folders: vec![
            PingFolder {
                id: id(INBOX),
                class: ItemClass::Email,
            },
            PingFolder {
                id: id("vcard%2Fpersonal"),
                class: ItemClass::Contacts,
            },
        ],
    };
    assert_eq!(
        req.encode(V).unwrap(),
        fixture("sogo/captures/28-ping-idle.req.wbxml")
    );
    let idle = req
        .decode(&fixture("sogo/captures/28-ping-idle.resp.wbxml"), V)
        .unwrap();
    assert_eq!(idle.status, PingStatus::NoChanges);
    assert!(idle.changed.is_empty());
    let hit = req
        .decode(&fixture("sogo/captures/29-ping-newmail.resp.wbxml"), V)
        .unwrap();
    assert_eq!(hit.status, PingStatus::Changes);
    assert_eq!(hit.changed, [id(INBOX)]);
}

#[test]
fn ping_limits_in_status_5_and_6() {
    // <Ping><Status>5</Status><HeartbeatInterval>480</HeartbeatInterval></Ping>
    let body = [
        0x03, 0x01, 0x6A, 0x00, 0x00, 0x0D, 0x45, 0x47, 0x03, b'5', 0x00, 0x01, 0x48, 0x03, b'4',
        b'8', b'0', 0x00, 0x01, 0x01,
    ];
    let resp = Ping::default().decode(&body, V).unwrap();
    assert_eq!(
        (resp.status, resp.heartbeat_interval),
        (PingStatus::InvalidHeartbeat, Some(480))
    );
    // <Ping><Status>6</Status><MaxFolders>2</MaxFolders></Ping>
    let body = [
        0x03, 0x01, 0x6A, 0x00, 0x00, 0x0D, 0x45, 0x47, 0x03, b'6', 0x00, 0x01, 0x4D, 0x03, b'2',
        0x00, 0x01, 0x01,
    ];
    let resp = Ping::default().decode(&body, V).unwrap();
    assert_eq!(
        (resp.status, resp.max_folders),
        (PingStatus::TooManyFolders, Some(2))
    );
}

#[test]
fn provision_against_sogo_stub() {
    let device = DeviceInformation {
        model: Some("Probe".into()),
        os: Some("Linux".into()),
        friendly_name: Some("ceo probe".into()),
        ..DeviceInformation::default()
    };
    let req = Provision::Request {
        device_information: Some(Box::new(device)),
    };
    assert_eq!(
        leaves(&req.encode(V).unwrap()),
        leaves(&fixture("sogo/captures/03-provision.req.wbxml"))
    );
    let no_device_info = leaves(&req.encode(ProtocolVersion::V14_0).unwrap());
    assert!(
        no_device_info.iter().all(|l| !l.contains("Settings:")),
        "only 14.1+ embeds it"
    );
    let resp = req
        .decode(&fixture("sogo/captures/03-provision.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp.status, Some(ProvisionStatus::Success));
    assert_eq!(resp.policy_status, Some(PolicyStatus::NoPolicy));
    assert_eq!(resp.policy_key, None);
    assert!(!resp.remote_wipe);
}

#[test]
fn provision_two_phases_against_exchange_2007() {
    let phase1 = Provision::Request {
        device_information: None,
    };
    let resp = phase1
        .decode(&fixture("wbxml/opush-ex2k7provResp1.wbxml"), V)
        .unwrap();
    assert_eq!(resp.status, Some(ProvisionStatus::Success));
    assert_eq!(resp.policy_status, Some(PolicyStatus::Success));
    assert_eq!(
        resp.policy_type.as_deref(),
        Some("MS-EAS-Provisioning-WBXML")
    );
    assert_eq!(resp.policy_key, Some(PolicyKey(3_378_841_480)));
    let doc = resp.policy.unwrap();
    assert_eq!(doc.tag, wbxml::tags::provision::EAS_PROVISION_DOC);
    assert_eq!(
        doc.child(14, "MinDevicePasswordLength").map(|e| e.text()),
        Some("4".to_string())
    );
    let phase2 = Provision::Acknowledge {
        policy_key: PolicyKey(3_378_841_480),
        status: PolicyAck::Applied,
    };
    let ack = leaves(&phase2.encode(V).unwrap());
    assert!(ack.contains(&"/Provision:Provision/Provision:Policies/Provision:Policy/Provision:PolicyKey=3378841480".to_string()), "{ack:?}");
    assert!(ack.contains(
        &"/Provision:Provision/Provision:Policies/Provision:Policy/Provision:Status=1".to_string()
    ));
    let fin = phase2
        .decode(&fixture("wbxml/opush-ex2k7provResp2.wbxml"), V)
        .unwrap();
    assert_eq!(fin.policy_key, Some(PolicyKey(1_776_449_765)));
}

#[test]
fn settings_device_and_user_information() {
    let req = Settings {
        device_information: Some(DeviceInformation {
            model: Some("Probe".into()),
            os: Some("Linux".into()),
            user_agent: Some("ceo-eas-probe".into()),
            ..DeviceInformation::default()
        }),
        user_information: true,
        ..Settings::default()
    };
    assert_eq!(
        req.encode(V).unwrap(),
        fixture("sogo/captures/04-settings.req.wbxml")
    );
    let resp = req
        .decode(&fixture("sogo/captures/04-settings.resp.wbxml"), V)
        .unwrap();
    assert_eq!(resp.status, Some(SettingsStatus::Success));
    let info = resp.user_information.unwrap();
    let account = &info.accounts.as_ref().unwrap().items[0];
    assert_eq!(account.user_display_name.as_deref(), Some("Bob Tester"));
    let addr = account
        .email_addresses
        .as_ref()
        .unwrap()
        .primary_smtp_address
        .as_deref();
    assert_eq!(addr, Some("bob@example.test"));
}

#[test]
fn long_polls_announce_their_heartbeat() {
    use std::time::Duration;
    let ping = Ping {
        heartbeat_interval: Some(HeartbeatInterval::new(480).unwrap()),
        folders: vec![],
    };
    assert_eq!(ping.long_poll(), Some(Duration::from_secs(480)));
    assert_eq!(
        Ping::empty_response().map(|r| r.status),
        Some(PingStatus::NoChanges)
    );
    assert_eq!(
        Ping::default().long_poll(),
        Some(Duration::from_secs(3540)),
        "cached heartbeat: assume the maximum"
    );
    let mut sync = easync::proto::sync::Sync::default();
    assert_eq!(sync.long_poll(), None);
    sync.wait = Some(5);
    assert_eq!(sync.long_poll(), Some(Duration::from_secs(300)));
    assert_eq!(
        GetItemEstimate {
            collections: vec![]
        }
        .long_poll(),
        None
    );
}
