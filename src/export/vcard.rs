//! An EAS contact (MS-ASCNTC 2.2.2) as a vCard, 3.0 (what khard and older consumers read) or
//! 4.0 (RFC 6350), written by calcard (escaping, folding, CRLF). Fields vCard has no property
//! for are written as `X-` properties (`X-ASSISTANT`, `X-MANAGER`, phonetic names as
//! `X-PHONETIC-*`, the extra phone kinds with their EAS names); the table is in `docs/export.md`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use calcard::common::{Data, PartialDateTime};
use calcard::vcard::{
    VCard, VCardEntry, VCardParameter, VCardParameterValue, VCardProperty, VCardType, VCardValue,
    VCardVersion,
};

use crate::proto::classes::contacts::Contact;

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
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
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
        .or(opt(&c.company_name))
        .unwrap_or("(no name)")
        .to_string()
}

fn adr(
    types: &[VCardType],
    street: &Option<String>,
    city: &Option<String>,
    state: &Option<String>,
    zip: &Option<String>,
    country: &Option<String>,
) -> Option<VCardEntry> {
    let given = [street, city, state, zip, country].map(|p| opt(p).unwrap_or("").to_string());
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
    if let Some(v) = opt(&c.nick_name) {
        e.push(text(P::Nickname, v));
    }
    e
}

/// The three addresses; the first preferred.
fn emails(c: &Contact, v4: bool) -> Vec<VCardEntry> {
    use VCardProperty as P;
    let mut e = Vec::new();
    for (i, mail) in [&c.email1_address, &c.email2_address, &c.email3_address]
        .iter()
        .enumerate()
    {
        if let Some(m) = opt(mail) {
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
    let phones: [(&Option<String>, &[VCardType], Option<&str>); 12] = [
        (&c.mobile_phone_number, &[T::Cell, T::Voice], None),
        (&c.business_phone_number, &[T::Work, T::Voice], None),
        (&c.business2_phone_number, &[T::Work, T::Voice], None),
        (&c.home_phone_number, &[T::Home, T::Voice], None),
        (&c.home2_phone_number, &[T::Home, T::Voice], None),
        (&c.business_fax_number, &[T::Work, T::Fax], None),
        (&c.home_fax_number, &[T::Home, T::Fax], None),
        (&c.pager_number, &[T::Pager], None),
        (&c.company_main_phone, &[T::Work, T::MainNumber], None),
        (&c.car_phone_number, &[T::Voice], Some("X-CAR")),
        (&c.radio_phone_number, &[T::Voice], Some("X-RADIO")),
        (&c.assistant_phone_number, &[T::Voice], Some("X-ASSISTANT")),
    ];
    for (number, types, extra) in phones {
        if let Some(n) = opt(number) {
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
    e.extend(adr(
        &[T::Work],
        &c.business_address_street,
        &c.business_address_city,
        &c.business_address_state,
        &c.business_address_postal_code,
        &c.business_address_country,
    ));
    e.extend(adr(
        &[T::Home],
        &c.home_address_street,
        &c.home_address_city,
        &c.home_address_state,
        &c.home_address_postal_code,
        &c.home_address_country,
    ));
    e.extend(adr(
        &[],
        &c.other_address_street,
        &c.other_address_city,
        &c.other_address_state,
        &c.other_address_postal_code,
        &c.other_address_country,
    ));
    if opt(&c.company_name).is_some() || opt(&c.department).is_some() {
        let org = [&c.company_name, &c.department].map(|p| opt(p).unwrap_or("").to_string());
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
        ("X-OFFICE", &c.office_location),
        ("X-ASSISTANT", &c.assistant_name),
        ("X-MANAGER", &c.manager_name),
        ("X-SPOUSE", &c.spouse),
        ("X-CUSTOMER-ID", &c.customer_id),
        ("X-GOVERNMENT-ID", &c.government_id),
        ("X-ACCOUNT", &c.account_name),
        ("X-MMS", &c.mms),
        ("X-ALIAS", &c.alias),
    ] {
        if let Some(v) = opt(v) {
            e.push(x(name, v));
        }
    }
    if v4 {
        if let Some(s) = opt(&c.spouse) {
            e.push(typed(P::Related, &[T::Spouse], s));
        }
        for child in c.children.iter().flat_map(|l| &l.items) {
            e.push(typed(P::Related, &[T::Child], &child.0));
        }
    } else {
        for child in c.children.iter().flat_map(|l| &l.items) {
            e.push(x("X-CHILD", &child.0));
        }
    }
    for im in [&c.im_address, &c.im_address2, &c.im_address3]
        .into_iter()
        .filter_map(opt)
    {
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
        .flat_map(|l| &l.items)
        .map(|c| VCardValue::Text(clean(&c.0)))
        .collect();
    if !categories.is_empty() {
        e.push(VCardEntry::new(P::Categories).with_values(categories));
    }
    if let Some(note) = c.body.as_ref().and_then(|b| opt(&b.data)) {
        e.push(text(P::Note, note));
    }
    if let Some(bytes) = c
        .picture
        .as_deref()
        .and_then(|p| STANDARD.decode(p.trim()).ok())
    {
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
