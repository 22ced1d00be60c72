//! Regression tests, each named after the bug it pins (ripgrep `tests/regression.rs`).

use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as asb, calendar as cal, email as em};

use easync::model::{Exception, Item};
use easync::proto::classes::{ApplicationData, ItemClass};
use easync::proto::sync::{ServerCommand, Sync, SyncCollection, SyncResponse};
use easync::proto::{CollectionId, Command, ProtocolVersion, SyncKey};

fn leaf(tag: wbxml::Tag, text: &str) -> Element<'static> {
    Element::new(tag).with_text(text.to_string())
}

/// A Sync request for one collection of `class`, to decode its response with.
fn request(class: ItemClass) -> Sync {
    Sync {
        collections: vec![SyncCollection::new(
            SyncKey::try_from("1").unwrap(),
            CollectionId::try_from("cal").unwrap(),
            Some(class),
        )],
        ..Sync::default()
    }
}

/// A Sync response with these commands in collection `cal`.
fn response(commands: Vec<Element<'static>>) -> Vec<u8> {
    let mut c = Element::new(s::COMMANDS);
    for x in commands {
        c = c.with(x);
    }
    Element::new(s::SYNC)
        .with(
            Element::new(s::COLLECTIONS).with(
                Element::new(s::COLLECTION)
                    .with(leaf(s::SYNC_KEY, "2"))
                    .with(leaf(s::COLLECTION_ID, "cal"))
                    .with(leaf(s::STATUS, "1"))
                    .with(c),
            ),
        )
        .encode()
        .unwrap()
}

/// `bytes` with the first `placeholder` replaced: puts bytes no `&str` can hold into an inline
/// string (STR_I has no length prefix, so the lengths may differ).
fn splice(bytes: &[u8], placeholder: &str, with: &[u8]) -> Vec<u8> {
    let p = placeholder.as_bytes();
    let at = bytes
        .windows(p.len())
        .position(|w| w == p)
        .expect("the placeholder is in the document");
    [&bytes[..at], with, &bytes[at + p.len()..]].concat()
}

/// An Email Add whose body `Data` has `data` as its content.
fn mail(server_id: &str, data: wbxml::Node<'static>) -> Element<'static> {
    let mut body_data = Element::new(asb::DATA);
    body_data.children.push(data);
    Element::new(s::ADD)
        .with(leaf(s::SERVER_ID, server_id))
        .with(
            Element::new(s::APPLICATION_DATA)
                .with(leaf(em::SUBJECT, "Grüße"))
                .with(
                    Element::new(asb::BODY)
                        .with(leaf(asb::TYPE, "1"))
                        .with(body_data),
                ),
        )
}

fn emails(resp: &SyncResponse) -> Vec<&easync::proto::classes::email::Email> {
    resp.collections[0]
        .commands
        .iter()
        .map(|c| match c {
            ServerCommand::Add {
                data: ApplicationData::Email(e),
                ..
            } => &**e,
            other => panic!("an email: {other:?}"),
        })
        .collect()
}

fn body_text(e: &easync::proto::classes::email::Email) -> &str {
    e.body.as_ref().unwrap().data.as_deref().unwrap()
}

fn decode(class: ItemClass, body: &[u8], v: ProtocolVersion) -> SyncResponse {
    request(class).decode(body, v).unwrap()
}

/// A weekly 16.1 series shaped like MS-ASCAL section 4's recurring meeting, with its exceptions
/// embedded and named by `airsyncbase:InstanceId` (MS-ASCAL 2.2.2.21, MS-ASAIRS 2.2.2.25): the
/// second occurrence moved by an hour, the third cancelled.
fn series_16_with_embedded_exceptions() -> Element<'static> {
    let moved = Element::new(cal::EXCEPTION)
        .with(leaf(asb::INSTANCE_ID, "20261008T160000Z"))
        .with(leaf(cal::SUBJECT, "Weekly review (moved)"))
        .with(leaf(cal::START_TIME, "20261008T170000Z"))
        .with(leaf(cal::END_TIME, "20261008T180000Z"))
        .with(leaf(cal::DT_STAMP, "20261001T120000Z"));
    let cancelled = Element::new(cal::EXCEPTION)
        .with(leaf(cal::DELETED, "1"))
        .with(leaf(asb::INSTANCE_ID, "20261015T160000Z"));
    let data = Element::new(s::APPLICATION_DATA)
        .with(leaf(cal::DT_STAMP, "20261001T120000Z"))
        .with(leaf(cal::START_TIME, "20261001T160000Z"))
        .with(leaf(cal::END_TIME, "20261001T170000Z"))
        .with(leaf(cal::SUBJECT, "Weekly review"))
        .with(leaf(cal::SENSITIVITY, "0"))
        .with(leaf(cal::BUSY_STATUS, "2"))
        .with(leaf(cal::ALL_DAY_EVENT, "0"))
        .with(
            Element::new(cal::RECURRENCE)
                .with(leaf(cal::TYPE, "1"))
                .with(leaf(cal::INTERVAL, "1"))
                .with(leaf(cal::DAY_OF_WEEK, "16"))
                .with(leaf(cal::OCCURRENCES, "6")),
        )
        .with(Element::new(cal::EXCEPTIONS).with(moved).with(cancelled))
        .with(leaf(cal::MEETING_STATUS, "0"));
    Element::new(s::ADD)
        .with(leaf(s::SERVER_ID, "cal:1"))
        .with(data)
}

