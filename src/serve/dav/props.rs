//! PROPFIND (RFC 4918 section 9.1) and the properties of each kind of resource: the context
//! path and the principal (current-user-principal, RFC 5397; principal-URL, RFC 3744), the
//! homes (calendar-home-set, RFC 4791 section 6.2.1; addressbook-home-set, RFC 6352 section
//! 7.1.1), the collections (resourcetype, displayname, supported-calendar-component-set —
//! VEVENT for a Calendar folder, VTODO for a Tasks one —, getctag, sync-token of RFC 6578,
//! current-user-privilege-set of RFC 3744) and the resources (getetag, getcontenttype).

use axum::http::StatusCode;

use super::path::{self, Home, Target};
use super::xml::{self, CALDAV, CARDDAV, CS, DAV, El, Multistatus, Prop};
use super::{Answer, DavError, Request, multistatus};
use crate::store::{DavResource, Store};

/// A collection: a Calendar, Tasks or Contacts folder of the store.
#[derive(Debug, Clone)]
pub(crate) struct Collection {
    pub folder: String,
    pub name: String,
    pub class: String,
    pub home: Home,
}

impl Collection {
    /// The iCalendar component its resources hold (`None` for contacts).
    pub fn component(&self) -> Option<&'static str> {
        match self.class.as_str() {
            "Calendar" => Some("VEVENT"),
            "Tasks" => Some("VTODO"),
            _ => None,
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self.home {
            Home::Calendars => "text/calendar; charset=utf-8",
            Home::Contacts => "text/vcard; charset=utf-8",
        }
    }

    pub fn class(&self) -> crate::proto::classes::ItemClass {
        crate::proto::classes::ItemClass::from_name(&self.class)
            .unwrap_or(crate::proto::classes::ItemClass::Contacts)
    }
}

/// The collections of a home.
pub(crate) fn collections(db: &Store, home: Home) -> Result<Vec<Collection>, DavError> {
    Ok(db
        .folders()?
        .into_iter()
        .filter(|f| !f.orphaned)
        .filter_map(|f| {
            let class = f.class.filter(|c| home.holds(c))?;
            Some(Collection {
                folder: f.server_id,
                name: f.name,
                class,
                home,
            })
        })
        .collect())
}

/// The collection `folder` of `home`; 404 when there is none.
pub(crate) fn collection(db: &Store, home: Home, folder: &str) -> Result<Collection, DavError> {
    collections(db, home)?
        .into_iter()
        .find(|c| c.folder == folder)
        .ok_or_else(|| {
            DavError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "there is no {} folder {folder:?} (see easync folders)",
                    home.segment()
                ),
            )
        })
}

/// A collection's RFC 6578 token (also its getctag): its last change number.
pub(crate) fn token(seq: i64) -> String {
    format!("urn:easync:sync:{seq}")
}

/// What PROPFIND asks for.
enum Wanted {
    Props(Vec<Prop>),
    All,
    Names,
}

fn wanted(body: &str) -> Result<Wanted, DavError> {
    if body.trim().is_empty() {
        return Ok(Wanted::All);
    }
    let el = xml::parse(body).map_err(|e| DavError::new(StatusCode::BAD_REQUEST, e))?;
    if !el.is(DAV, "propfind") {
        return Err(DavError::new(
            StatusCode::BAD_REQUEST,
            format!("a PROPFIND body is a DAV:propfind, not {}", el.name),
        ));
    }
    if let Some(p) = el.child(DAV, "prop") {
        return Ok(Wanted::Props(prop_names(p)));
    }
    Ok(match el.child(DAV, "propname") {
        Some(_) => Wanted::Names,
        None => Wanted::All,
    })
}

/// The names inside a `DAV:prop`.
pub(crate) fn prop_names(prop: &El) -> Vec<Prop> {
    prop.children
        .iter()
        .map(|c| (c.ns.clone(), c.name.clone()))
        .collect()
}

