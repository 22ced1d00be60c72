//! Search (MS-ASCMD 2.2.1.16) of the global address list: `Store/Name` `GAL`, `Query`,
//! `Options/Range`, over [`super::SimConfig::gal`] (a small directory; [`default_gal`] by
//! default). As Exchange answers:
//!
//! - an entry matches when its display name, one of its words, its first or last name, alias
//!   or address starts with the query, case-insensitively (ambiguous name resolution);
//! - each match is a `Result` whose `Properties` hold its non-empty `gal:` fields
//!   (2.2.3.139.3, 2.2.3.155.3: "a list of nonempty text properties"); no match, no `Result`;
//! - `Range` `m-n` (default `0-99`, at most 100 results; 2.2.3.143.3) selects the matches sent;
//!   the response's `Range` names those sent, `Total` counts every match;
//! - a query of fewer than 3 characters finds nothing ("most EAS servers do not send a response
//!   if the search word is less than 3 chars", TbSync #213; EAS-4-TbSync #55);
//! - a request without a `Store`, `Name` or `Query` is Status 2 (2.2.3.177.13).
//!
//! `Store/Name` `Mailbox` answers Store Status 110, as Exchange 2016 and later answer free-text
//! mailbox searches (pyactivesync; PITFALLS 18: use Find on 16.1, [`super::cmd_find`]), with
//! the `mailbox-search-110` switch on (the Exchange profile); off (`exchange-2013`, `simple`)
//! it searches as Exchange 2010/2013 did ([`super::search_mailbox`]).

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::search as sr;

use super::Sim;
use super::request::Request;
use super::search_mailbox;
use super::server::Reply;
use crate::proto::ProtoError;
use crate::proto::search::GalEntry;
use crate::proto::write::Writer;

/// The default directory: the people the generated mail comes from, and the user.
pub fn default_gal() -> Vec<GalEntry> {
    let entry = |first: &str, last: &str, alias: &str, email: &str, title: &str| GalEntry {
        display_name: Some(format!("{first} {last}")),
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        alias: Some(alias.into()),
        email_address: Some(email.into()),
        title: Some(title.into()).filter(|t: &String| !t.is_empty()),
        company: Some("Example AG".into()),
        phone: Some(format!("+49 89 1234-{}", alias.len() * 11)),
        ..GalEntry::default()
    };
    vec![
        entry(
            "Zoë",
            "Åkesson",
            "zoe.akesson",
            "zoe.akesson@example.test",
            "Projektleitung",
        ),
        entry(
            "José",
            "Núñez",
            "jose.nunez",
            "jose.nunez@example.test",
            "Vertrieb",
        ),
        entry(
            "Taro",
            "Tanaka",
            "taro.tanaka",
            "taro.tanaka@example.test",
            "",
        ),
        entry(
            "Øystein",
            "Ødegård",
            "oystein",
            "oystein@example.test",
            "IT",
        ),
        entry(
            "Ana-Maria",
            "Popescu",
            "ana.popescu",
            "ana.popescu@example.test",
            "Einkauf",
        ),
        entry(
            "Σωκράτης",
            "Παππάς",
            "sokratis",
            "sokratis@example.test",
            "",
        ),
        entry("Bob", "Example", "bob", "bob@example.test", "Buchhaltung"),
        entry("Demo", "User", "demo", "demo@easync.test", ""),
    ]
}

/// The shortest query the directory answers.
const MIN_QUERY_CHARS: usize = 3;

/// Whether an entry matches the query (ANR: a prefix of a name, a word, the alias, the address).
pub(crate) fn matches(e: &GalEntry, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    if q.chars().count() < MIN_QUERY_CHARS {
        return false;
    }
    let display = e.display_name.as_deref().unwrap_or_default().to_lowercase();
    let fields = [&e.first_name, &e.last_name, &e.alias, &e.email_address];
    display.starts_with(&q)
        || display.split_whitespace().any(|w| w.starts_with(&q))
        || fields.iter().any(|f| {
            f.as_deref()
                .is_some_and(|v| v.to_lowercase().starts_with(&q))
        })
}

/// `m-n` as a start and a count (at most 100); the default `0-99`.
fn range(text: Option<&str>) -> (usize, usize) {
    let parsed = text.and_then(|t| {
        let (m, n) = t.trim().split_once('-')?;
        let (m, n): (usize, usize) = (m.trim().parse().ok()?, n.trim().parse().ok()?);
        (n >= m).then_some((m, (n - m).saturating_add(1)))
    });
    let (start, count) = parsed.unwrap_or((0, 100));
    (start, count.min(100))
}

fn response(
    store_status: u16,
    found: &[&GalEntry],
    start: usize,
    total: usize,
) -> Result<Vec<u8>, ProtoError> {
    store_response(store_status, start, total, found.len(), false, |w| {
        for e in found {
            w.start(sr::RESULT)?;
            w.start(sr::PROPERTIES)?;
            e.write_fields(w)?;
            w.end()?;
            w.end()?;
        }
        Ok(())
    })
}

