//! vCard TEL, ADR and EMAIL (RFC 6350 6.3.1, 6.4.1, 6.4.2) into the fixed slots of an EAS
//! contact (MS-ASCNTC 2.2.2: two business and two home numbers, one of each other kind, three
//! addresses, three e-mail addresses), the inverse of `export::vcard`'s phone table.

use calcard::vcard::{VCardEntry, VCardParameterName, VCardParameterValue, VCardValue};

use super::{skipped, trimmed};
use crate::model::Address;

/// The phone kinds of the model (`sync::convert`), in its order.
pub(crate) const PHONE_KINDS: [&str; 13] = [
    "mobile",
    "business",
    "business2",
    "home",
    "home2",
    "car",
    "pager",
    "radio",
    "assistant",
    "business_fax",
    "home_fax",
    "company",
    "mms",
];

/// The TYPE values of a property, lower-case (`TYPE=work,voice` and `TYPE=WORK;TYPE=VOICE`).
pub(crate) fn types(e: &VCardEntry) -> Vec<String> {
    e.params
        .iter()
        .filter(|p| p.name == VCardParameterName::Type)
        .filter_map(|p| p.value.as_text())
        .flat_map(|t| t.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect()
}

/// Whether a property is marked preferred (`PREF=1` in 4.0, `TYPE=pref` in 3.0).
pub(crate) fn preferred(e: &VCardEntry) -> bool {
    types(e).iter().any(|t| t == "pref")
        || e.params.iter().any(|p| {
            p.name == VCardParameterName::Pref
                && matches!(&p.value, VCardParameterValue::Integer(1))
        })
}

/// The text of a value; a list (`a,b`) joined again.
pub(crate) fn value_text(v: &VCardValue) -> Option<String> {
    match v {
        VCardValue::Component(parts) => Some(parts.join(",")),
        other => other.as_text().map(String::from),
    }
}

/// The slots a number of these types may take, in the order it takes them.
fn slots(types: &[String]) -> &'static [&'static str] {
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("x-car") || has("car") {
        &["car"]
    } else if has("x-radio") {
        &["radio"]
    } else if has("x-assistant") {
        &["assistant"]
    } else if has("pager") {
        &["pager"]
    } else if has("fax") && has("home") {
        &["home_fax"]
    } else if has("fax") {
        &["business_fax", "home_fax"]
    } else if has("main-number") {
        &["company"]
    } else if has("cell") || has("mobile") || has("iphone") {
        &["mobile"]
    } else if has("work") {
        &["business", "business2"]
    } else if has("home") {
        &["home", "home2"]
    } else {
        &["home", "home2", "business", "business2", "mobile"]
    }
}

/// The numbers of a card by kind.
#[derive(Default)]
pub(crate) struct Phones(Vec<(String, String)>);

impl Phones {
    /// A TEL: into the first free slot its types allow.
    pub(crate) fn tel(&mut self, e: &VCardEntry) {
        let Some(number) = e.values.first().and_then(value_text) else {
            return skipped("vCard", "TEL", "no number");
        };
        let number = number.strip_prefix("tel:").unwrap_or(&number).to_string();
        let Some(number) = trimmed(&number) else {
            return;
        };
        let types = types(e);
        match slots(&types).iter().find(|k| !self.has(k)) {
            Some(kind) => self.0.push(((*kind).to_string(), number)),
            None => skipped(
                "vCard",
                "TEL",
                format_args!("{number}: no free slot for TYPE={}", types.join(",")),
            ),
        }
    }

    /// A number of a known kind (`X-MMS`).
    pub(crate) fn put(&mut self, kind: &str, number: &str) {
        match trimmed(number) {
            Some(n) if !self.has(kind) => self.0.push((kind.to_string(), n)),
            _ => {}
        }
    }

    fn has(&self, kind: &str) -> bool {
        self.0.iter().any(|(k, _)| k == kind)
    }

    /// In the model's order.
    pub(crate) fn into_sorted(mut self) -> Vec<(String, String)> {
        self.0
            .sort_by_key(|(k, _)| PHONE_KINDS.iter().position(|x| x == k));
        self.0
    }
}

/// ADR: `work` is the business address, `home` the home one, any other the other one; a
/// second of a kind goes to `other` when that is free. The post-office box and extended
/// address are lines of the street.
pub(crate) fn address(e: &VCardEntry, held: &[Address]) -> Option<Address> {
    let part = |i: usize| {
        e.values
            .get(i)
            .and_then(value_text)
            .and_then(|s| trimmed(&s))
    };
    let types = types(e);
    let wanted = if types.iter().any(|t| t == "work") {
        "business"
    } else if types.iter().any(|t| t == "home") {
        "home"
    } else {
        "other"
    };
    let kind = [wanted, "other"]
        .into_iter()
        .find(|k| !held.iter().any(|a| a.kind == *k));
    let Some(kind) = kind else {
        skipped("vCard", "ADR", "a fourth address (EAS holds three)");
        return None;
    };
    let street: Vec<String> = [part(2), part(1), part(0)].into_iter().flatten().collect();
    let a = Address {
        kind: kind.to_string(),
        street: (!street.is_empty()).then(|| street.join("\n")),
        city: part(3),
        state: part(4),
        postal_code: part(5),
        country: part(6),
    };
    let empty = a.street.is_none()
        && a.city.is_none()
        && a.state.is_none()
        && a.postal_code.is_none()
        && a.country.is_none();
    (!empty).then_some(a)
}

/// Addresses in the model's order: business, home, other.
pub(crate) fn sort_addresses(a: &mut [Address]) {
    a.sort_by_key(|a| {
        ["business", "home", "other"]
            .iter()
            .position(|k| *k == a.kind)
    });
}

/// EMAIL values, the preferred first, at most three.
pub(crate) fn emails(mut found: Vec<(bool, String)>) -> Vec<String> {
    found.sort_by_key(|(pref, _)| !pref);
    if found.len() > 3 {
        skipped(
            "vCard",
            "EMAIL",
            format_args!("{} addresses past the three EAS holds", found.len() - 3),
        );
    }
    found.into_iter().take(3).map(|(_, m)| m).collect()
}
