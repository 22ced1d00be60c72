//! Free-text search of the simulated mailbox's mail, shared by Find (16.1, `cmd_find`)
//! and Search of the Mailbox store (14.x, `search_mailbox`). The whole mailbox is
//! searched, not a sync window: every live mail of the folders in scope, as the server's
//! content index would.
//!
//! The query is Keyword Query Language as Find defines it (MS-ASCMD 2.2.1.2, 2.2.3.80.1), in the
//! part clients use: words and "quoted phrases", all of which must match (KQL's implicit AND; an
//! `AND` between terms is the same), each anywhere in the subject, sender, recipients or body,
//! case-insensitively; `subject:`, `from:`, `to:`, `cc:` and `body:` restrict a term to one
//! property. Hits come newest first (by `DateReceived`).

use std::collections::HashSet;

use super::Sim;
use super::content::{self, Gen};
use super::mail::BodyWanted;
use super::mailbox::{Kind, Mailbox, State};
use super::plan::{Op, Planned};
use crate::proto::classes::email::Email;
use crate::proto::classes::{ApplicationData, ItemClass};

/// Which folders to search.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// These folders (by id); `None`: every mail folder.
    pub folders: Option<Vec<String>>,
    /// Their subfolders too (`DeepTraversal`).
    pub deep: bool,
}

/// A folder of the scope that the server does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFolder(pub String);

/// One mail that matched.
#[derive(Debug, Clone)]
pub struct Hit {
    pub folder_id: String,
    pub idx: u32,
    /// The folder is Drafts (type 3).
    pub draft: bool,
    /// Its Email class value, the body as [`search`]'s `want` asks (none when `None`).
    pub email: Email,
    /// The start of its plain-text body (at most 255 characters, MS-ASCMD 2.2.3.137).
    pub preview: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Subject,
    From,
    To,
    Cc,
    Body,
}

/// One KQL term: a word or phrase, lower-cased, maybe restricted to a property.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: Option<Field>,
    text: String,
}

fn field(name: &str) -> Option<Field> {
    Some(match name.to_ascii_lowercase().as_str() {
        "subject" => Field::Subject,
        "from" => Field::From,
        "to" => Field::To,
        "cc" => Field::Cc,
        "body" => Field::Body,
        _ => return None,
    })
}

/// The terms of a query; empty when it has none (then every mail matches: the commands refuse
/// an empty query before they search).
fn terms(query: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut rest = query.trim();
    while !rest.is_empty() {
        let (word, after) = next_word(rest);
        rest = after.trim_start();
        if word.eq_ignore_ascii_case("AND") {
            continue;
        }
        let (field, text) = match word.split_once(':') {
            Some((name, value)) if field(name).is_some() => (field(name), value),
            _ => (None, word.as_str()),
        };
        let text = text.trim_matches('"').to_lowercase();
        if !text.is_empty() {
            out.push(Term { field, text });
        }
    }
    out
}

/// The first word of `s` (a quoted phrase, or `prop:"a phrase"`, counts as one) and the rest.
fn next_word(s: &str) -> (String, &str) {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (s[..i].to_string(), &s[i..]),
            _ => {}
        }
    }
    (s.to_string(), "")
}

/// The searchable text of a mail, lower-cased.
struct Text {
    subject: String,
    from: String,
    to: String,
    cc: String,
    body: String,
}

impl Text {
    fn of(e: &Email) -> Self {
        let low = |v: &Option<String>| v.as_deref().unwrap_or_default().to_lowercase();
        Self {
            subject: low(&e.subject),
            from: low(&e.from),
            to: low(&e.to),
            cc: low(&e.cc),
            body: e.body.as_ref().map_or(String::new(), |b| low(&b.data)),
        }
    }

    fn has(&self, t: &Term) -> bool {
        let all = [
            (Field::Subject, &self.subject),
            (Field::From, &self.from),
            (Field::To, &self.to),
            (Field::Cc, &self.cc),
            (Field::Body, &self.body),
        ];
        all.iter()
            .filter(|(f, _)| t.field.is_none_or(|want| want == *f))
            .any(|(_, text)| text.contains(&t.text))
    }
}

/// The mail folders a scope names, with their subfolders when `deep`.
fn folders_in(mb: &Mailbox, scope: &Scope) -> Result<Vec<String>, NoFolder> {
    let mail = |id: &str| mb.folder(id).is_some_and(|f| f.kind == Kind::Mail);
    let Some(named) = &scope.folders else {
        let all = mb
            .folders
            .iter()
            .filter(|f| !f.deleted && f.kind == Kind::Mail);
        return Ok(all.map(|f| f.id.clone()).collect());
    };
    let mut out: Vec<String> = Vec::new();
    for id in named {
        if mb.folder(id).is_none() {
            return Err(NoFolder(id.clone()));
        }
        out.push(id.clone());
    }
    if scope.deep {
        let mut seen: HashSet<String> = out.iter().cloned().collect();
        let mut i = 0;
        while i < out.len() {
            let children = mb
                .folders
                .iter()
                .filter(|f| !f.deleted && f.parent == out[i] && seen.insert(f.id.clone()));
            let children: Vec<String> = children.map(|f| f.id.clone()).collect();
            out.extend(children);
            i += 1;
        }
    }
    out.retain(|id| mail(id));
    Ok(out)
}

