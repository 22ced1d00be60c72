//! Find (EAS 16.1, MS-ASCMD 2.2.1.2): free-text search of the whole mailbox
//! (`MailBoxSearchCriterion`, [`super::mail_search`]) or of the directory
//! (`GALSearchCriterion`, matched as Search `GAL` is, [`super::cmd_search`]). As Exchange
//! answers (the cases of Microsoft's MS-ASCMD test suite, `S23_Find`):
//!
//! - only at 16.1 (the command does not exist before): another version is HTTP 400;
//! - a `SearchId` that is not a GUID (the FindRequest schema's pattern, 6.7), a missing
//!   criterion or query, or an empty `FreeText` is Find Status 2;
//! - a `CollectionId` the server does not have is Find Status 3 (the hierarchy is out of date);
//!   without one every mail folder is searched (2.2.3.30.1: a global search);
//! - a `Range` that does not begin with 0 is Response Status 4; the default is `0-99`, and at
//!   most 1000 results are sent (pyactivesync keeps requests within `0-999`);
//! - each match is a `Result` with `airsync:Class`, `airsync:ServerId`, `airsync:CollectionId`
//!   and `Properties` (Subject, DateReceived, DisplayTo, DisplayCc, Importance, Read, IsDraft,
//!   Preview of at most 255 characters, HasAttachments, From: 2.2.3.139.1), newest first; no
//!   match, no `Result` (2.2.3.155.1); `Range` names those sent, `Total` counts all (0 with
//!   the `find-total-zero` switch, as Exchange sends it).

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::{air_sync as s, email as em, email2 as em2, find as f, item_operations as io};

use super::Sim;
use super::cmd_search;
use super::content::Gen;
use super::mail_search::{self, Hit, Scope};
use super::request::Request;
use super::server::Reply;
use crate::proto::ProtoError;
use crate::proto::search::GalEntry;
use crate::proto::write::Writer;

/// The most results one Find sends.
const MAX_RESULTS: usize = 1000;

/// What a Find asks.
struct Asked {
    gal: bool,
    free_text: String,
    class: Option<String>,
    scope: Scope,
    range: Option<String>,
}

fn is_guid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn read(tree: &Element<'_>) -> Option<Asked> {
    let search_id = tree.elements().find(|e| e.tag == f::SEARCH_ID)?.text();
    if !is_guid(search_id.trim()) {
        return None;
    }
    let exec = tree.elements().find(|e| e.tag == f::EXECUTE_SEARCH)?;
    let criterion = exec.elements().find(|e| {
        matches!(
            e.tag,
            f::MAIL_BOX_SEARCH_CRITERION | f::GAL_SEARCH_CRITERION
        )
    })?;
    let gal = criterion.tag == f::GAL_SEARCH_CRITERION;
    let query = criterion.elements().find(|e| e.tag == f::QUERY)?;
    let child = |tag| query.elements().find(|e| e.tag == tag).map(|e| e.text());
    // The GAL criterion's Query is the text (2.2.3.142.1); a FreeText in it is read too.
    let free_text = match (gal, child(f::FREE_TEXT)) {
        (_, Some(text)) => text,
        (true, None) => query.text(),
        (false, None) => return None,
    };
    let options = criterion.elements().find(|e| e.tag == f::OPTIONS);
    let option = |tag| options.and_then(|o| o.elements().find(|e| e.tag == tag));
    let folder = child(s::COLLECTION_ID).map(|c| c.trim().to_string());
    Some(Asked {
        gal,
        free_text,
        class: child(s::CLASS),
        scope: Scope {
            folders: folder.map(|c| vec![c]),
            deep: option(f::DEEP_TRAVERSAL).is_some(),
        },
        range: option(f::RANGE).map(|r| r.text()),
    })
}

