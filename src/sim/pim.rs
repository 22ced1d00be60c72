//! Generated contacts (MS-ASCNTC 2.2.2, nearly every field, several UTF-8 scripts, a photo on
//! some) and tasks (MS-ASTASK 2.2.2, with dates, completion, reminders and weekly recurrence).
//! `version` counts changes: a changed contact gets a new job title, a changed task completes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::dates;
use super::rng::Rng;
use crate::proto::classes::List;
use crate::proto::classes::airsyncbase::Body;
use crate::proto::classes::contacts::{Category, Child, Contact};
use crate::proto::classes::tasks::{self, Recurrence, Task};

const FIRST: [&str; 8] = [
    "Zoë",
    "José",
    "太郎",
    "Øystein",
    "Ana-Maria",
    "Σωκράτης",
    "Bob",
    "Chloé",
];
const LAST: [&str; 8] = [
    "Åkesson",
    "Núñez",
    "田中",
    "Ødegård",
    "Popescu",
    "Παππάς",
    "Example",
    "d'Artagnan",
];
const CITIES: [(&str, &str, &str); 4] = [
    ("München", "80331", "Deutschland"),
    ("Paris", "75001", "France"),
    ("東京", "100-0001", "日本"),
    ("New York", "10001", "USA"),
];

/// A 1×1 PNG: enough for a consumer to decode a real image.
const PHOTO: [u8; 67] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn note(text: String) -> Body {
    Body {
        body_type: Some(1),
        estimated_data_size: Some(text.len() as u32),
        data: Some(text),
        ..Body::default()
    }
}

/// The contact at `idx` of `folder`.
pub fn contact(seed: u64, folder: &str, idx: u32, version: u32) -> Contact {
    let mut rng = Rng::for_item(seed, folder, idx, 0);
    let first = *rng.pick(&FIRST);
    let last = *rng.pick(&LAST);
    let slug = format!("c{idx}");
    let (city, zip, country) = *rng.pick(&CITIES);
    let title = ["Engineer", "Leiterin Einkauf", "Directeur", "部長"][(idx + version) as usize % 4];
    let mut c = Contact {
        first_name: Some(first.into()),
        last_name: Some(format!("{last} {idx}")),
        middle_name: (idx.is_multiple_of(5)).then(|| "M.".into()),
        file_as: Some(format!("{last} {idx}, {first}")),
        title: (idx.is_multiple_of(3)).then(|| "Dr.".into()),
        suffix: (idx.is_multiple_of(7)).then(|| "Jr.".into()),
        yomi_first_name: (idx % 8 == 2).then(|| "たろう".into()),
        yomi_last_name: (idx % 8 == 2).then(|| "たなか".into()),
        company_name: Some(format!("Ümlaut & Söhne GmbH {}", idx % 50)),
        yomi_company_name: (idx % 8 == 2).then(|| "ウムラウト".into()),
        department: Some("R&D".into()),
        job_title: Some(title.into()),
        office_location: Some(format!("B{}", idx % 9)),
        email1_address: Some(format!("\"{first} {last}\" <{slug}@example.test>")),
        email2_address: Some(format!("{slug}.private@example.test")),
        email3_address: (idx.is_multiple_of(2)).then(|| format!("{slug}@other.example")),
        business_phone_number: Some(format!("+49 89 {:07}", idx)),
        business2_phone_number: (idx.is_multiple_of(4)).then(|| "+49 89 1111111".into()),
        home_phone_number: Some(format!("+33 1 {:08}", idx)),
        mobile_phone_number: Some(format!("+1 212 555 {:04}", idx % 10_000)),
        business_fax_number: (idx.is_multiple_of(6)).then(|| "+49 89 9999999".into()),
        pager_number: (idx.is_multiple_of(10)).then(|| "555-0100".into()),
        business_address_street: Some(format!("Leopoldstraße {}\nHinterhaus", idx % 200 + 1)),
        business_address_city: Some(city.into()),
        business_address_postal_code: Some(zip.into()),
        business_address_state: Some("Bayern".into()),
        business_address_country: Some(country.into()),
        home_address_street: Some("Rue de Rivoli 1; Bât. B".into()),
        home_address_city: Some("Paris".into()),
        home_address_postal_code: Some("75004".into()),
        home_address_country: Some("France".into()),
        other_address_city: (idx % 5 == 1).then(|| "Oslo".into()),
        birthday: Some(dates::iso(dates::wall(
            1960 + (idx % 40) as i32,
            1 + idx % 12,
            1 + idx % 28,
            0,
            0,
        ))),
        anniversary: (idx % 3 == 1).then(|| dates::iso(dates::wall(2010, 6, 12, 0, 0))),
        spouse: (idx % 3 == 1).then(|| "Kim".into()),
        assistant_name: (idx % 4 == 1).then(|| "Ana".into()),
        assistant_phone_number: (idx % 4 == 1).then(|| "+49 89 2222222".into()),
        web_page: Some(format!("https://example.test/~{slug}")),
        categories: Some(List::from(vec![Category(
            ["Kunden", "Familie", "VIP"][idx as usize % 3].into(),
        )])),
        children: (idx % 3 == 1)
            .then(|| List::from(vec![Child("Léa".into()), Child("Max".into())])),
        body: Some(note(format!(
            "Met at the fair; likes \"Käsespätzle\", prefers mail.\r\nLine 2; {idx}"
        ))),
        picture: (idx.is_multiple_of(10)).then(|| STANDARD.encode(PHOTO)),
        im_address: Some(format!("xmpp:{slug}@chat.example.test")),
        nick_name: (idx % 2 == 1).then(|| format!("{first}{idx}")),
        manager_name: (idx.is_multiple_of(6)).then(|| "Σωκράτης".into()),
        company_main_phone: Some("+49 89 0000000".into()),
        ..Contact::default()
    };
    if version > 0 {
        c.body = Some(note(format!("Changed {version} time(s).")));
    }
    c
}

