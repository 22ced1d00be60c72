//! A contact (the model of MS-ASCNTC 2.2.2) as a vCard, 3.0 (what khard and older consumers read) or
//! 4.0 (RFC 6350), written by calcard (escaping, folding, CRLF). Fields vCard has no property
//! for are written as `X-` properties (`X-ASSISTANT`, `X-MANAGER`, phonetic names as
//! `X-PHONETIC-*`, the extra phone kinds with their EAS names); the table is in `docs/export.md`.

use calcard::common::{Data, PartialDateTime};
use calcard::vcard::{
    VCard, VCardEntry, VCardParameter, VCardParameterValue, VCardProperty, VCardType, VCardValue,
    VCardVersion,
};

use crate::model::{Address, Contact};

/// Line breaks as vCard wants them: `\n` only (EAS sends CRLF).
fn clean(v: &str) -> String {
    v.replace("\r\n", "\n").replace('\r', "\n")
}

fn text(p: VCardProperty, v: &str) -> VCardEntry {
    VCardEntry::new(p).with_value(VCardValue::Text(clean(v)))
}

/// A structured value (N, ADR, ORG): its components, separated by `;`.
fn parts(p: VCardProperty, parts: Vec<String>) -> VCardEntry {
    VCardEntry::new(p).with_values(parts.iter().map(|s| VCardValue::Text(clean(s))).collect())
}

fn typed(p: VCardProperty, types: &[VCardType], v: &str) -> VCardEntry {
    let mut e = text(p, v);
    for t in types {
        e.add_param(VCardParameter::typ(VCardParameterValue::Type(t.clone())));
    }
    e
}

/// `"Zoë Åkesson" <zoe@example.test>` → `zoe@example.test`.
pub fn address(s: &str) -> &str {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].trim(),
        _ => s.trim().trim_matches('"'),
    }
}

/// An EAS date (`1990-04-01T00:00:00.000Z`, or a bare date) as a vCard date.
fn date(s: &str) -> Option<PartialDateTime> {
    let d = s.get(..10)?;
    let mut parts = d.split('-');
    Some(PartialDateTime {
        year: parts.next()?.parse().ok(),
        month: parts.next()?.parse().ok(),
        day: parts.next()?.parse().ok(),
        ..PartialDateTime::default()
    })
}

fn opt(v: &Option<String>) -> Option<&str> {
    v.as_deref().and_then(trimmed)
}

fn trimmed(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The number of a phone kind (`sync::convert`'s names: `mobile`, `business2`, `mms`, …).
fn phone<'a>(c: &'a Contact, kind: &str) -> Option<&'a str> {
    c.phones
        .iter()
        .find(|(k, _)| k == kind)
        .and_then(|(_, n)| trimmed(n))
}

/// The display name: given and family names, else FileAs, else the company.
fn full_name(c: &Contact) -> String {
    let parts: Vec<&str> = [
        &c.title,
        &c.first_name,
        &c.middle_name,
        &c.last_name,
        &c.suffix,
    ]
    .iter()
    .filter_map(|p| opt(p))
    .collect();
    if !parts.is_empty() {
        return parts.join(" ");
    }
    opt(&c.file_as)
        .or(opt(&c.company))
        .unwrap_or("(no name)")
        .to_string()
}

/// The ADR of the contact's address of `kind` (`business`, `home`, `other`).
fn adr(c: &Contact, kind: &str, types: &[VCardType]) -> Option<VCardEntry> {
    let a: &Address = c.addresses.iter().find(|a| a.kind == kind)?;
    let given = [&a.street, &a.city, &a.state, &a.postal_code, &a.country]
        .map(|p| opt(p).unwrap_or("").to_string());
    if given.iter().all(String::is_empty) {
        return None;
    }
    let [street, city, state, zip, country] = given;
    let mut e = parts(
        VCardProperty::Adr,
        vec![
            String::new(),
            String::new(),
            street,
            city,
            state,
            zip,
            country,
        ],
    );
    for t in types {
        e.add_param(VCardParameter::typ(VCardParameterValue::Type(t.clone())));
    }
    Some(e)
}