/// What a PROPFIND answers about.
pub(crate) enum Node<'a> {
    Root,
    Principal,
    Home(Home),
    Collection(&'a Collection, i64),
    Resource(&'a Collection, &'a DavResource),
}

fn p(ns: &str, name: &str) -> Prop {
    (ns.to_string(), name.to_string())
}

/// What allprop (and propname) shows of a node.
fn all(node: &Node<'_>) -> Vec<Prop> {
    let mut out = vec![p(DAV, "resourcetype"), p(DAV, "displayname")];
    match node {
        Node::Root | Node::Principal => out.push(p(DAV, "current-user-principal")),
        Node::Home(_) => {}
        Node::Collection(c, _) => {
            out.extend([p(DAV, "sync-token"), p(CS, "getctag")]);
            if c.component().is_some() {
                out.push(p(CALDAV, "supported-calendar-component-set"));
            }
        }
        Node::Resource(..) => {
            out = vec![
                p(DAV, "getetag"),
                p(DAV, "getcontenttype"),
                p(DAV, "resourcetype"),
            ]
        }
    }
    out
}

fn href(h: &str) -> String {
    format!("<d:href>{}</d:href>", xml::escape(h))
}

const PRIVILEGES: &str = "<d:privilege><d:read/></d:privilege><d:privilege><d:write/></d:privilege>\
     <d:privilege><d:write-content/></d:privilege><d:privilege><d:bind/></d:privilege>\
     <d:privilege><d:unbind/></d:privilege>";

/// A property's value (XML content) on a node; `None` when it has none.
pub(crate) fn value(account: &str, node: &Node<'_>, prop: &Prop) -> Option<String> {
    let principal = path::principal(account);
    let (ns, name) = (prop.0.as_str(), prop.1.as_str());
    Some(match (node, ns, name) {
        (_, DAV, "current-user-principal") | (_, DAV, "principal-URL") | (_, DAV, "owner") => {
            href(&principal)
        }
        (_, DAV, "current-user-privilege-set") => PRIVILEGES.to_string(),
        (Node::Principal, CALDAV, "calendar-home-set") => {
            href(&path::home(account, Home::Calendars))
        }
        (Node::Principal, CARDDAV, "addressbook-home-set") => {
            href(&path::home(account, Home::Contacts))
        }
        (Node::Principal, DAV, "resourcetype") => "<d:principal/><d:collection/>".into(),
        (Node::Principal, DAV, "displayname") => xml::escape(account),
        (Node::Root | Node::Home(_), DAV, "resourcetype") => "<d:collection/>".into(),
        (Node::Root, DAV, "displayname") => "easync".into(),
        (Node::Home(h), DAV, "displayname") => h.segment().into(),
        (Node::Collection(c, seq), ..) => return collection_value(c, *seq, ns, name),
        (Node::Resource(_, r), DAV, "getetag") => xml::escape(&quoted(r.etag.as_deref()?)),
        (Node::Resource(c, _), DAV, "getcontenttype") => c.content_type().into(),
        (Node::Resource(..), DAV, "resourcetype") => String::new(),
        _ => return None,
    })
}

fn collection_value(c: &Collection, seq: i64, ns: &str, name: &str) -> Option<String> {
    Some(match (ns, name) {
        (DAV, "resourcetype") => match c.home {
            Home::Calendars => "<d:collection/><c:calendar/>".into(),
            Home::Contacts => "<d:collection/><r:addressbook/>".into(),
        },
        (DAV, "displayname") => xml::escape(&c.name),
        (DAV, "sync-token") | (CS, "getctag") => xml::escape(&token(seq)),
        (CALDAV, "supported-calendar-component-set") => {
            format!("<c:comp name=\"{}\"/>", c.component()?)
        }
        (CALDAV, "supported-calendar-data") => {
            "<c:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>".into()
        }
        (CARDDAV, "supported-address-data") if c.home == Home::Contacts => {
            "<r:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>".into()
        }
        (DAV, "supported-report-set") => {
            let reports: &[&str] = match c.home {
                Home::Calendars => &[
                    "c:calendar-query",
                    "c:calendar-multiget",
                    "d:sync-collection",
                ],
                Home::Contacts => &[
                    "r:addressbook-query",
                    "r:addressbook-multiget",
                    "d:sync-collection",
                ],
            };
            reports
                .iter()
                .map(|r| {
                    format!("<d:supported-report><d:report><{r}/></d:report></d:supported-report>")
                })
                .collect()
        }
        _ => return None,
    })
}

