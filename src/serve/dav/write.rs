//! GET and HEAD of a resource with its ETag, PUT (RFC 4791 section 5.3.2, RFC 6352 section
//! 6.3.2) and DELETE, with the conditional headers of RFC 9110 section 13.1: `If-None-Match: *`
//! creates only, `If-Match` updates or deletes only what the client saw — 412 otherwise.
//!
//! A PUT or DELETE is recorded in the journal of local changes (origin `dav`) in one
//! transaction before it is answered; the resource shows the text as written (with a new
//! ETag) until the server has taken it, then the server's version.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::path::{self, Target};
use super::props::{Collection, collection, live, quoted};
use super::xml::{CALDAV, CARDDAV};
use super::{Answer, DavError, Request};
use crate::model::{FileItem, LocalChange};
use crate::store::{DavBody, DavResource, Store};
use crate::sync::SyncError;

fn not_a_resource(what: &str) -> DavError {
    DavError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{what} applies to a resource inside a collection; collections are the server's folders"
        ),
    )
}

/// The text a resource holds now; `None` when it is gone. A contact or task a client created
/// shows the UID it wrote (EAS keeps none for them: the export would give one of its own).
pub(super) fn body(
    db: &Store,
    c: &Collection,
    r: &DavResource,
) -> Result<Option<String>, DavError> {
    Ok(match db.dav_body(r)? {
        Some(DavBody::Written(text)) => Some(text),
        Some(DavBody::Item(raw)) => crate::export::file_text(&raw, c.class())
            .map_err(|e| DavError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .map(|t| match (&r.uid, c.class.as_str()) {
                (Some(uid), "Contacts" | "Tasks") => with_uid(&t, uid),
                _ => t,
            }),
        None => None,
    })
}

/// `text` with its first UID content line (and its folded continuation) saying `uid`.
fn with_uid(text: &str, uid: &str) -> String {
    let mut out = String::with_capacity(text.len() + uid.len());
    let (mut done, mut skipping) = (false, false);
    for line in text.split_inclusive('\n') {
        if skipping && line.starts_with([' ', '\t']) {
            continue;
        }
        skipping = false;
        let head = line.split([':', ';']).next().unwrap_or("");
        if !done && head.eq_ignore_ascii_case("UID") {
            let clean: String = uid.chars().filter(|c| !c.is_control()).collect();
            out.push_str(&format!("UID:{clean}\r\n"));
            (done, skipping) = (true, true);
            continue;
        }
        out.push_str(line);
    }
    out
}

/// GET and HEAD (hyper leaves the body out of a HEAD answer).
pub(super) fn get(req: &Request<'_>) -> Answer {
    let Target::Resource(_, h, folder, name) = &req.target else {
        return Err(not_a_resource("GET"));
    };
    let db = req.store()?;
    let c = collection(&db, *h, folder)?;
    let r = live(&db, folder, name)?;
    let text = body(&db, &c, &r)?
        .ok_or_else(|| DavError::new(StatusCode::NOT_FOUND, format!("{name} is gone")))?;
    let mut resp = Response::new(Body::from(text));
    let hs = resp.headers_mut();
    hs.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(c.content_type()),
    );
    if let Some(v) = r
        .etag
        .as_deref()
        .and_then(|e| HeaderValue::from_str(&quoted(e)).ok())
    {
        hs.insert(header::ETAG, v);
    }
    Ok(resp)
}

/// Whether an `If-Match` / `If-None-Match` list names the current ETag (`*`: any).
fn names(list: &str, etag: Option<&str>) -> bool {
    let Some(etag) = etag else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == quoted(etag))
}

/// RFC 9110 section 13.1.1 and 13.1.2 against the resource's current ETag.
fn check(req: &Request<'_>, etag: Option<&str>) -> Result<(), DavError> {
    let failed = |why: String| DavError::new(StatusCode::PRECONDITION_FAILED, why);
    if let Some(list) = req.header(header::IF_MATCH)
        && !names(list, etag)
    {
        return Err(failed(match etag {
            Some(e) => format!(
                "If-Match {list} does not name the current ETag {}",
                quoted(e)
            ),
            None => format!("If-Match {list}: there is no such resource (any more)"),
        }));
    }
    if let Some(list) = req.header(header::IF_NONE_MATCH)
        && names(list, etag)
    {
        return Err(failed(
            "If-None-Match: the resource exists already (its ETag matches)".into(),
        ));
    }
    Ok(())
}

/// Records one change; what the store refuses is the client's fault (403 with why).
fn record(db: &mut Store, change: LocalChange, c: &Collection) -> Result<(), DavError> {
    match crate::sync::local::record(db, vec![change], "dav") {
        Ok(_) => Ok(()),
        Err(SyncError::Refused(why)) => Err(invalid(c, &why)),
        Err(e) => Err(DavError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            e.to_string(),
        )),
    }
}

