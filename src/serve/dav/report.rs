//! REPORT: calendar-multiget and calendar-query (RFC 4791 sections 7.9 and 7.8; comp-filter
//! and time-range on VEVENT), addressbook-multiget and addressbook-query (RFC 6352 sections
//! 8.7 and 8.6; prop-filter with text-match), and sync-collection (RFC 6578 section 3.2) with
//! tokens that are change numbers of `dav_resources`.

use std::collections::HashMap;

use axum::http::StatusCode;

use super::filter::{self, TimeRange};
use super::path::{self, Home, Target};
use super::props::{self, Collection, Node, collection, prop_names, token};
use super::xml::{self, CALDAV, CARDDAV, DAV, El, Multistatus, Prop};
use super::{Answer, DavError, Request, multistatus};
use crate::store::{DavResource, Store};

/// REPORT on a collection (a multiget also on anything of the account).
pub(super) fn report(req: &Request<'_>) -> Answer {
    let el = xml::parse(req.body_text()?).map_err(|e| DavError::new(StatusCode::BAD_REQUEST, e))?;
    let names = el.child(DAV, "prop").map(prop_names).unwrap_or_default();
    let db = req.store()?;
    let mut out = Multistatus::new();
    let mut ctx = Ctx {
        db: &db,
        account: req.account,
        names: &names,
        out: &mut out,
    };
    if el.is(CALDAV, "calendar-multiget") || el.is(CARDDAV, "addressbook-multiget") {
        multiget(&mut ctx, &el)?;
        return Ok(multistatus(out.finish()));
    }
    let Target::Collection(_, h, folder) = &req.target else {
        return Err(DavError::new(
            StatusCode::FORBIDDEN,
            format!("the {} report applies to a collection", el.name),
        ));
    };
    let c = collection(&db, *h, folder)?;
    match (el.ns.as_str(), el.name.as_str()) {
        (CALDAV, "calendar-query") if *h == Home::Calendars => calendar_query(&mut ctx, &c, &el)?,
        (CARDDAV, "addressbook-query") if *h == Home::Contacts => {
            addressbook_query(&mut ctx, &c, &el)?
        }
        (DAV, "sync-collection") => sync_collection(&mut ctx, &c, &el)?,
        _ => {
            return Err(DavError::condition(
                StatusCode::FORBIDDEN,
                DAV,
                "supported-report",
                format!("the {} report is not supported on this collection", el.name),
            ));
        }
    }
    Ok(multistatus(out.finish()))
}

/// What every report writes with.
struct Ctx<'a> {
    db: &'a Store,
    account: &'a str,
    names: &'a [Prop],
    out: &'a mut Multistatus,
}

impl Ctx<'_> {
    /// One resource's response with the asked properties (calendar-data and address-data
    /// among them); `text` when the caller has read it already.
    fn respond(
        &mut self,
        c: &Collection,
        r: &DavResource,
        text: Option<String>,
    ) -> Result<(), DavError> {
        let href = path::resource(self.account, c.home, &c.folder, &r.name);
        let data = |p: &Prop| {
            (p.0 == CALDAV && p.1 == "calendar-data") || (p.0 == CARDDAV && p.1 == "address-data")
        };
        let text = match text {
            Some(t) => Some(t),
            None if self.names.iter().any(data) => super::write::body(self.db, c, r)?,
            None => None,
        };
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        for p in self.names {
            let v = match (data(p), &text) {
                (true, Some(t)) => Some(xml::escape(t)),
                (true, None) => None,
                (false, _) => props::value(self.account, &Node::Resource(c, r), p),
            };
            match v {
                Some(v) => found.push((p.clone(), v)),
                None => missing.push(p.clone()),
            }
        }
        self.out.response(&href, &found, &missing);
        Ok(())
    }
}

fn multiget(ctx: &mut Ctx<'_>, el: &El) -> Result<(), DavError> {
    let mut known: HashMap<(Home, String), Option<Collection>> = HashMap::new();
    for href in el.children.iter().filter(|c| c.is(DAV, "href")) {
        let found = match path::parse(path::href_path(&href.text)) {
            Some(Target::Resource(a, h, folder, name)) if a == ctx.account => {
                let c = known
                    .entry((h, folder.clone()))
                    .or_insert_with(|| collection(ctx.db, h, &folder).ok())
                    .clone();
                let r = ctx
                    .db
                    .dav_resource(&folder, &name)?
                    .filter(|r| r.etag.is_some());
                c.zip(r)
            }
            _ => None,
        };
        match found {
            Some((c, r)) => ctx.respond(&c, &r, None)?,
            None => ctx.out.not_found(href.text.trim()),
        }
    }
    Ok(())
}

