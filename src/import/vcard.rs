//! A vCard 3.0 (RFC 2426) or 4.0 (RFC 6350) into an EAS contact (MS-ASCNTC 2.2.2), the inverse
//! of `export::vcard`: N and FN (FN is the FileAs), ORG as company and department, TITLE,
//! numbers and addresses by kind (`vcard_tel`), BDAY and ANNIVERSARY (`X-ANNIVERSARY`
//! in 3.0), NICKNAME, URL, NOTE, CATEGORIES, IMPP, PHOTO (inline or a `data:` URI), and the
//! `X-` properties the export writes for fields vCard has none for (`X-SPOUSE`, `X-ASSISTANT`,
//! `X-MANAGER`, `X-OFFICE`, `X-CHILD`, `X-MMS`, the phonetic names `X-PHONETIC-*`,
//! `X-CUSTOMER-ID`, `X-GOVERNMENT-ID`, `X-ACCOUNT`, `X-ALIAS`), plus the names Evolution and
//! KAddressBook use for the same fields. The first card of the text is read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use calcard::common::PartialDateTime;
use calcard::vcard::{VCard, VCardEntry, VCardProperty as P, VCardValue};

use super::vcard_tel::{self, Phones, types, value_text};
use super::{ImportError, skipped, trimmed, unless_blank};
use crate::model::Contact;

/// The contact of a vCard and its UID.
pub fn contact(text: &str) -> Result<(Contact, Option<String>), ImportError> {
    let card = VCard::parse(text).map_err(|e| ImportError::NotVCard(format!("{e:?}")))?;
    let mut r = Reader::default();
    for e in &card.entries {
        r.entry(e);
    }
    Ok(r.finish())
}

#[derive(Default)]
struct Reader {
    c: Contact,
    uid: Option<String>,
    phones: Phones,
    emails: Vec<(bool, String)>,
    role: Option<String>,
}

/// The first value's text, trimmed.
fn first(e: &VCardEntry) -> Option<String> {
    e.values
        .first()
        .and_then(value_text)
        .and_then(|s| trimmed(&s))
}

/// Every value's text (lists: CATEGORIES, NICKNAME).
fn all(e: &VCardEntry) -> impl Iterator<Item = String> + '_ {
    e.values
        .iter()
        .filter_map(value_text)
        .filter_map(|s| trimmed(&s))
}

fn set_once(field: &mut Option<String>, v: Option<String>) {
    if field.is_none() {
        *field = v;
    }
}

impl Reader {
    fn entry(&mut self, e: &VCardEntry) {
        match &e.name {
            P::Uid => set_once(&mut self.uid, first(e)),
            P::Fn => set_once(&mut self.c.file_as, first(e).filter(|f| f != "(no name)")),
            P::N => self.name(e),
            P::Nickname => {
                let nick: Vec<String> = all(e).collect();
                set_once(
                    &mut self.c.nickname,
                    (!nick.is_empty()).then(|| nick.join(",")),
                );
            }
            P::Org => {
                set_once(
                    &mut self.c.company,
                    e.values
                        .first()
                        .and_then(value_text)
                        .and_then(|s| trimmed(&s)),
                );
                set_once(
                    &mut self.c.department,
                    e.values
                        .get(1)
                        .and_then(value_text)
                        .and_then(|s| trimmed(&s)),
                );
            }
            P::Title => set_once(&mut self.c.job_title, first(e)),
            P::Role => set_once(&mut self.role, first(e)),
            P::Url => set_once(&mut self.c.web_page, first(e)),
            P::Note => self.note(e),
            P::Categories => self.c.categories.extend(all(e)),
            P::Email => {
                if let Some(m) = first(e) {
                    self.emails.push((vcard_tel::preferred(e), m));
                }
            }
            P::Tel => self.phones.tel(e),
            P::Adr => {
                if let Some(a) = vcard_tel::address(e, &self.c.addresses) {
                    self.c.addresses.push(a);
                }
            }
            P::Impp => self.im(first(e)),
            P::Bday => set_once(&mut self.c.birthday, date(e, "BDAY")),
            P::Anniversary => set_once(&mut self.c.anniversary, date(e, "ANNIVERSARY")),
            P::Photo if self.c.photo.is_none() => self.c.photo = photo(e),
            P::Related => self.related(e),
            P::Other(name) => self.other(&name.to_ascii_uppercase(), e),
            _ => {}
        }
    }

    /// N: family; given; additional; prefix; suffix.
    fn name(&mut self, e: &VCardEntry) {
        let part = |i: usize| {
            e.values
                .get(i)
                .and_then(|v| match v {
                    VCardValue::Component(parts) => Some(parts.join(" ")),
                    other => other.as_text().map(String::from),
                })
                .and_then(|s| trimmed(&s))
        };
        set_once(&mut self.c.last_name, part(0));
        set_once(&mut self.c.first_name, part(1));
        set_once(&mut self.c.middle_name, part(2));
        set_once(&mut self.c.title, part(3));
        set_once(&mut self.c.suffix, part(4));
    }

    fn note(&mut self, e: &VCardEntry) {
        let Some(n) = e
            .values
            .first()
            .and_then(value_text)
            .and_then(|s| unless_blank(&s))
        else {
            return;
        };
        self.c.notes = Some(match self.c.notes.take() {
            Some(before) => format!("{before}\n{n}"),
            None => n,
        });
    }