/// A Search response with one Store (MS-ASCMD 2.2.3.162.x): Store Status `status`, the
/// `shown` results `results` writes (from `start`), their Range and, on success, the Total.
/// `empty_result`: an empty `Result` when nothing matched (Search of the Mailbox does that).
pub(crate) fn store_response(
    status: u16,
    start: usize,
    total: usize,
    shown: usize,
    empty_result: bool,
    results: impl FnOnce(&mut Writer) -> Result<(), ProtoError>,
) -> Result<Vec<u8>, ProtoError> {
    let mut w = Writer::new("Search");
    w.start(sr::SEARCH)?;
    w.leaf(sr::STATUS, "1")?;
    w.start(sr::RESPONSE)?;
    w.start(sr::STORE)?;
    w.leaf(sr::STATUS, &status.to_string())?;
    results(&mut w)?;
    if empty_result && status == 1 && shown == 0 {
        w.empty(sr::RESULT)?;
    }
    if shown > 0 {
        w.leaf(sr::RANGE, &format!("{start}-{}", start + shown - 1))?;
    }
    if status == 1 {
        w.leaf(sr::TOTAL, &total.to_string())?;
    }
    w.end()?;
    w.end()?;
    w.end()?;
    w.finish()
}

fn search_status(code: u16) -> Reply {
    let root = Element::new(sr::SEARCH).with(Element::new(sr::STATUS).with_text(code.to_string()));
    match root.encode() {
        Ok(b) => Reply::Wbxml(b),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8]) -> Reply {
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(102);
    };
    let store = tree.elements().find(|e| e.tag == sr::STORE);
    let text = |tag| store?.elements().find(|e| e.tag == tag).map(|e| e.text());
    let (Some(name), Some(query)) = (
        text(sr::NAME),
        store.and_then(|s| s.elements().find(|e| e.tag == sr::QUERY)),
    ) else {
        return search_status(2);
    };
    let options = store.and_then(|s| s.elements().find(|e| e.tag == sr::OPTIONS));
    let range_text = options
        .and_then(|o| o.elements().find(|e| e.tag == sr::RANGE))
        .map(|r| r.text());
    let result = match name.as_str() {
        "GAL" => {
            let all: Vec<&GalEntry> = sim
                .config
                .gal
                .iter()
                .filter(|e| matches(e, &query.text()))
                .collect();
            let (start, count) = range(range_text.as_deref());
            let found: Vec<&GalEntry> = all.iter().skip(start).take(count).copied().collect();
            response(1, &found, start, all.len())
        }
        "Mailbox" if sim.config.profile.mailbox_search_110 => response(110, &[], 0, 0),
        "Mailbox" => search_mailbox::answer(sim, req, query, options),
        _ => return search_status(2),
    };
    match result {
        Ok(b) => Reply::Wbxml(b),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::search::{Query, Search, SearchResult};
    use crate::proto::{Command, ProtocolVersion};
    use crate::sim::{Profile, testkit};

    fn search(
        sim: &Arc<Sim>,
        query: Query,
        range: Option<&str>,
    ) -> crate::proto::search::SearchResponse {
        let s = Search {
            query,
            range: range.map(String::from),
        };
        let v = ProtocolVersion::V14_1;
        let c = testkit::Client::new(sim, v);
        let (code, body) = c.post("Search", s.encode(v).unwrap());
        assert_eq!(code, 200);
        s.decode(&body, v).unwrap()
    }

    fn names(r: &crate::proto::search::SearchResponse) -> Vec<String> {
        r.results
            .iter()
            .filter_map(|x| match x {
                SearchResult::Gal(g) => g.display_name.clone(),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_gal_answers_prefixes_with_range_and_total() {
        let sim = testkit::sim(Profile::exchange());
        let r = search(&sim, Query::Gal("pop".into()), None);
        assert_eq!(r.store_status.map(|s| s.code()), Some(1));
        assert_eq!(names(&r), vec!["Ana-Maria Popescu".to_string()]);
        assert_eq!((r.range.as_deref(), r.total), (Some("0-0"), Some(1)));
        let r = search(&sim, Query::Gal("ZOË".into()), None);
        assert_eq!(
            names(&r),
            vec!["Zoë Åkesson".to_string()],
            "case-insensitive"
        );
        let many = Sim::new(crate::sim::SimConfig {
            require_provisioning: false,
            gal: (1..=5)
                .map(|n| GalEntry {
                    display_name: Some(format!("Team {n}")),
                    ..GalEntry::default()
                })
                .collect(),
            ..crate::sim::SimConfig::default()
        });
        let r = search(&many, Query::Gal("team".into()), Some("1-2"));
        assert_eq!(names(&r), vec!["Team 2".to_string(), "Team 3".to_string()]);
        assert_eq!((r.range.as_deref(), r.total), (Some("1-2"), Some(5)));
        let r = search(&sim, Query::Gal("nobody".into()), None);
        assert!(r.results.is_empty() && r.range.is_none());
        assert_eq!(r.total, Some(0));
        let mailbox = Query::Mailbox {
            free_text: "report".into(),
            collection_ids: vec!["inbox".parse().unwrap()],
            classes: Vec::new(),
            deep_traversal: false,
        };
        let r = search(&sim, mailbox, None);
        assert_eq!(r.store_status.map(|s| s.code()), Some(110));
    }
}