/// RFC 4791 section 5.3.2.1, RFC 6352 section 6.3.2.1: 403 with the precondition and why.
fn invalid(c: &Collection, why: &str) -> DavError {
    let (ns, name) = match c.home {
        path::Home::Calendars => (CALDAV, "valid-calendar-data"),
        path::Home::Contacts => (CARDDAV, "valid-address-data"),
    };
    DavError::condition(StatusCode::FORBIDDEN, ns, name, format!("{name}: {why}"))
}

/// PUT: a new resource (an Add), or a new text for one (an Edit, or the waiting Add's text).
pub(super) fn put(req: &Request<'_>) -> Answer {
    let Target::Resource(_, h, folder, name) = &req.target else {
        return Err(not_a_resource("PUT"));
    };
    let mut db = req.store()?;
    let c = collection(&db, *h, folder)?;
    let current = db.dav_resource(folder, name)?.filter(|r| r.etag.is_some());
    check(req, current.as_ref().and_then(|r| r.etag.as_deref()))?;
    let text = req.body_text()?.to_string();
    // Refused here, before anything is recorded.
    if let Err(why) = crate::sync::files::FileItem::parse(&c.class, &text) {
        return Err(invalid(&c, &why));
    }
    let href = path::resource(req.account, *h, folder, name);
    let file = FileItem {
        path: href.clone(),
        text,
    };
    let created = current.is_none();
    match current {
        None => record(
            &mut db,
            LocalChange::Add {
                folder: folder.clone(),
                class: c.class.clone(),
                file,
            },
            &c,
        )?,
        Some(DavResource {
            change_id: Some(_), ..
        }) => {
            if !db.update_waiting_add(&href, &file.text)? {
                return Err(DavError::new(
                    StatusCode::CONFLICT,
                    "the server took this new resource meanwhile: read it again, then write",
                ));
            }
        }
        Some(DavResource {
            item_id: Some(item),
            ..
        }) => record(&mut db, LocalChange::Edit { item, file }, &c)?,
        Some(_) => {
            return Err(DavError::new(
                StatusCode::NOT_FOUND,
                format!("{name} is gone"),
            ));
        }
    }
    written(&mut db, folder, name, created)
}

/// The answer to a PUT recorded: 201 or 204 with the new ETag (the text is served as written).
fn written(db: &mut Store, folder: &str, name: &str, created: bool) -> Answer {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::NO_CONTENT
    };
    let mut resp = super::text(status, "");
    // Recorded already: a failure to read the new ETag only leaves it out.
    let etag = db
        .dav_refresh()
        .and_then(|()| db.dav_resource(folder, name))
        .ok()
        .flatten()
        .and_then(|r| r.etag);
    if let Some(v) = etag.and_then(|e| HeaderValue::from_str(&quoted(&e)).ok()) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

/// DELETE: a Delete of the item, or the waiting Add dropped.
pub(super) fn delete(req: &Request<'_>) -> Answer {
    let Target::Resource(_, h, folder, name) = &req.target else {
        return Err(not_a_resource("DELETE"));
    };
    let mut db = req.store()?;
    let c = collection(&db, *h, folder)?;
    let r = live(&db, folder, name)?;
    check(req, r.etag.as_deref())?;
    match (r.change_id, r.item_id) {
        (Some(change), _) => {
            db.drop_change(change)?;
        }
        (None, Some(item)) => record(&mut db, LocalChange::Delete { item, hard: false }, &c)?,
        (None, None) => {
            return Err(DavError::new(
                StatusCode::NOT_FOUND,
                format!("{name} is gone"),
            ));
        }
    }
    if let Err(e) = db.dav_refresh() {
        tracing::warn!("after a DELETE: {e}");
    }
    Ok(super::text(StatusCode::NO_CONTENT, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_uid_replaces_the_exports_own_folded_or_not() {
        let text = "BEGIN:VCARD\r\nUID:easync-contacts-\r\n 7\r\nFN:X\r\nEND:VCARD\r\n";
        assert_eq!(
            with_uid(text, "mine-1"),
            "BEGIN:VCARD\r\nUID:mine-1\r\nFN:X\r\nEND:VCARD\r\n"
        );
    }

    #[test]
    fn preconditions_name_the_current_etag_or_any() {
        assert!(names("\"a\", \"b\"", Some("b")));
        assert!(names("W/\"b\"", Some("b")));
        assert!(names("*", Some("x")));
        assert!(!names("*", None));
        assert!(!names("\"a\"", Some("b")));
    }
}