    fn im(&mut self, v: Option<String>) {
        match v {
            Some(v) if self.c.im_addresses.len() < 3 => self.c.im_addresses.push(v),
            Some(v) => skipped("vCard", "IMPP", format_args!("{v}: EAS holds three")),
            None => {}
        }
    }

    /// RELATED (4.0): the spouse and the children.
    fn related(&mut self, e: &VCardEntry) {
        let types = types(e);
        if types.iter().any(|t| t == "spouse") {
            set_once(&mut self.c.spouse, first(e));
        } else if types.iter().any(|t| t == "child") {
            self.c.children.extend(first(e));
        }
    }

    /// The `X-` properties of the export and of other writers.
    fn other(&mut self, name: &str, e: &VCardEntry) {
        let c = &mut self.c;
        match name {
            "X-SPOUSE" | "X-EVOLUTION-SPOUSE" | "X-KADDRESSBOOK-X-SPOUSENAME" => {
                set_once(&mut c.spouse, first(e))
            }
            "X-ASSISTANT" | "X-EVOLUTION-ASSISTANT" | "X-KADDRESSBOOK-X-ASSISTANTSNAME" => {
                set_once(&mut c.assistant_name, first(e))
            }
            "X-MANAGER" | "X-EVOLUTION-MANAGER" | "X-KADDRESSBOOK-X-MANAGERSNAME" => {
                set_once(&mut c.manager_name, first(e))
            }
            "X-OFFICE" | "X-KADDRESSBOOK-X-OFFICE" => set_once(&mut c.office_location, first(e)),
            "X-PHONETIC-FIRST-NAME" => set_once(&mut c.yomi_first_name, first(e)),
            "X-PHONETIC-LAST-NAME" => set_once(&mut c.yomi_last_name, first(e)),
            "X-PHONETIC-ORG" => set_once(&mut c.yomi_company_name, first(e)),
            "X-CUSTOMER-ID" => set_once(&mut c.customer_id, first(e)),
            "X-GOVERNMENT-ID" => set_once(&mut c.government_id, first(e)),
            "X-ACCOUNT" => set_once(&mut c.account_name, first(e)),
            "X-ALIAS" => set_once(&mut c.alias, first(e)),
            "X-CHILD" => c.children.extend(first(e)),
            "X-MMS" => {
                if let Some(n) = first(e) {
                    self.phones.put("mms", &n);
                }
            }
            "X-ANNIVERSARY" | "X-EVOLUTION-ANNIVERSARY" => {
                set_once(&mut c.anniversary, date(e, name))
            }
            "X-JABBER" | "X-SKYPE" | "X-ICQ" | "X-AIM" | "X-MSN" | "X-YAHOO" | "X-SIP" => {
                self.im(first(e))
            }
            _ => {}
        }
    }

    fn finish(mut self) -> (Contact, Option<String>) {
        set_once(&mut self.c.job_title, self.role.take());
        self.c.emails = vcard_tel::emails(self.emails);
        self.c.phones = self.phones.into_sorted();
        vcard_tel::sort_addresses(&mut self.c.addresses);
        (self.c, self.uid)
    }
}

/// A date (`19900401`, `1990-04-01`, as a date or as text) as MS-ASCNTC writes it:
/// `1990-04-01T00:00:00.000Z`. A date without a year (`--0401`) EAS cannot hold.
fn date(e: &VCardEntry, property: &str) -> Option<String> {
    let parsed = match e.values.first() {
        Some(VCardValue::PartialDateTime(d)) => Some(d.clone()),
        Some(v) => v.as_text().and_then(text_date),
        None => None,
    };
    let Some(d) = parsed else {
        skipped("vCard", property, "not a date");
        return None;
    };
    match (d.year, d.month, d.day) {
        (Some(y), Some(m), Some(day)) => Some(format!("{y:04}-{m:02}-{day:02}T00:00:00.000Z")),
        _ => {
            skipped(
                "vCard",
                property,
                "a date without a year, which EAS cannot hold",
            );
            None
        }
    }
}

/// `1990-04-01` or `19900401` (with a time after it or not).
fn text_date(s: &str) -> Option<PartialDateTime> {
    let digits: String = s.trim().chars().take(10).filter(|c| *c != '-').collect();
    let d = chrono::NaiveDate::parse_from_str(digits.get(..8)?, "%Y%m%d").ok()?;
    Some(PartialDateTime {
        year: u16::try_from(chrono::Datelike::year(&d)).ok(),
        month: Some(chrono::Datelike::month(&d) as u8),
        day: Some(chrono::Datelike::day(&d) as u8),
        ..PartialDateTime::default()
    })
}

/// PHOTO: inline bytes or a `data:` URI; a URL is not fetched (no I/O here).
fn photo(e: &VCardEntry) -> Option<Vec<u8>> {
    match e.values.first()? {
        VCardValue::Binary(data) if !data.data.is_empty() => Some(data.data.clone()),
        VCardValue::Text(t) => {
            let b64 = match t.strip_prefix("data:") {
                Some(rest) => rest.split_once(";base64,").map(|(_, b)| b),
                None if t.contains(':') => None,
                None => Some(t.as_str()),
            };
            let decoded = b64.and_then(|b| {
                let clean: String = b.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                STANDARD.decode(clean).ok()
            });
            if decoded.is_none() {
                skipped(
                    "vCard",
                    "PHOTO",
                    "neither base64 nor a data: URI (a URL is not fetched)",
                );
            }
            decoded
        }
        _ => None,
    }
}