fn calendar_query(ctx: &mut Ctx<'_>, c: &Collection, el: &El) -> Result<(), DavError> {
    let wanted = filter::calendar(el.child(CALDAV, "filter"))
        .map_err(|e| DavError::new(StatusCode::BAD_REQUEST, e))?;
    if wanted
        .component
        .is_some_and(|w| Some(w.as_str()) != c.component())
    {
        return Ok(()); // this collection holds other components
    }
    let spans: HashMap<i64, crate::store::DavSpan> = match (&wanted.range, c.class.as_str()) {
        (Some(_), "Calendar") => ctx
            .db
            .dav_spans(&c.folder)?
            .into_iter()
            .map(|s| (s.item_id, s))
            .collect(),
        _ => HashMap::new(),
    };
    for r in ctx.db.dav_resources(&c.folder)? {
        let span = r.item_id.and_then(|i| spans.get(&i));
        if in_range(wanted.range.as_ref(), span, c) {
            ctx.respond(c, &r, None)?;
        }
    }
    Ok(())
}

/// RFC 4791 section 9.9 for events; a task, an event not typed yet (written by a client, not
/// taken by the server) or a series matches every range (the client's own filtering decides).
fn in_range(
    range: Option<&TimeRange>,
    span: Option<&crate::store::DavSpan>,
    c: &Collection,
) -> bool {
    let (Some(range), Some(span)) = (range, span) else {
        return true;
    };
    if c.class != "Calendar" {
        return true;
    }
    let start = span.start.as_deref().unwrap_or("");
    let end = span.end.as_deref().unwrap_or(start);
    let before_end = range.end.as_deref().is_none_or(|e| start < e);
    if span.recurring {
        return before_end;
    }
    let after_start = range
        .start
        .as_deref()
        .is_none_or(|s| end > s || (end == start && start >= s));
    before_end && after_start
}

fn addressbook_query(ctx: &mut Ctx<'_>, c: &Collection, el: &El) -> Result<(), DavError> {
    let wanted = filter::cards(el.child(CARDDAV, "filter"))
        .map_err(|e| DavError::new(StatusCode::BAD_REQUEST, e))?;
    for r in ctx.db.dav_resources(&c.folder)? {
        let Some(text) = super::write::body(ctx.db, c, &r)? else {
            continue;
        };
        if wanted.matches(&text) {
            ctx.respond(c, &r, Some(text))?;
        }
    }
    Ok(())
}

/// The number in a token of [`token`]; `None` when it is not one.
fn token_seq(t: &str) -> Option<i64> {
    t.trim().strip_prefix("urn:easync:sync:")?.parse().ok()
}

fn sync_collection(ctx: &mut Ctx<'_>, c: &Collection, el: &El) -> Result<(), DavError> {
    let given = el
        .child(DAV, "sync-token")
        .map(|t| t.text.trim())
        .unwrap_or("");
    let (mine, last) = ctx.db.dav_seq(&c.folder)?;
    let since = match given {
        "" => None,
        t => match token_seq(t).filter(|&n| (0..=last).contains(&n)) {
            Some(n) => Some(n),
            None => {
                return Err(DavError::condition(
                    StatusCode::FORBIDDEN,
                    DAV,
                    "valid-sync-token",
                    format!(
                        "{t} is not a token of this server (or of this database): sync again without one"
                    ),
                ));
            }
        },
    };
    let rows = match since {
        None => ctx.db.dav_resources(&c.folder)?,
        Some(n) => ctx.db.dav_changed_since(&c.folder, n)?,
    };
    for r in rows {
        match r.etag {
            Some(_) => ctx.respond(c, &r, None)?,
            None => {
                let href = path::resource(ctx.account, c.home, &c.folder, &r.name);
                ctx.out.not_found(&href);
            }
        }
    }
    ctx.out.sync_token(&token(mine.max(since.unwrap_or(0))));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Collection {
        Collection {
            folder: "1".into(),
            name: "Calendar".into(),
            class: "Calendar".into(),
            home: Home::Calendars,
        }
    }

    fn span(start: &str, end: &str, recurring: bool) -> crate::store::DavSpan {
        crate::store::DavSpan {
            item_id: 1,
            start: Some(start.into()),
            end: Some(end.into()),
            recurring,
        }
    }

    #[test]
    fn time_ranges_overlap_as_rfc_4791_9_9_says() {
        let range = TimeRange {
            start: Some("20270101T000000Z".into()),
            end: Some("20270201T000000Z".into()),
        };
        let r = Some(&range);
        assert!(in_range(
            r,
            Some(&span("20270115T100000Z", "20270115T110000Z", false)),
            &cal()
        ));
        assert!(in_range(
            r,
            Some(&span("20261231T230000Z", "20270101T010000Z", false)),
            &cal()
        ));
        assert!(!in_range(
            r,
            Some(&span("20261231T230000Z", "20270101T000000Z", false)),
            &cal()
        ));
        assert!(!in_range(
            r,
            Some(&span("20270201T000000Z", "20270201T010000Z", false)),
            &cal()
        ));
        assert!(in_range(
            r,
            Some(&span("20200101T000000Z", "20200101T010000Z", true)),
            &cal()
        ));
        assert!(!in_range(
            r,
            Some(&span("20280101T000000Z", "20280101T010000Z", true)),
            &cal()
        ));
    }

    #[test]
    fn tokens_are_numbers_in_a_urn() {
        assert_eq!(token_seq(&token(42)), Some(42));
        assert_eq!(token_seq("http://example.com/sync/42"), None);
        assert_eq!(token_seq("urn:easync:sync:x"), None);
    }
}