fn exceptions_of(cmd: &ServerCommand) -> Vec<Exception> {
    let ServerCommand::Add { server_id, data } = cmd else {
        panic!("an Add: {cmd:?}");
    };
    let record = easync::sync::convert::record(server_id.as_str(), data).unwrap();
    let Item::Event(ev) = record.item else {
        panic!("an event: {:?}", record.item);
    };
    ev.exceptions
}

#[test]
fn exceptions_embedded_in_a_16_1_series_by_instance_id_keep_their_original_start() {
    let body = response(vec![series_16_with_embedded_exceptions()]);
    let resp = decode(ItemClass::Calendar, &body, ProtocolVersion::V16_1);
    let cmd = &resp.collections[0].commands[0];
    let ServerCommand::Add {
        data: ApplicationData::Event(e),
        ..
    } = cmd
    else {
        panic!("an event: {cmd:?}");
    };
    let typed = &e.exceptions.as_ref().unwrap().items;
    assert_eq!(typed[0].instance_id.as_deref(), Some("20261008T160000Z"));
    assert!(typed.iter().all(|x| x.exception_start_time.is_none()));

    let ex = exceptions_of(cmd);
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].original_start.as_deref(), Some("20261008T160000Z"));
    assert_eq!(ex[0].start_time.as_deref(), Some("20261008T170000Z"));
    assert_eq!(ex[0].subject.as_deref(), Some("Weekly review (moved)"));
    assert!(!ex[0].deleted);
    assert_eq!(ex[1].original_start.as_deref(), Some("20261015T160000Z"));
    assert!(ex[1].deleted);
}

#[test]
fn exceptions_by_exception_start_time_still_read_on_14_1_and_either_form_on_16_1() {
    // 14.1: ExceptionStartTime (MS-ASCAL 2.2.2.23).
    let old = Element::new(s::ADD).with(leaf(s::SERVER_ID, "cal:2")).with(
        Element::new(s::APPLICATION_DATA)
            .with(leaf(cal::START_TIME, "20261001T160000Z"))
            .with(Element::new(cal::RECURRENCE).with(leaf(cal::TYPE, "0")))
            .with(
                Element::new(cal::EXCEPTIONS).with(
                    Element::new(cal::EXCEPTION)
                        .with(leaf(cal::DELETED, "1"))
                        .with(leaf(cal::EXCEPTION_START_TIME, "20261003T160000Z")),
                ),
            ),
    );
    let body = response(vec![old]);
    for v in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
        let resp = decode(ItemClass::Calendar, &body, v);
        let ex = exceptions_of(&resp.collections[0].commands[0]);
        assert_eq!(ex[0].original_start.as_deref(), Some("20261003T160000Z"));
        assert!(ex[0].deleted);
    }
}

#[test]
fn an_embedded_instance_id_has_the_form_a_per_instance_change_of_it_has() {
    // The same occurrence in the per-instance form (MS-ASCMD 2.2.3.87): the store merges on
    // `original_start`, so both forms must give the same value.
    let change = ApplicationData::Event(Box::new(easync::proto::classes::calendar::Event {
        instance_id: Some("20261008T160000Z".into()),
        subject: Some("Weekly review (moved again)".into()),
        ..Default::default()
    }));
    let per_instance = easync::sync::convert::instance(&change).unwrap();
    let body = response(vec![series_16_with_embedded_exceptions()]);
    let resp = decode(ItemClass::Calendar, &body, ProtocolVersion::V16_1);
    let embedded = exceptions_of(&resp.collections[0].commands[0]);
    assert_eq!(per_instance.original_start, embedded[0].original_start);
}

