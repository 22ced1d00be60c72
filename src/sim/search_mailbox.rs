//! Search of the `Mailbox` store (MS-ASCMD 2.2.1.16) as Exchange 2010 and 2013 answered it
//! (EAS 14.x; with the `mailbox-search-110` switch, the Exchange profile's default, it answers
//! Store Status 110 instead, [`super::cmd_search`]). The whole mailbox is searched
//! ([`super::mail_search`]):
//!
//! - the `Query` holds one `And` of `airsync:Class`, `airsync:CollectionId` (0…N),
//!   `FreeText` and `GreaterThan`/`LessThan` on `email:DateReceived`; more than one `And`, or a
//!   Class, CollectionId or FreeText outside it, is Store Status 8 (too complex: R772, R923,
//!   R2032, R3105 of Microsoft's MS-ASCMD test suite); a query with nothing to match is Status 2;
//! - without a CollectionId every mail folder is searched; one the server does not have is
//!   Status 11 (FolderSync required); `DeepTraversal` takes their subfolders too; with the
//!   `search-one-collection` switch (SOGo) only the last CollectionId is searched;
//! - `Range` `m-n` (default `0-99`, at most 100 results, 2.2.3.143.3); a Class other than
//!   Email finds nothing here (the simulator indexes mail);
//! - each match is a `Result` of `airsync:Class`, `LongId` (opaque, 2.2.3.98.3),
//!   `airsync:CollectionId` and `Properties` with the Email class elements (the body only as
//!   a `BodyPreference` in `Options` asks), newest first; no match is one empty `Result`
//!   ("an empty Result element is present in the Store", the Search result description);
//!   `Range` names those sent, `Total` counts all.

use wbxml::Element;
use wbxml::tags::{air_sync as s, email as em, search as sr};

use super::Sim;
use super::content::Gen;
use super::mail::BodyWanted;
use super::mail_search::{self, Hit, Scope};
use super::request::Request;
use crate::proto::ProtoError;
use crate::proto::write::Writer;

/// The most results one Search of the Mailbox sends.
const MAX_RESULTS: usize = 100;

/// What the `And` of a Mailbox query asks.
#[derive(Debug, Default)]
struct Asked {
    classes: Vec<String>,
    folders: Vec<String>,
    free_text: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

/// The DateReceived bound of a `GreaterThan`/`LessThan` (its `Value`), if it compares that.
fn date_bound(cmp: &Element<'_>) -> Option<String> {
    cmp.elements().find(|e| e.tag == em::DATE_RECEIVED)?;
    Some(cmp.elements().find(|e| e.tag == sr::VALUE)?.text())
}

/// The query's `And`, or the Store Status that refuses it.
fn read_query(query: &Element<'_>) -> Result<Asked, u16> {
    let mut ands = query.elements().filter(|e| e.tag == sr::AND);
    let Some(and) = ands.next() else {
        return Err(8);
    };
    if ands.next().is_some() {
        return Err(8);
    }
    let mut asked = Asked::default();
    for c in and.elements() {
        match c.tag {
            s::CLASS => asked.classes.push(c.text()),
            s::COLLECTION_ID => asked.folders.push(c.text().trim().to_string()),
            sr::FREE_TEXT => asked.free_text = Some(c.text()),
            sr::GREATER_THAN => asked.after = date_bound(c),
            sr::LESS_THAN => asked.before = date_bound(c),
            _ => {}
        }
    }
    let loose = query
        .elements()
        .any(|e| matches!(e.tag, s::CLASS | s::COLLECTION_ID | sr::FREE_TEXT));
    if loose {
        return Err(8);
    }
    let text = asked.free_text.as_deref().unwrap_or("").trim();
    if text.is_empty() && asked.after.is_none() && asked.before.is_none() {
        return Err(2);
    }
    Ok(asked)
}

/// The opaque LongId of an item: not its ServerId (clients must not read one from it).
fn long_id(folder: &str, idx: u32) -> String {
    let hex: String = format!("{folder}:{idx}")
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("RgAAAA{hex}")
}

fn result(w: &mut Writer, hit: &Hit) -> Result<(), ProtoError> {
    w.start(sr::RESULT)?;
    w.leaf(s::CLASS, "Email")?;
    w.leaf(sr::LONG_ID, &long_id(&hit.folder_id, hit.idx))?;
    w.leaf(s::COLLECTION_ID, &hit.folder_id)?;
    w.start(sr::PROPERTIES)?;
    hit.email.write_fields(w)?;
    w.end()?;
    w.end()
}

/// The whole response: Store Status `status`, the hits sent (from `start`) and the total; an
/// empty `Result` when nothing matched.
pub(crate) fn response(
    status: u16,
    hits: &[Hit],
    start: usize,
    total: usize,
) -> Result<Vec<u8>, ProtoError> {
    super::cmd_search::store_response(status, start, total, hits.len(), true, |w| {
        hits.iter().try_for_each(|h| result(w, h))
    })
}

/// `m-n` as a start and a count (at most 100); the default `0-99`.
fn range(text: Option<&str>) -> (usize, usize) {
    let (start, end) = text
        .and_then(mail_search::parse_range)
        .unwrap_or((0, MAX_RESULTS - 1));
    (start, (end - start).saturating_add(1).min(MAX_RESULTS))
}

fn in_bounds(hit: &Hit, asked: &Asked) -> bool {
    let date = hit.email.date_received.as_deref().unwrap_or("");
    asked.after.as_deref().is_none_or(|a| date > a)
        && asked.before.as_deref().is_none_or(|b| date < b)
}

/// Answers a Mailbox Store: its `Query` and `Options` elements.
pub(crate) fn answer(
    sim: &Sim,
    req: &Request,
    query: &Element<'_>,
    options: Option<&Element<'_>>,
) -> Result<Vec<u8>, ProtoError> {
    let asked = match read_query(query) {
        Ok(a) => a,
        Err(code) => return response(code, &[], 0, 0),
    };
    if asked.classes.iter().any(|c| c != "Email") && !asked.classes.iter().any(|c| c == "Email") {
        return response(1, &[], 0, 0);
    }
    let option = |tag| options.and_then(|o| o.elements().find(|e| e.tag == tag));
    let mut asked = asked;
    if sim.config.profile.search_one_collection && asked.folders.len() > 1 {
        asked.folders.drain(..asked.folders.len() - 1);
    }
    let scope = Scope {
        folders: (!asked.folders.is_empty()).then(|| asked.folders.clone()),
        deep: option(sr::DEEP_TRAVERSAL).is_some(),
    };
    let want = options
        .filter(|o| o.child(17, "BodyPreference").is_some())
        .map(|o| BodyWanted::from_options(Some(o)));
    let g = Gen {
        seed: sim.config.seed,
        profile: sim.config.profile,
        v14: req.version.as_str() >= "14.0",
        v16: req.version.starts_with("16."),
    };
    // A date-only query matches every mail, then the bounds choose.
    let text = asked.free_text.clone().unwrap_or_default();
    let Ok(hits) = mail_search::search(sim, &scope, &text, &g, want.as_ref()) else {
        return response(11, &[], 0, 0);
    };
    let hits: Vec<Hit> = hits.into_iter().filter(|h| in_bounds(h, &asked)).collect();
    let (start, count) = range(option(sr::RANGE).map(|r| r.text()).as_deref());
    let page: Vec<Hit> = hits.iter().skip(start).take(count).cloned().collect();
    response(1, &page, start, hits.len())
}
