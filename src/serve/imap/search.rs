//! SEARCH and UID SEARCH (RFC 3501 6.4.4), answered from the mirror: flags from the view,
//! addresses, subjects and bodies from the stored mails (substring, case-insensitive), dates
//! from `DateReceived`. Sizes are the whole message's when it was fetched, else the body's.

use imap_next::imap_types::core::{Tag, Vec1};
use imap_next::imap_types::response::Data;
use imap_next::imap_types::search::SearchKey;

use super::session::{Reply, Session, no, ok};
use super::view::{Msg, View};
use super::wire::{contains, nz};
use crate::store::ImapSearchFields;

impl Session {
    pub async fn search(
        &mut self,
        tag: &Tag<'static>,
        criteria: &Vec1<SearchKey<'static>>,
        uid: bool,
    ) -> Reply {
        let (Some(db), Some(view)) = (self.db.as_ref(), self.view.as_ref()) else {
            return Reply {
                data: Vec::new(),
                status: no(tag, "select a mailbox first"),
            };
        };
        let keys = criteria.as_ref();
        let needs = Needs::of(keys);
        let fields = if needs.fields {
            let ids: Vec<i64> = view.msgs.iter().map(|m| m.item_id).collect();
            match db.imap_search_fields(&ids, needs.body) {
                Ok(f) => f,
                Err(e) => {
                    return Reply {
                        data: Vec::new(),
                        status: no(tag, &format!("[UNAVAILABLE] {e}")),
                    };
                }
            }
        } else {
            Default::default()
        };
        let empty = ImapSearchFields::default();
        let found: Vec<_> = view
            .msgs
            .iter()
            .enumerate()
            .filter(|(i, m)| {
                let f = fields.get(&m.item_id).unwrap_or(&empty);
                keys.iter().all(|k| matches(k, *i, m, f, view))
            })
            .map(|(i, m)| nz(if uid { m.uid } else { i as u32 + 1 }))
            .collect();
        Reply {
            data: vec![Data::Search(found)],
            status: ok(tag, "SEARCH done"),
        }
    }
}

struct Needs {
    fields: bool,
    body: bool,
}

impl Needs {
    fn of(keys: &[SearchKey<'_>]) -> Self {
        let mut n = Needs {
            fields: false,
            body: false,
        };
        for k in keys {
            n.visit(k);
        }
        n
    }

    fn visit(&mut self, k: &SearchKey<'_>) {
        use SearchKey as K;
        match k {
            K::And(ks) => ks.as_ref().iter().for_each(|k| self.visit(k)),
            K::Not(k) => self.visit(k),
            K::Or(a, b) => {
                self.visit(a);
                self.visit(b);
            }
            K::Body(_) | K::Text(_) | K::Header(..) => {
                self.fields = true;
                self.body = true;
            }
            K::Subject(_)
            | K::From(_)
            | K::To(_)
            | K::Cc(_)
            | K::Bcc(_)
            | K::Larger(_)
            | K::Smaller(_) => self.fields = true,
            _ => {}
        }
    }
}

fn has(hay: &str, needle: &[u8]) -> bool {
    let needle = String::from_utf8_lossy(needle).to_lowercase();
    needle.is_empty() || hay.to_lowercase().contains(&needle)
}

fn date(m: &Msg) -> Option<chrono::NaiveDate> {
    m.date_received
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.date_naive())
}

fn matches(k: &SearchKey<'_>, i: usize, m: &Msg, f: &ImapSearchFields, view: &View) -> bool {
    use SearchKey as K;
    let on = |d: &imap_next::imap_types::datetime::NaiveDate,
              cmp: fn(chrono::NaiveDate, chrono::NaiveDate) -> bool| {
        date(m).is_some_and(|x| cmp(x, *d.as_ref()))
    };
    let last_uid = view.msgs.last().map_or(0, |l| l.uid);
    match k {
        K::And(ks) => ks.as_ref().iter().all(|k| matches(k, i, m, f, view)),
        K::Not(k) => !matches(k, i, m, f, view),
        K::Or(a, b) => matches(a, i, m, f, view) || matches(b, i, m, f, view),
        K::All => true,
        K::SequenceSet(set) => contains(set, i as u32 + 1, view.msgs.len() as u32),
        K::Uid(set) => contains(set, m.uid, last_uid),
        K::Seen => m.flags.seen,
        K::Unseen => !m.flags.seen,
        K::Flagged => m.flags.flagged,
        K::Unflagged => !m.flags.flagged,
        K::Answered => m.flags.has_local("\\Answered"),
        K::Unanswered => !m.flags.has_local("\\Answered"),
        K::Deleted => m.flags.deleted(),
        K::Undeleted => !m.flags.deleted(),
        K::Draft => m.flags.has_local("\\Draft"),
        K::Undraft => !m.flags.has_local("\\Draft"),
        K::Keyword(a) => m.flags.has_local(a.as_ref()),
        K::Unkeyword(a) => !m.flags.has_local(a.as_ref()),
        K::New | K::Recent => false,
        K::Old => true,
        K::Subject(s) => has(&f.subject, s.as_ref()),
        K::From(s) => has(&f.from, s.as_ref()),
        K::To(s) => has(&f.to, s.as_ref()),
        K::Cc(s) => has(&f.cc, s.as_ref()),
        K::Bcc(_) => false,
        K::Body(s) => has(&f.body, s.as_ref()),
        K::Text(s) => {
            has(&f.body, s.as_ref()) || has(&f.subject, s.as_ref()) || has(&f.from, s.as_ref())
        }
        K::Header(name, value) => {
            let name = String::from_utf8_lossy(name.as_ref()).to_ascii_lowercase();
            match name.as_str() {
                "subject" => has(&f.subject, value.as_ref()),
                "from" => has(&f.from, value.as_ref()),
                "to" => has(&f.to, value.as_ref()),
                "cc" => has(&f.cc, value.as_ref()),
                _ => header_in(&f.body, &name, value.as_ref()),
            }
        }
        K::Larger(n) => f.size > *n,
        K::Smaller(n) => f.size < *n,
        K::Before(d) | K::SentBefore(d) => on(d, |x, d| x < d),
        K::On(d) | K::SentOn(d) => on(d, |x, d| x == d),
        K::Since(d) | K::SentSince(d) => on(d, |x, d| x >= d),
    }
}

/// A header field of a whole message (when the mirror has it) holding `value`.
fn header_in(message: &str, name: &str, value: &[u8]) -> bool {
    let head = message.split("\r\n\r\n").next().unwrap_or("");
    let value = String::from_utf8_lossy(value).to_lowercase();
    head.lines().any(|l| {
        l.split_once(':').is_some_and(|(n, v)| {
            n.trim().eq_ignore_ascii_case(name) && v.to_lowercase().contains(&value)
        })
    })
}