/// The vCard of a contact whose UID is `uid`.
pub fn contact(c: &Contact, uid: &str, v4: bool) -> VCard {
    let mut entries = names(c, uid);
    entries.extend(emails(c, v4));
    entries.extend(phones(c));
    entries.extend(work(c));
    entries.extend(relations(c, v4));
    entries.extend(personal(c, v4));
    VCard { entries }
}

/// UID, FN, N, phonetic names, nickname.
fn names(c: &Contact, uid: &str) -> Vec<VCardEntry> {
    use VCardProperty as P;
    let mut e = vec![text(P::Uid, uid), text(P::Fn, &full_name(c))];
    let n = [
        &c.last_name,
        &c.first_name,
        &c.middle_name,
        &c.title,
        &c.suffix,
    ]
    .map(|p| opt(p).unwrap_or("").to_string());
    e.push(parts(P::N, n.to_vec()));
    let x = |name: &str, v: &str| text(P::Other(name.to_string()), v);
    for (name, v) in [
        ("X-PHONETIC-FIRST-NAME", &c.yomi_first_name),
        ("X-PHONETIC-LAST-NAME", &c.yomi_last_name),
        ("X-PHONETIC-ORG", &c.yomi_company_name),
    ] {
        if let Some(v) = opt(v) {
            e.push(x(name, v));
        }
    }
    if let Some(v) = opt(&c.nickname) {
        e.push(text(P::Nickname, v));
    }
    e
}

/// The (up to three) addresses; the first preferred.
fn emails(c: &Contact, v4: bool) -> Vec<VCardEntry> {
    use VCardProperty as P;
    let mut e = Vec::new();
    for (i, mail) in c.emails.iter().enumerate() {
        if let Some(m) = trimmed(mail) {
            let mut entry = text(P::Email, address(m));
            match (v4, i) {
                (true, 0) => entry.add_param(VCardParameter::pref(VCardParameterValue::Integer(1))),
                (true, _) => {}
                (false, 0) => {
                    entry.add_param(VCardParameter::typ(VCardParameterValue::Text(
                        "INTERNET".into(),
                    )));
                    entry.add_param(VCardParameter::typ(VCardParameterValue::Text(
                        "PREF".into(),
                    )));
                }
                (false, _) => entry.add_param(VCardParameter::typ(VCardParameterValue::Text(
                    "INTERNET".into(),
                ))),
            }
            e.push(entry);
        }
    }
    e
}

/// Every phone kind EAS has.
fn phones(c: &Contact) -> Vec<VCardEntry> {
    use VCardProperty as P;
    let mut e = Vec::new();
    use VCardType as T;
    let phones: [(&str, &[VCardType], Option<&str>); 12] = [
        ("mobile", &[T::Cell, T::Voice], None),
        ("business", &[T::Work, T::Voice], None),
        ("business2", &[T::Work, T::Voice], None),
        ("home", &[T::Home, T::Voice], None),
        ("home2", &[T::Home, T::Voice], None),
        ("business_fax", &[T::Work, T::Fax], None),
        ("home_fax", &[T::Home, T::Fax], None),
        ("pager", &[T::Pager], None),
        ("company", &[T::Work, T::MainNumber], None),
        ("car", &[T::Voice], Some("X-CAR")),
        ("radio", &[T::Voice], Some("X-RADIO")),
        ("assistant", &[T::Voice], Some("X-ASSISTANT")),
    ];
    for (kind, types, extra) in phones {
        if let Some(n) = phone(c, kind) {
            let mut entry = typed(P::Tel, types, n);
            if let Some(t) = extra {
                entry.add_param(VCardParameter::typ(VCardParameterValue::Text(t.into())));
            }
            e.push(entry);
        }
    }
    e
}