const TASKS: [&str; 5] = [
    "Angebot prüfen",
    "Send the signed contract",
    "Préparer la démo",
    "経費精算",
    "Renew certificates ✓",
];

/// The task at `idx` of `folder`.
pub fn task(seed: u64, folder: &str, idx: u32, version: u32) -> Task {
    let mut rng = Rng::for_item(seed, folder, idx, 0);
    let start = dates::wall(2026, 11, 1, 0, 0) + i64::from(idx % 60) * 86_400;
    let due = start + rng.range(1, 15) as i64 * 86_400;
    let complete = idx.is_multiple_of(4) || version > 0;
    let mut t = Task {
        subject: Some(format!("{} #{idx}", rng.pick(&TASKS))),
        body: Some(note(format!("Steps:\r\n- one\r\n- two & three ({idx})"))),
        categories: (idx.is_multiple_of(3))
            .then(|| List::from(vec![tasks::Category("Büro".into())])),
        complete: Some(complete),
        date_completed: complete.then(|| dates::iso(due - 3600)),
        start_date: Some(dates::iso(start)),
        utc_start_date: Some(dates::iso(start)),
        due_date: Some(dates::iso(due)),
        utc_due_date: Some(dates::iso(due)),
        importance: Some((idx % 3) as u8),
        reminder_set: Some(idx.is_multiple_of(2)),
        reminder_time: (idx.is_multiple_of(2)).then(|| dates::iso(due - 86_400 + 9 * 3600)),
        sensitivity: Some(0),
        ..Task::default()
    };
    if idx % 10 == 5 {
        t.recurrence = Some(Recurrence {
            recurrence_type: Some(1),
            start: Some(dates::iso(start)),
            interval: Some(1),
            day_of_week: Some(1 << dates::weekday(start.div_euclid(86_400))),
            occurrences: Some(10),
            ..Recurrence::default()
        });
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_carry_many_fields_and_change_with_version() {
        let c = contact(1, "contacts", 10, 0);
        assert!(c.picture.is_some() && c.birthday.is_some() && c.email3_address.is_some());
        assert_ne!(contact(1, "contacts", 10, 1).body, c.body);
        assert_eq!(contact(1, "contacts", 10, 0), c);
    }

    #[test]
    fn tasks_complete_when_changed_and_some_recur() {
        assert_eq!(task(1, "tasks", 1, 0).complete, Some(false));
        assert_eq!(task(1, "tasks", 1, 1).complete, Some(true));
        assert!(task(1, "tasks", 5, 0).recurrence.is_some());
    }
}