/// "Grüße – 5 €" in windows-1252.
const CP1252: &[u8] = b"Gr\xFC\xDFe \x96 5 \x80";

#[test]
fn a_windows_1252_mail_body_in_str_i_does_not_fail_the_sync_response() {
    let text = |t: &str| wbxml::Node::Text(t.to_string().into());
    let doc = response(vec![
        mail("1", text("@@BODY@@")),
        mail("2", text("plain UTF-8: schön")),
    ]);
    let doc = splice(&doc, "@@BODY@@", CP1252);
    assert!(
        wbxml::Element::decode(&doc).is_err(),
        "strict decoding (easync wbxml decode) still rejects it"
    );
    let resp = decode(ItemClass::Email, &doc, ProtocolVersion::V16_1);
    let mails = emails(&resp);
    assert_eq!(body_text(mails[0]), "Grüße – 5 €");
    assert_eq!(body_text(mails[1]), "plain UTF-8: schön");
    assert_eq!(mails[0].subject.as_deref(), Some("Grüße"));
}

#[test]
fn a_windows_1252_mail_body_in_opaque_does_not_fail_the_sync_response() {
    let opaque = wbxml::Node::Opaque(CP1252.to_vec().into());
    let doc = response(vec![mail("1", opaque)]);
    let resp = decode(ItemClass::Email, &doc, ProtocolVersion::V14_1);
    assert_eq!(body_text(emails(&resp)[0]), "Grüße – 5 €");
}

mod common;
#[path = "common/sim.rs"]
mod simc;

#[test]
fn a_per_instance_change_of_an_embedded_16_1_exception_replaces_it() {
    // calendar:20 embeds its exceptions by InstanceId; once changed, the simulator follows the
    // series with a per-instance Change of the moved occurrence (easync::sim::events).
    let server = simc::start(simc::small());
    let c = simc::client("embedded-then-instance", &server.url(), "16.1", "");
    simc::sync_ok(&c);
    let exceptions = || -> Vec<serde_json::Value> {
        let sql = "SELECT e.exceptions FROM events e JOIN items i ON i.id = e.item_id \
                   WHERE i.server_id = 'calendar:20'";
        serde_json::from_str(&simc::q::<String>(&c.db, sql)).unwrap()
    };
    let before = exceptions();
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(before.iter().all(|x| x["original_start"].is_string()));
    server
        .sim
        .set_item("calendar:20", easync::sim::State::Live)
        .unwrap();
    simc::sync_ok(&c);
    let after = exceptions();
    assert_eq!(after.len(), 2, "replaced, not added: {after:?}");
    let moved = after.iter().find(|x| x["deleted"] == false).unwrap();
    let subject = moved["subject"].as_str().unwrap();
    assert!(subject.ends_with("(moved) again"), "{after:?}");
}

#[test]
fn empty_or_malformed_numbers_do_not_fail_the_item_and_are_written_back_as_received() {
    let odd = Element::new(s::ADD).with(leaf(s::SERVER_ID, "1")).with(
        Element::new(s::APPLICATION_DATA)
            .with(leaf(em::SUBJECT, "odd numbers"))
            .with(Element::new(em::IMPORTANCE))
            .with(leaf(em::READ, "yes"))
            .with(
                Element::new(asb::BODY)
                    .with(leaf(asb::TYPE, "1"))
                    .with(Element::new(asb::ESTIMATED_DATA_SIZE))
                    .with(leaf(asb::DATA, "text")),
            ),
    );
    let worded = Element::new(s::ADD).with(leaf(s::SERVER_ID, "2")).with(
        Element::new(s::APPLICATION_DATA)
            .with(leaf(em::SUBJECT, "a word"))
            .with(leaf(em::IMPORTANCE, "x")),
    );
    let resp = decode(
        ItemClass::Email,
        &response(vec![odd, worded]),
        ProtocolVersion::V14_1,
    );
    let mails = emails(&resp);
    let (m, body) = (mails[0], mails[0].body.as_ref().unwrap());
    assert_eq!((m.importance, m.read), (None, None));
    assert_eq!(m.subject.as_deref(), Some("odd numbers"));
    assert_eq!(
        m.extra,
        [Element::new(em::IMPORTANCE), leaf(em::READ, "yes")]
    );
    assert_eq!(body.estimated_data_size, None);
    assert_eq!(body.extra, [Element::new(asb::ESTIMATED_DATA_SIZE)]);
    assert_eq!(body.data.as_deref(), Some("text"));
    assert_eq!(mails[1].importance, None);
    assert_eq!(mails[1].extra, [leaf(em::IMPORTANCE, "x")]);

    // Written back (a Sync Change replaces the whole item), the odd elements go with it.
    let ServerCommand::Add { data, .. } = &resp.collections[0].commands[0] else {
        unreachable!()
    };
    let mut w = easync::proto::write::Writer::new("test");
    data.write(&mut w).unwrap();
    let back = Element::decode(&w.finish().unwrap()).unwrap().into_owned();
    let has = |e: &Element<'_>, want: &Element<'_>| {
        e.children
            .iter()
            .any(|c| matches!(c, wbxml::Node::Element(x) if x == want))
    };
    assert!(has(&back, &Element::new(em::IMPORTANCE)), "{back:?}");
    assert!(has(&back, &leaf(em::READ, "yes")), "{back:?}");
    let body = back
        .children
        .iter()
        .find_map(|c| match c {
            wbxml::Node::Element(x) if x.tag == asb::BODY => Some(x),
            _ => None,
        })
        .unwrap();
    assert!(
        has(body, &Element::new(asb::ESTIMATED_DATA_SIZE)),
        "{body:?}"
    );
}