/// Addresses, organization, title, web page.
fn work(c: &Contact) -> Vec<VCardEntry> {
    use VCardProperty as P;
    use VCardType as T;
    let mut e = Vec::new();
    e.extend(adr(c, "business", &[T::Work]));
    e.extend(adr(c, "home", &[T::Home]));
    e.extend(adr(c, "other", &[]));
    if opt(&c.company).is_some() || opt(&c.department).is_some() {
        let org = [&c.company, &c.department].map(|p| opt(p).unwrap_or("").to_string());
        e.push(parts(P::Org, org.to_vec()));
    }
    for (p, v) in [(P::Title, &c.job_title), (P::Url, &c.web_page)] {
        if let Some(v) = opt(v) {
            e.push(text(p, v));
        }
    }
    e
}

/// People around the contact, instant messaging and the EAS fields vCard has no property for.
fn relations(c: &Contact, v4: bool) -> Vec<VCardEntry> {
    use VCardProperty as P;
    use VCardType as T;
    let x = |name: &str, v: &str| text(P::Other(name.to_string()), v);
    let mut e = Vec::new();
    for (name, v) in [
        ("X-OFFICE", opt(&c.office_location)),
        ("X-ASSISTANT", opt(&c.assistant_name)),
        ("X-MANAGER", opt(&c.manager_name)),
        ("X-SPOUSE", opt(&c.spouse)),
        ("X-CUSTOMER-ID", opt(&c.customer_id)),
        ("X-GOVERNMENT-ID", opt(&c.government_id)),
        ("X-ACCOUNT", opt(&c.account_name)),
        ("X-MMS", phone(c, "mms")),
        ("X-ALIAS", opt(&c.alias)),
    ] {
        if let Some(v) = v {
            e.push(x(name, v));
        }
    }
    if v4 {
        if let Some(s) = opt(&c.spouse) {
            e.push(typed(P::Related, &[T::Spouse], s));
        }
        for child in &c.children {
            e.push(typed(P::Related, &[T::Child], child));
        }
    } else {
        for child in &c.children {
            e.push(x("X-CHILD", child));
        }
    }
    for im in c.im_addresses.iter().filter_map(|im| trimmed(im)) {
        e.push(text(P::Impp, im));
    }
    e
}

/// Dates, categories, notes, photo.
fn personal(c: &Contact, v4: bool) -> Vec<VCardEntry> {
    use VCardProperty as P;
    let x = |name: &str, v: &str| text(P::Other(name.to_string()), v);
    let mut e = Vec::new();
    if let Some(d) = c.birthday.as_deref().and_then(date) {
        e.push(VCardEntry::new(P::Bday).with_value(VCardValue::PartialDateTime(d)));
    }
    if let Some(d) = c.anniversary.as_deref().and_then(date) {
        if v4 {
            e.push(VCardEntry::new(P::Anniversary).with_value(VCardValue::PartialDateTime(d)));
        } else {
            // vCard 3.0 has no ANNIVERSARY; X-ANNIVERSARY with an ISO date is what readers know.
            let iso = format!(
                "{:04}-{:02}-{:02}",
                d.year.unwrap_or(0),
                d.month.unwrap_or(1),
                d.day.unwrap_or(1)
            );
            e.push(x("X-ANNIVERSARY", &iso));
        }
    }
    let categories: Vec<VCardValue> = c
        .categories
        .iter()
        .map(|c| VCardValue::Text(clean(c)))
        .collect();
    if !categories.is_empty() {
        e.push(VCardEntry::new(P::Categories).with_values(categories));
    }
    if let Some(note) = opt(&c.notes) {
        e.push(text(P::Note, note));
    }
    if let Some(bytes) = c.photo.clone() {
        let content_type = if bytes.starts_with(b"\x89PNG") {
            "image/png"
        } else {
            "image/jpeg"
        };
        let data = Data {
            content_type: Some(content_type.into()),
            data: bytes,
        };
        e.push(VCardEntry::new(P::Photo).with_value(VCardValue::Binary(data)));
    }
    e
}

/// The vCard as text.
pub fn write(card: &VCard, v4: bool) -> String {
    let mut out = String::new();
    let version = if v4 {
        VCardVersion::V4_0
    } else {
        VCardVersion::V3_0
    };
    card.write_to(&mut out, version)
        .expect("writing to a String cannot fail");
    out
}