/// Every live mail of the folders: (folder id, content id, is Drafts, what to generate).
fn candidates(mb: &Mailbox, folders: &[String]) -> Vec<(String, String, bool, Planned)> {
    let mut out = Vec::new();
    for f in folders.iter().filter_map(|id| mb.folder(id)) {
        for (i, item) in f.items.iter().enumerate() {
            if item.state != State::Live {
                continue;
            }
            let planned = Planned {
                idx: i as u32 + 1,
                op: Op::Add,
                version: item.content_version(),
                custom: item.custom.clone(),
                flags: item.flags.clone(),
                source: item.source.clone(),
                occurrences: Vec::new(),
                message: item.message.clone(),
            };
            out.push((
                f.id.clone(),
                f.content_id.clone(),
                f.folder_type == 3,
                planned,
            ));
        }
    }
    out
}

/// The Email class value of a mail's content (what a client wrote is read as Email).
fn as_email(data: ApplicationData) -> Option<Email> {
    match data {
        ApplicationData::Email(e) => Some(*e),
        ApplicationData::Other(el) => {
            match ApplicationData::from_elements("Search", el.elements(), Some(ItemClass::Email)) {
                Ok(ApplicationData::Email(e)) => Some(*e),
                _ => None,
            }
        }
        _ => None,
    }
}

fn generate(g: &Gen, ids: (&str, &str), p: &Planned, want: &BodyWanted) -> Option<Email> {
    as_email(content::generate(g, ids, Kind::Mail, p, want).0)
}

/// The mails of `scope` matching `query` (every one when it has no term), newest first; with
/// `want` their bodies in that form, else without a body. `Err` names a folder of the scope the server does not have.
pub fn search(
    sim: &Sim,
    scope: &Scope,
    query: &str,
    g: &Gen,
    want: Option<&BodyWanted>,
) -> Result<Vec<Hit>, NoFolder> {
    let terms = terms(query);
    let found = {
        let mb = sim.mailbox();
        let folders = folders_in(&mb, scope)?;
        candidates(&mb, &folders)
    };
    let plain = BodyWanted::default();
    let mut hits = Vec::new();
    for (folder_id, stream, draft, p) in found {
        let ids = (folder_id.as_str(), stream.as_str());
        let Some(full) = generate(g, ids, &p, &plain) else {
            continue;
        };
        let text = Text::of(&full);
        if !terms.iter().all(|t| text.has(t)) {
            continue;
        }
        let body = full.body.as_ref().and_then(|b| b.data.clone());
        let preview = body.unwrap_or_default().chars().take(255).collect();
        let mut email = match want {
            Some(w) => generate(g, ids, &p, w).unwrap_or(full),
            None => full,
        };
        if want.is_none() {
            email.body = None;
        }
        hits.push(Hit {
            folder_id,
            idx: p.idx,
            draft,
            email,
            preview,
        });
    }
    hits.sort_by(|a, b| b.email.date_received.cmp(&a.email.date_received));
    Ok(hits)
}

/// The display names of an address list (`"Zoë Åkesson" <zoe@…>, bob@…` → `Zoë Åkesson; bob@…`),
/// as `DisplayTo` shows them (MS-ASEMAIL 2.2.2.29: names separated by semicolons).
pub fn display_names(list: &str) -> String {
    let header = format!("To: {list}\r\n\r\n");
    let Some(m) = mail_parser::MessageParser::default().parse(header.as_bytes()) else {
        return list.to_string();
    };
    let Some(to) = m.to() else {
        return list.to_string();
    };
    let names: Vec<String> = to
        .iter()
        .filter_map(|a| {
            let name = a.name.as_deref().filter(|n| !n.is_empty());
            name.or(a.address.as_deref()).map(str::to_string)
        })
        .collect();
    names.join("; ")
}

/// `m-n` as (m, n), `None` when it is not of that form or n < m.
pub fn parse_range(text: &str) -> Option<(usize, usize)> {
    let (m, n) = text.trim().split_once('-')?;
    let (m, n): (usize, usize) = (m.trim().parse().ok()?, n.trim().parse().ok()?);
    (n >= m).then_some((m, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kql_terms_words_phrases_and_properties() {
        let t = terms(r#"Budget AND subject:"draft 3" from:josé  "#);
        assert_eq!(
            t,
            vec![
                Term {
                    field: None,
                    text: "budget".into()
                },
                Term {
                    field: Some(Field::Subject),
                    text: "draft 3".into()
                },
                Term {
                    field: Some(Field::From),
                    text: "josé".into()
                },
            ]
        );
        assert!(terms("   ").is_empty());
        let odd = terms("a:b");
        assert_eq!(
            odd[0].field, None,
            "an unknown property is part of the word"
        );
        assert_eq!(parse_range("0-9"), Some((0, 9)));
        assert_eq!(parse_range("5-2"), None);
        assert_eq!(parse_range("x"), None);
        let list = r#""Zoë Åkesson" <zoe@example.test>, bob@example.test"#;
        assert_eq!(display_names(list), "Zoë Åkesson; bob@example.test");
    }
}