#[test]
fn one_item_that_cannot_be_typed_does_not_fail_the_sync_response() {
    // The second mail's subject holds ENTITY &#xD800; (a lone UTF-16 surrogate, no character):
    // its ApplicationData cannot be typed, the items around it can.
    let subject = |id: &str, text: &str| {
        Element::new(s::ADD).with(leaf(s::SERVER_ID, id)).with(
            Element::new(s::APPLICATION_DATA)
                .with(leaf(em::SUBJECT, text))
                .with(leaf(em::READ, "1")),
        )
    };
    let bad_change = Element::new(s::CHANGE)
        .with(leaf(s::SERVER_ID, "4"))
        .with(Element::new(s::APPLICATION_DATA).with(leaf(em::SUBJECT, "@@AGAIN@@")));
    let doc = response(vec![
        subject("1", "first"),
        subject("2", "@@SURROGATE@@"),
        subject("3", "third"),
        bad_change,
    ]);
    let entity = [0x02, 0x83, 0xB0, 0x00];
    let doc = splice(&doc, "\x03@@SURROGATE@@\x00", &entity);
    let doc = splice(&doc, "\x03@@AGAIN@@\x00", &entity);
    let resp = decode(ItemClass::Email, &doc, ProtocolVersion::V14_1);
    let cmds = &resp.collections[0].commands;
    assert_eq!(cmds.len(), 4, "{cmds:?}");
    let subject_of = |c: &ServerCommand| match c {
        ServerCommand::Add {
            data: ApplicationData::Email(e),
            ..
        } => e.subject.clone(),
        other => panic!("a typed mail: {other:?}"),
    };
    assert_eq!(subject_of(&cmds[0]).as_deref(), Some("first"));
    assert_eq!(subject_of(&cmds[2]).as_deref(), Some("third"));
    let ServerCommand::Undecodable {
        server_id,
        change,
        data,
        error,
    } = &cmds[1]
    else {
        panic!("undecodable: {:?}", cmds[1]);
    };
    assert_eq!((server_id.as_str(), *change), ("2", false));
    assert!(error.contains("entity"), "{error}");
    // Kept as received, the bad token as U+FFFD.
    assert_eq!(data.tag, s::APPLICATION_DATA);
    assert_eq!(
        data.children,
        [
            wbxml::Node::Element(leaf(em::SUBJECT, "\u{FFFD}")),
            wbxml::Node::Element(leaf(em::READ, "1")),
        ]
    );
    assert!(matches!(
        &cmds[3],
        ServerCommand::Undecodable { server_id, change: true, .. } if server_id.as_str() == "4"
    ));
    assert_eq!(resp.collections[0].sync_key.as_ref().unwrap().as_str(), "2");
}

#[test]
fn an_item_whose_wbxml_is_broken_still_fails_the_response() {
    // Truncated inside the ApplicationData: nothing after it can be trusted.
    let doc = response(vec![
        Element::new(s::ADD)
            .with(leaf(s::SERVER_ID, "1"))
            .with(Element::new(s::APPLICATION_DATA).with(leaf(em::SUBJECT, "cut here"))),
    ]);
    let at = doc.windows(3).position(|w| w == b"cut").unwrap();
    assert!(
        request(ItemClass::Email)
            .decode(&doc[..at + 3], ProtocolVersion::V14_1)
            .is_err()
    );
}