/// An ETag as the header and getetag carry it.
pub(crate) fn quoted(etag: &str) -> String {
    format!("\"{etag}\"")
}

/// One node's response: what `which` asks, found and missing.
fn respond(out: &mut Multistatus, account: &str, href: &str, node: &Node<'_>, which: &Wanted) {
    let names = match which {
        Wanted::Props(p) => p.clone(),
        Wanted::All | Wanted::Names => all(node),
    };
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for prop in names {
        match value(account, node, &prop) {
            Some(_) if matches!(which, Wanted::Names) => found.push((prop, String::new())),
            Some(v) => found.push((prop, v)),
            None => missing.push(prop),
        }
    }
    out.response(href, &found, &missing);
}

/// PROPFIND at depth 0 or 1.
pub(super) fn propfind(req: &Request<'_>) -> Answer {
    let which = wanted(req.body_text()?)?;
    let depth = req.depth(1);
    let account = req.account;
    let mut out = Multistatus::new();
    match &req.target {
        Target::WellKnown | Target::Root => {
            respond(&mut out, account, "/dav/", &Node::Root, &which);
            if depth == 1 {
                respond(
                    &mut out,
                    account,
                    &path::principal(account),
                    &Node::Principal,
                    &which,
                );
            }
        }
        Target::Principal(_) => {
            respond(
                &mut out,
                account,
                &path::principal(account),
                &Node::Principal,
                &which,
            );
            for h in [Home::Calendars, Home::Contacts]
                .into_iter()
                .filter(|_| depth == 1)
            {
                respond(
                    &mut out,
                    account,
                    &path::home(account, h),
                    &Node::Home(h),
                    &which,
                );
            }
        }
        Target::Home(_, h) => {
            respond(
                &mut out,
                account,
                &path::home(account, *h),
                &Node::Home(*h),
                &which,
            );
            if depth == 1 {
                let db = req.store()?;
                for c in collections(&db, *h)? {
                    let seq = db.dav_seq(&c.folder)?.0;
                    let href = path::collection(account, *h, &c.folder);
                    respond(&mut out, account, &href, &Node::Collection(&c, seq), &which);
                }
            }
        }
        Target::Collection(_, h, folder) => {
            let db = req.store()?;
            let c = collection(&db, *h, folder)?;
            let seq = db.dav_seq(folder)?.0;
            let href = path::collection(account, *h, folder);
            respond(&mut out, account, &href, &Node::Collection(&c, seq), &which);
            for r in db.dav_resources(folder)?.iter().filter(|_| depth == 1) {
                let href = path::resource(account, *h, folder, &r.name);
                respond(&mut out, account, &href, &Node::Resource(&c, r), &which);
            }
        }
        Target::Resource(_, h, folder, name) => {
            let db = req.store()?;
            let c = collection(&db, *h, folder)?;
            let r = live(&db, folder, name)?;
            let href = path::resource(account, *h, folder, name);
            respond(&mut out, account, &href, &Node::Resource(&c, &r), &which);
        }
    }
    Ok(multistatus(out.finish()))
}

/// The resource `name` of `folder` shown now; 404 when there is none.
pub(crate) fn live(db: &Store, folder: &str, name: &str) -> Result<DavResource, DavError> {
    db.dav_resource(folder, name)?
        .filter(|r| r.etag.is_some())
        .ok_or_else(|| DavError::new(StatusCode::NOT_FOUND, format!("there is no {name} here")))
}
