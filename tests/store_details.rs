//! Every field users query contacts, events and tasks by reaches its column: attendees,
//! recurrences, exceptions and time zones as JSON (SQLite's JSON functions read them), addresses
//! and photos of contacts, the details of tasks.

mod common;

use common::fixture;
use easync::proto::classes::{ApplicationData, ItemClass};
use easync::proto::read::Reader;
use easync::store::{Store, SyncStep, upsert_folder};
use easync::sync::convert::record;
use wbxml::Element;
use wbxml::tags::{air_sync as s, contacts as c, contacts2 as c2, tasks as t};

fn store_with(folder: &str, class: &str, items: Vec<(&str, ApplicationData)>) -> Store {
    let mut db = Store::open_in_memory().unwrap();
    let tx = db.transaction().unwrap();
    upsert_folder(&tx, &common::stored_folder(folder, folder, 8, class)).unwrap();
    tx.commit().unwrap();
    let upserts = items
        .iter()
        .map(|(id, data)| record(id, data).unwrap())
        .collect();
    db.apply_sync_step(&SyncStep::puts(folder, "1", upserts))
        .unwrap();
    db
}

fn q(db: &Store, sql: &str) -> String {
    db.connection()
        .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
        .unwrap()
        .unwrap_or_else(|| "NULL".into())
}

fn horde(name: &str) -> ApplicationData {
    let bytes = fixture(&format!("wbxml/{name}"));
    let mut r = Reader::new("test", &bytes).unwrap();
    let root = r.root(s::APPLICATION_DATA).unwrap();
    ApplicationData::read(&mut r, &root, Some(ItemClass::Calendar)).unwrap()
}

fn from(class: ItemClass, fields: Vec<Element<'static>>) -> ApplicationData {
    ApplicationData::from_elements("test", fields.iter(), Some(class)).unwrap()
}

fn leaf(tag: wbxml::Tag, text: &str) -> Element<'static> {
    Element::new(tag).with_text(text.to_string())
}

#[test]
fn events_keep_recurrences_exceptions_and_time_zones() {
    let db = store_with(
        "cal",
        "Calendar",
        vec![
            ("ex", horde("horde-simpleexception.wbxml")),
            ("dst", horde("horde-dst.wbxml")),
        ],
    );
    let ex = "FROM events e JOIN items i ON i.id = e.item_id WHERE i.server_id = 'ex'";
    assert_eq!(
        q(
            &db,
            &format!(
                "SELECT recurrence ->> '$.type' || '/' || (recurrence ->> '$.interval') || '/' || (recurrence ->> '$.day_of_week') {ex}"
            )
        ),
        "1/2/16",
        "weekly, every 2 weeks, on Thursdays"
    );
    assert_eq!(
        q(&db, &format!("SELECT exceptions -> '$[0]' {ex}")),
        r#"{"original_start":"20111229T200000Z","deleted":true}"#
    );
    let dst = "FROM events e JOIN items i ON i.id = e.item_id WHERE i.server_id = 'dst'";
    assert_eq!(
        q(
            &db,
            &format!(
                "SELECT (time_zone ->> '$.bias') || ' ' || (time_zone ->> '$.daylight_bias') {dst}"
            )
        ),
        "300 -60",
        "US Eastern"
    );
}

#[test]
fn contacts_keep_addresses_photos_and_the_rest() {
    let photo = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    let data = from(
        ItemClass::Contacts,
        vec![
            leaf(c::FILE_AS, "Example, Alice"),
            leaf(c::HOME_ADDRESS_STREET, "1 Main St"),
            leaf(c::HOME_ADDRESS_CITY, "Springfield"),
            leaf(c::BUSINESS_ADDRESS_COUNTRY, "NZ"),
            leaf(c2::NICK_NAME, "Al"),
            leaf(c2::IM_ADDRESS, "alice@im.example"),
            leaf(c::DEPARTMENT, "Research"),
            leaf(c::PICTURE, "/9j/4AAQ"),
            Element::new(c::CHILDREN).with(leaf(c::CHILD, "Bob")),
        ],
    );
    let db = store_with("ab", "Contacts", vec![("1", data)]);
    assert_eq!(
        q(&db, "SELECT addresses FROM contacts"),
        r#"[{"kind":"business","country":"NZ"},{"kind":"home","street":"1 Main St","city":"Springfield"}]"#
    );
    assert_eq!(
        q(
            &db,
            "SELECT nickname || ' ' || department || ' ' || im_addresses || ' ' || children FROM contacts"
        ),
        r#"Al Research ["alice@im.example"] ["Bob"]"#
    );
    let stored: Vec<u8> = db
        .connection()
        .query_row("SELECT photo FROM contacts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, photo, "the picture is stored as bytes");
}

#[test]
fn tasks_keep_dates_reminders_and_recurrences() {
    let data = from(
        ItemClass::Tasks,
        vec![
            leaf(t::SUBJECT, "Water the plants"),
            leaf(t::UTC_START_DATE, "2027-01-01T08:00:00.000Z"),
            leaf(t::UTC_DUE_DATE, "2027-01-02T08:00:00.000Z"),
            leaf(t::REMINDER_SET, "1"),
            leaf(t::REMINDER_TIME, "2027-01-02T07:00:00.000Z"),
            leaf(t::SENSITIVITY, "2"),
            Element::new(t::RECURRENCE)
                .with(leaf(t::TYPE, "0"))
                .with(leaf(t::INTERVAL, "3"))
                .with(leaf(t::START, "2027-01-01T08:00:00.000Z")),
        ],
    );
    let db = store_with("tk", "Tasks", vec![("1", data)]);
    assert_eq!(
        q(
            &db,
            "SELECT start_date || ' ' || reminder_time || ' ' || sensitivity FROM tasks"
        ),
        "2027-01-01T08:00:00.000Z 2027-01-02T07:00:00.000Z 2"
    );
    assert_eq!(
        q(&db, "SELECT recurrence FROM tasks"),
        r#"{"type":0,"interval":3}"#
    );
}
