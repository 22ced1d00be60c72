//! A model contact as MS-ASCNTC 2.2.2 elements (Contacts and Contacts2 code pages), the
//! inverse of `sync::convert`: the phone kinds and address kinds the convert names, three
//! e-mail and IM addresses, the notes as a plain-text `airsyncbase:Body` (MS-ASAIRS 2.2.2.9,
//! Type 1), the photo as base64 `Picture`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{body, some};
use crate::model;
use crate::proto::classes::contacts::{Category, Child, Contact};

pub(super) fn contact(c: &model::Contact) -> Contact {
    let mut p = Contact {
        file_as: some(&c.file_as),
        first_name: some(&c.first_name),
        middle_name: some(&c.middle_name),
        last_name: some(&c.last_name),
        company_name: some(&c.company),
        department: some(&c.department),
        job_title: some(&c.job_title),
        office_location: some(&c.office_location),
        title: some(&c.title),
        suffix: some(&c.suffix),
        nick_name: some(&c.nickname),
        web_page: some(&c.web_page),
        spouse: some(&c.spouse),
        assistant_name: some(&c.assistant_name),
        manager_name: some(&c.manager_name),
        birthday: some(&c.birthday),
        anniversary: some(&c.anniversary),
        body: body(&c.notes),
        categories: list(&c.categories, |s| Category(s.clone())),
        children: list(&c.children, |s| Child(s.clone())),
        picture: c.photo.as_ref().map(|b| STANDARD.encode(b)),
        yomi_first_name: some(&c.yomi_first_name),
        yomi_last_name: some(&c.yomi_last_name),
        yomi_company_name: some(&c.yomi_company_name),
        customer_id: some(&c.customer_id),
        government_id: some(&c.government_id),
        account_name: some(&c.account_name),
        alias: some(&c.alias),
        ..Contact::default()
    };
    let mut emails = c.emails.iter().map(|e| Some(e.clone()));
    p.email1_address = emails.next().flatten();
    p.email2_address = emails.next().flatten();
    p.email3_address = emails.next().flatten();
    if c.emails.len() > 3 {
        tracing::warn!(
            "to_proto: contact has {} e-mail addresses, EAS holds 3",
            c.emails.len()
        );
    }
    let mut im = c.im_addresses.iter().map(|e| Some(e.clone()));
    p.im_address = im.next().flatten();
    p.im_address2 = im.next().flatten();
    p.im_address3 = im.next().flatten();
    for (kind, number) in &c.phones {
        match phone(&mut p, kind) {
            Some(slot) if slot.is_none() => *slot = Some(number.clone()),
            Some(_) => tracing::warn!("to_proto: a second {kind} number dropped"),
            None => tracing::warn!("to_proto: phone kind {kind:?} has no EAS element"),
        }
    }
    for a in &c.addresses {
        address(&mut p, a);
    }
    p
}

fn list<T>(items: &[String], f: impl Fn(&String) -> T) -> Option<crate::proto::classes::List<T>> {
    (!items.is_empty()).then(|| items.iter().map(f).collect::<Vec<_>>().into())
}

/// The element of a phone kind (the names `sync::convert` gives them).
fn phone<'c>(p: &'c mut Contact, kind: &str) -> Option<&'c mut Option<String>> {
    Some(match kind {
        "mobile" => &mut p.mobile_phone_number,
        "business" => &mut p.business_phone_number,
        "business2" => &mut p.business2_phone_number,
        "home" => &mut p.home_phone_number,
        "home2" => &mut p.home2_phone_number,
        "car" => &mut p.car_phone_number,
        "pager" => &mut p.pager_number,
        "radio" => &mut p.radio_phone_number,
        "assistant" => &mut p.assistant_phone_number,
        "business_fax" => &mut p.business_fax_number,
        "home_fax" => &mut p.home_fax_number,
        "company" => &mut p.company_main_phone,
        "mms" => &mut p.mms,
        _ => return None,
    })
}

fn address(p: &mut Contact, a: &model::Address) {
    let fields = match a.kind.as_str() {
        "business" => [
            &mut p.business_address_street,
            &mut p.business_address_city,
            &mut p.business_address_state,
            &mut p.business_address_postal_code,
            &mut p.business_address_country,
        ],
        "home" => [
            &mut p.home_address_street,
            &mut p.home_address_city,
            &mut p.home_address_state,
            &mut p.home_address_postal_code,
            &mut p.home_address_country,
        ],
        "other" => [
            &mut p.other_address_street,
            &mut p.other_address_city,
            &mut p.other_address_state,
            &mut p.other_address_postal_code,
            &mut p.other_address_country,
        ],
        other => {
            return tracing::warn!("to_proto: address kind {other:?} has no EAS elements");
        }
    };
    let values = [&a.street, &a.city, &a.state, &a.postal_code, &a.country];
    for (slot, v) in fields.into_iter().zip(values) {
        *slot = some(v);
    }
}

/// The fields of a stored contact the model does not carry (elements easync does not type),
/// kept on a Change, and the phonetic names, customer and government ids, account and alias
/// where the model has none (another client may drop the `X-` properties the export writes
/// for them); a photo the model no longer has is deleted with an empty `Picture`
/// (MS-ASCNTC 2.2.2.57).
pub(super) fn keep(p: &mut Contact, stored: &Contact) {
    for (field, kept) in [
        (&mut p.yomi_first_name, &stored.yomi_first_name),
        (&mut p.yomi_last_name, &stored.yomi_last_name),
        (&mut p.yomi_company_name, &stored.yomi_company_name),
        (&mut p.customer_id, &stored.customer_id),
        (&mut p.government_id, &stored.government_id),
        (&mut p.account_name, &stored.account_name),
        (&mut p.alias, &stored.alias),
    ] {
        if field.is_none() {
            field.clone_from(kept);
        }
    }
    p.extra.clone_from(&stored.extra);
    if p.picture.is_none() && stored.picture.as_deref().is_some_and(|s| !s.is_empty()) {
        p.picture = Some(String::new());
    }
}