fn status_only(code: u16) -> Reply {
    let root = Element::new(f::FIND).with(Element::new(f::STATUS).with_text(code.to_string()));
    match root.encode() {
        Ok(b) => Reply::Wbxml(b),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The `Properties` of a mail hit (2.2.3.139.1, in its order).
fn mail_properties(w: &mut Writer, hit: &Hit) -> Result<(), ProtoError> {
    let e = &hit.email;
    w.start(f::PROPERTIES)?;
    w.opt_leaf(em::SUBJECT, e.subject.as_deref())?;
    w.opt_leaf(em::DATE_RECEIVED, e.date_received.as_deref())?;
    w.opt_leaf(em::DISPLAY_TO, e.display_to.as_deref())?;
    let cc = e.cc.as_deref().map(mail_search::display_names);
    w.opt_leaf(f::DISPLAY_CC, cc.filter(|c| !c.is_empty()))?;
    w.opt_leaf(em::IMPORTANCE, e.importance)?;
    w.opt_leaf(em::READ, e.read.map(u8::from))?;
    w.leaf(em2::IS_DRAFT, if hit.draft { "1" } else { "0" })?;
    if !hit.preview.is_empty() {
        w.leaf(f::PREVIEW, &hit.preview)?;
    }
    let attached = e.attachments.as_ref().is_some_and(|a| !a.items.is_empty());
    w.leaf(f::HAS_ATTACHMENTS, if attached { "1" } else { "0" })?;
    w.opt_leaf(em::FROM, e.from.as_deref())?;
    w.end()
}

fn mail_result(w: &mut Writer, hit: &Hit, folder_server_id: &str) -> Result<(), ProtoError> {
    w.start(f::RESULT)?;
    w.leaf(s::CLASS, "Email")?;
    w.leaf(s::SERVER_ID, folder_server_id)?;
    w.leaf(s::COLLECTION_ID, &hit.folder_id)?;
    mail_properties(w, hit)?;
    w.end()
}

fn gal_result(w: &mut Writer, entry: &GalEntry) -> Result<(), ProtoError> {
    w.start(f::RESULT)?;
    w.start(f::PROPERTIES)?;
    entry.write_fields(w)?;
    w.end()?;
    w.end()
}

/// The found items of a page: mail hits or GAL entries.
enum Page<'a> {
    Mail(&'a [Hit]),
    Gal(&'a [&'a GalEntry]),
}

fn response(sim: &Sim, store: &str, page: Page<'_>, total: usize) -> Result<Vec<u8>, ProtoError> {
    let mut w = Writer::new("Find");
    w.start(f::FIND)?;
    w.leaf(f::STATUS, "1")?;
    w.start(f::RESPONSE)?;
    w.leaf(io::STORE, store)?;
    w.leaf(f::STATUS, "1")?;
    let sent = match page {
        Page::Mail(hits) => {
            let mb = sim.mailbox();
            for h in hits {
                let sid = mb.folder(&h.folder_id).map(|fo| fo.server_id(h.idx));
                mail_result(&mut w, h, &sid.unwrap_or_default())?;
            }
            hits.len()
        }
        Page::Gal(entries) => {
            for e in entries {
                gal_result(&mut w, e)?;
            }
            entries.len()
        }
    };
    if sent > 0 {
        w.leaf(f::RANGE, &format!("0-{}", sent - 1))?;
    }
    let total = if sim.config.profile.find_total_zero {
        0
    } else {
        total
    };
    w.leaf(f::TOTAL, &total.to_string())?;
    w.end()?;
    w.end()?;
    w.finish()
}

/// A Response carrying only its Status (4: the range does not begin with 0).
fn response_status(store: &str, code: u16) -> Result<Vec<u8>, ProtoError> {
    let mut w = Writer::new("Find");
    w.start(f::FIND)?;
    w.leaf(f::STATUS, "1")?;
    w.start(f::RESPONSE)?;
    w.leaf(io::STORE, store)?;
    w.leaf(f::STATUS, &code.to_string())?;
    w.end()?;
    w.end()?;
    w.finish()
}

/// How many results to send: `Err(4)` when the range does not begin with 0, `Err(2)` when it
/// is no range.
fn count(range: Option<&str>) -> Result<usize, u16> {
    let Some(text) = range else {
        return Ok(100);
    };
    match mail_search::parse_range(text) {
        Some((0, n)) => Ok(n.saturating_add(1).min(MAX_RESULTS)),
        Some(_) => Err(4),
        None => Err(2),
    }
}

fn answer(sim: &Sim, req: &Request, asked: &Asked) -> Result<Result<Vec<u8>, u16>, ProtoError> {
    let store = if asked.gal { "GAL" } else { "Mailbox" };
    let n = match count(asked.range.as_deref()) {
        Ok(n) => n,
        Err(4) => return response_status(store, 4).map(Ok),
        Err(code) => return Ok(Err(code)),
    };
    if asked.gal {
        let all: Vec<&GalEntry> = sim
            .config
            .gal
            .iter()
            .filter(|e| cmd_search::matches(e, &asked.free_text))
            .collect();
        let page: Vec<&GalEntry> = all.iter().take(n).copied().collect();
        return response(sim, store, Page::Gal(&page), all.len()).map(Ok);
    }
    if asked.class.as_deref().is_some_and(|c| c != "Email") {
        return response(sim, store, Page::Mail(&[]), 0).map(Ok);
    }
    let g = Gen {
        seed: sim.config.seed,
        profile: sim.config.profile,
        v14: true,
        v16: req.version.starts_with("16."),
    };
    match mail_search::search(sim, &asked.scope, &asked.free_text, &g, None) {
        Ok(hits) => {
            let shown = &hits[..hits.len().min(n)];
            response(sim, store, Page::Mail(shown), hits.len()).map(Ok)
        }
        Err(_) => Ok(Err(3)),
    }
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8]) -> Reply {
    if req.version != "16.1" {
        return Reply::Http(
            axum::http::StatusCode::BAD_REQUEST,
            format!(
                "Find is an EAS 16.1 command; this request speaks {}",
                req.version
            ),
        );
    }
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(102);
    };
    let Some(asked) = read(&tree).filter(|a| !a.free_text.trim().is_empty()) else {
        return status_only(2);
    };
    match answer(sim, req, &asked) {
        Ok(Ok(bytes)) => Reply::Wbxml(bytes),
        Ok(Err(code)) => status_only(code),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
