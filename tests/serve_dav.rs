//! easync serve's CalDAV/CardDAV side, in-process against a mirror of the simulator: discovery
//! (RFC 6764, current-user-principal, the homes), PROPFIND of collections and resources, PUT
//! and DELETE through the journal (preconditions, bad input refused with nothing recorded,
//! the resource shown at once as written and keeping its href once the server took it), the
//! reports (multiget, calendar-query with a time range, addressbook-query, sync-collection
//! with tokens that survive a restart).

mod common;
#[path = "common/dav.rs"]
mod davc;
#[path = "common/sim.rs"]
mod simc;

use simc::{Client, client, q, small, start, sync_ok};

const EVENT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\
UID:dav-test-1@example.org\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270310T090000Z\r\n\
DTEND:20270310T100000Z\r\nSUMMARY:Planning from DAV\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

const CARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dav-card-1\r\nFN:Zed Davison\r\n\
N:Davison;Zed;;;\r\nEMAIL;TYPE=work:zed@example.org\r\nEND:VCARD\r\n";

fn folder(c: &Client, name: &str) -> String {
    q(
        &c.db,
        &format!("SELECT server_id FROM folders WHERE name = '{name}'"),
    )
}

fn mirrored(test: &str) -> (simc_server::Running, Client) {
    let server = start(small());
    let a = client(&format!("dav-{test}"), &server.url(), "16.1", "");
    sync_ok(&a);
    (server, a)
}

mod simc_server {
    pub use easync::sim::Running;
}

const PROPFIND_ALL: &str = "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\" \
    xmlns:c=\"urn:ietf:params:xml:ns:caldav\" xmlns:r=\"urn:ietf:params:xml:ns:carddav\" \
    xmlns:s=\"http://calendarserver.org/ns/\"><d:prop><d:resourcetype/><d:displayname/>\
    <d:current-user-principal/><c:calendar-home-set/><r:addressbook-home-set/><d:getetag/>\
    <c:supported-calendar-component-set/><s:getctag/><d:sync-token/>\
    <d:current-user-privilege-set/><d:getcontenttype/></d:prop></d:propfind>";

#[test]
fn discovery_leads_from_the_well_known_urls_to_one_collection_per_folder() {
    let (_server, a) = mirrored("disc");
    let dav = davc::start(a.db.clone());
    let r = dav.raw("PROPFIND", "/.well-known/caldav", None, &[], "");
    assert_eq!((r.status, r.header("location")), (301, Some("/dav/")));
    let r = dav.raw("PROPFIND", "/dav/", None, &[], "");
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
    let r = dav.raw("PROPFIND", "/dav/", Some(("a", "wrong")), &[], "");
    assert_eq!(r.status, 401);
    // The address signs in too.
    let r = dav.raw(
        "PROPFIND",
        "/dav/",
        Some(("demo@easync.test", davc::PASSWORD)),
        &[("Depth", "0")],
        PROPFIND_ALL,
    );
    assert_eq!(r.status, 207, "{}", r.body);
    assert!(
        r.body
            .contains("<d:current-user-principal><d:href>/dav/a/</d:href>"),
        "{}",
        r.body
    );

    let r = dav.req("PROPFIND", "/dav/a/", &[("Depth", "0")], PROPFIND_ALL);
    assert!(
        r.body
            .contains("<c:calendar-home-set><d:href>/dav/a/calendars/</d:href>"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("<r:addressbook-home-set><d:href>/dav/a/contacts/</d:href>")
    );

    let cal = dav.req(
        "PROPFIND",
        "/dav/a/calendars/",
        &[("Depth", "1")],
        PROPFIND_ALL,
    );
    assert_eq!(cal.status, 207);
    let (calendar, tasks) = (folder(&a, "Calendar"), folder(&a, "Tasks"));
    for (id, comp) in [(&calendar, "VEVENT"), (&tasks, "VTODO")] {
        let href = format!("<d:href>/dav/a/calendars/{id}/</d:href>");
        let at = cal
            .body
            .find(&href)
            .unwrap_or_else(|| panic!("{href} in {}", cal.body));
        let resp = &cal.body[at..at + cal.body[at..].find("</d:response>").unwrap()];
        assert!(resp.contains("<c:calendar/>"), "{resp}");
        assert!(
            resp.contains(&format!("<c:comp name=\"{comp}\"/>")),
            "{resp}"
        );
        assert!(resp.contains("<s:getctag>urn:easync:sync:"), "{resp}");
        assert!(
            resp.contains("<d:privilege><d:write/></d:privilege>"),
            "{resp}"
        );
    }
    let calendars: i64 = q(
        &a.db,
        "SELECT count(*) FROM folders WHERE class IN ('Calendar', 'Tasks')",
    );
    assert_eq!(cal.body.matches("<c:calendar/>").count() as i64, calendars);
    let book = dav.req(
        "PROPFIND",
        "/dav/a/contacts/",
        &[("Depth", "1")],
        PROPFIND_ALL,
    );
    let contacts: i64 = q(
        &a.db,
        "SELECT count(*) FROM folders WHERE class = 'Contacts'",
    );
    assert_eq!(
        book.body.matches("<r:addressbook/>").count() as i64,
        contacts
    );

    // A collection lists every item of its folder, with ETags.
    let r = dav.req(
        "PROPFIND",
        &format!("/dav/a/calendars/{calendar}/"),
        &[("Depth", "1")],
        PROPFIND_ALL,
    );
    let events: i64 = q(
        &a.db,
        &format!(
            "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.server_id = '{calendar}'"
        ),
    );
    assert!(events > 5);
    assert_eq!(
        r.body.matches("<d:getetag>").count() as i64,
        events,
        "{}",
        r.body
    );
    assert_eq!(r.body.matches("text/calendar").count() as i64, events);
    // Another account's paths are refused.
    let r = dav.req("PROPFIND", "/dav/b/", &[("Depth", "0")], "");
    assert_eq!(r.status, 403);
}

/// The ETag header of an answer.
fn etag(r: &davc::Answer) -> String {
    r.header("etag")
        .unwrap_or_else(|| panic!("an ETag: {r:?}"))
        .to_string()
}

#[test]
fn a_put_is_journaled_shown_as_written_and_keeps_its_href_once_the_server_took_it() {
    let (server, a) = mirrored("put");
    let dav = davc::start(a.db.clone());
    let cal = folder(&a, "Calendar");
    let href = format!("/dav/a/calendars/{cal}/dav-test-1.ics");
    let create = [("If-None-Match", "*"), ("Content-Type", "text/calendar")];
    let r = dav.req("PUT", &href, &create, EVENT);
    assert_eq!(r.status, 201, "{}", r.body);
    let first = etag(&r);
    let r = dav.req("GET", &href, &[], "");
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, EVENT),
        "what was written, at once"
    );
    assert_eq!(etag(&r), first);
    assert_eq!(
        q::<i64>(
            &a.db,
            "SELECT count(*) FROM changes WHERE origin = 'dav' AND kind = 'add' AND state = 'pending'"
        ),
        1
    );
    // Created once only; updated only over what the client saw.
    assert_eq!(dav.req("PUT", &href, &create, EVENT).status, 412);
    let stale = [("If-Match", "\"nope\"")];
    assert_eq!(dav.req("PUT", &href, &stale, EVENT).status, 412);
    let moved = EVENT.replace("Planning from DAV", "Planning (moved)");
    let r = dav.req("PUT", &href, &[("If-Match", first.as_str())], &moved);
    assert_eq!(r.status, 204, "{}", r.body);
    let second = etag(&r);
    assert_ne!(second, first);
    assert_eq!(dav.req("GET", &href, &[], "").body, moved);

    // The server takes it; the href stays, now with the server's version.
    sync_ok(&a);
    let r = dav.req("GET", &href, &[], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("SUMMARY:Planning (moved)"), "{}", r.body);
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM changes"),
        0,
        "adopted"
    );
    let item: i64 = q(
        &a.db,
        "SELECT item_id FROM dav_resources WHERE name = 'dav-test-1.ics'",
    );
    assert_eq!(
        q::<String>(
            &a.db,
            &format!("SELECT subject FROM events WHERE item_id = {item}")
        ),
        "Planning (moved)"
    );
    let b = client("dav-put-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM events WHERE subject = 'Planning (moved)'"
        ),
        1
    );

    // An edit of the taken item is a Change; a DELETE a Delete.
    let now = etag(&r);
    let again = r.body.replace("Planning (moved)", "Planning (final)");
    let r = dav.req("PUT", &href, &[("If-Match", now.as_str())], &again);
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(dav.req("GET", &href, &[], "").body, again);
    let latest = etag(&r);
    assert_eq!(
        dav.req("DELETE", &href, &[("If-Match", now.as_str())], "")
            .status,
        412
    );
    assert_eq!(
        dav.req("DELETE", &href, &[("If-Match", latest.as_str())], "")
            .status,
        204
    );
    assert_eq!(dav.req("GET", &href, &[], "").status, 404, "gone at once");
    sync_ok(&a);
    sync_ok(&b);
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM events WHERE subject LIKE 'Planning%'"
        ),
        0
    );
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM changes"), 0);
    simc::assert_mirrors(&a.db, &server.sim);
}

#[test]
fn bad_input_is_refused_with_the_reason_and_nothing_is_recorded() {
    let (_server, a) = mirrored("bad");
    let dav = davc::start(a.db.clone());
    let (cal, book) = (folder(&a, "Calendar"), folder(&a, "Contacts"));
    let r = dav.req(
        "PUT",
        &format!("/dav/a/calendars/{cal}/x.ics"),
        &[],
        "BEGIN:VCALENDAR\r\nthis is not",
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("valid-calendar-data"), "{}", r.body);
    let r = dav.req("PUT", &format!("/dav/a/calendars/{cal}/y.ics"), &[], CARD);
    assert_eq!(r.status, 403);
    let r = dav.req("PUT", &format!("/dav/a/contacts/{book}/z.vcf"), &[], EVENT);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("valid-address-data"), "{}", r.body);
    let r = dav.req(
        "REPORT",
        &format!("/dav/a/contacts/{book}/"),
        &[],
        "<not xml",
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("malformed"), "{}", r.body);
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM changes"), 0);
    assert_eq!(
        dav.req("GET", &format!("/dav/a/calendars/{cal}/x.ics"), &[], "")
            .status,
        404
    );
}

fn sync_report(token: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>{token}</d:sync-token>\
         <d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
}

/// The token of a sync-collection answer.
fn token_of(body: &str) -> String {
    let at = body.find("<d:sync-token>").unwrap() + 14;
    body[at..at + body[at..].find('<').unwrap()].to_string()
}

#[test]
fn sync_collection_tokens_give_changed_and_removed_hrefs_across_a_restart() {
    let (server, a) = mirrored("tok");
    let book = folder(&a, "Contacts");
    let path = format!("/dav/a/contacts/{book}/");
    let (token, before) = {
        let dav = davc::start(a.db.clone());
        let r = dav.req("REPORT", &path, &[("Depth", "1")], &sync_report(""));
        assert_eq!(r.status, 207, "{}", r.body);
        (token_of(&r.body), r.hrefs())
    };
    let contacts: i64 = q(
        &a.db,
        &format!(
            "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.server_id = '{book}'"
        ),
    );
    assert_eq!(before.len() as i64, contacts);
    // On the server: one contact added, two deleted.
    server.sim.add_items("Contacts", 1).unwrap();
    server.sim.delete_items("Contacts", 2).unwrap();
    sync_ok(&a);
    let dav = davc::start(a.db.clone());
    let r = dav.req("REPORT", &path, &[("Depth", "1")], &sync_report(&token));
    assert_eq!(r.status, 207, "{}", r.body);
    let removed = r.body.matches("404 Not Found").count();
    let changed = r.body.matches("<d:getetag>").count();
    assert_eq!((changed, removed), (1, 2), "{}", r.body);
    let new = token_of(&r.body);
    assert_ne!(new, token);
    // Nothing since the new token.
    let r = dav.req("REPORT", &path, &[("Depth", "1")], &sync_report(&new));
    assert_eq!(r.hrefs().len(), 0, "{}", r.body);
    // A token this database never gave is refused (RFC 6578 3.2: valid-sync-token).
    let r = dav.req("REPORT", &path, &[], &sync_report("urn:easync:sync:999999"));
    assert_eq!(r.status, 403);
    assert!(r.body.contains("valid-sync-token"), "{}", r.body);
}

#[test]
fn reports_multiget_calendar_query_in_a_time_range_and_addressbook_query() {
    let (_server, a) = mirrored("rep");
    let dav = davc::start(a.db.clone());
    let (cal, book) = (folder(&a, "Calendar"), folder(&a, "Contacts"));
    // The events that take place in a month, as the mirror has them (no series among them).
    let (start, end): (String, String) = (
        q(
            &a.db,
            "SELECT min(start_time) FROM events WHERE coalesce(recurring, 0) = 0",
        ),
        q(
            &a.db,
            "SELECT max(start_time) FROM events WHERE coalesce(recurring, 0) = 0",
        ),
    );
    assert!(start < end);
    let (from, to) = (&start[..8], &end[..8]);
    let from = format!("{from}T000000Z");
    let to = format!("{to}T000000Z");
    let query = format!(
        "<c:calendar-query xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:prop><d:getetag/>\
         </d:prop><c:filter><c:comp-filter name=\"VCALENDAR\"><c:comp-filter name=\"VEVENT\">\
         <c:time-range start=\"{from}\" end=\"{to}\"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    );
    let r = dav.req(
        "REPORT",
        &format!("/dav/a/calendars/{cal}/"),
        &[("Depth", "1")],
        &query,
    );
    assert_eq!(r.status, 207, "{}", r.body);
    let want: i64 = q(
        &a.db,
        &format!(
            "SELECT count(*) FROM events e JOIN items i ON i.id = e.item_id JOIN folders f ON f.id = i.folder_id \
             WHERE f.server_id = '{cal}' AND ((coalesce(e.recurring, 0) = 0 AND e.start_time < '{to}' \
             AND coalesce(e.end_time, e.start_time) > '{from}') OR (e.recurring = 1 AND e.start_time < '{to}'))"
        ),
    );
    let all: i64 = q(
        &a.db,
        &format!(
            "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.server_id = '{cal}'"
        ),
    );
    assert!(
        want > 0 && want < all,
        "a range that leaves some out: {want} of {all}"
    );
    assert_eq!(r.hrefs().len() as i64, want, "{}", r.body);
    // VTODO asked of a calendar of events: nothing.
    let todo = query.replace("VEVENT", "VTODO");
    assert_eq!(
        dav.req("REPORT", &format!("/dav/a/calendars/{cal}/"), &[], &todo)
            .hrefs()
            .len(),
        0
    );

    // multiget: the data of known hrefs, 404 for an unknown one.
    let first = r.hrefs()[0].clone();
    let get = format!(
        "<c:calendar-multiget xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:prop><d:getetag/>\
         <c:calendar-data/></d:prop><d:href>{first}</d:href><d:href>/dav/a/calendars/{cal}/nothing.ics</d:href>\
         </c:calendar-multiget>"
    );
    let r = dav.req("REPORT", &format!("/dav/a/calendars/{cal}/"), &[], &get);
    assert!(r.body.contains("BEGIN:VEVENT"), "{}", r.body);
    assert_eq!(r.body.matches("404 Not Found").count(), 1, "{}", r.body);

    // addressbook-query: a text-match on FN.
    let name: String = q(
        &a.db,
        "SELECT last_name FROM contacts WHERE last_name IS NOT NULL LIMIT 1",
    );
    let want: i64 = q(
        &a.db,
        &format!(
            "SELECT count(*) FROM contacts WHERE file_as LIKE '%{name}%' OR first_name LIKE '%{name}%' OR last_name LIKE '%{name}%'"
        ),
    );
    let query = format!(
        "<r:addressbook-query xmlns:d=\"DAV:\" xmlns:r=\"urn:ietf:params:xml:ns:carddav\"><d:prop><d:getetag/>\
         <r:address-data/></d:prop><r:filter><r:prop-filter name=\"FN\"><r:text-match>{name}</r:text-match>\
         </r:prop-filter></r:filter></r:addressbook-query>"
    );
    let r = dav.req("REPORT", &format!("/dav/a/contacts/{book}/"), &[], &query);
    assert_eq!(r.status, 207, "{}", r.body);
    assert!(want >= 1);
    assert_eq!(r.hrefs().len() as i64, want, "{}", r.body);
    assert!(r.body.contains("BEGIN:VCARD"));
}

#[test]
fn regression_a_new_contact_kept_its_href_but_lost_its_uid_once_the_server_took_it() {
    // EAS keeps no UID for contacts: the export gave the server's item one of its own, and
    // vdirsyncer (which matches items by UID) then deleted its file and made another.
    let (_server, a) = mirrored("uid");
    let dav = davc::start(a.db.clone());
    let href = format!("/dav/a/contacts/{}/zed.vcf", folder(&a, "Contacts"));
    assert_eq!(
        dav.req("PUT", &href, &[("If-None-Match", "*")], CARD)
            .status,
        201
    );
    // The same for a task (todoman's file, through CalDAV).
    let task = String::from_utf8(common::fixture("import/todoman-open.ics")).unwrap();
    let task_href = format!("/dav/a/calendars/{}/passport.ics", folder(&a, "Tasks"));
    let r = dav.req("PUT", &task_href, &[("If-None-Match", "*")], &task);
    assert_eq!(r.status, 201, "{}", r.body);
    sync_ok(&a);
    let r = dav.req("GET", &task_href, &[], "");
    assert!(r.body.contains("SUMMARY:Renew passport"), "{}", r.body);
    assert!(
        r.body
            .contains("UID:5a3e1f0c9b8d4e2f8a7b6c5d4e3f2a1b@laptop\r\n"),
        "{}",
        r.body
    );
    let r = dav.req("GET", &href, &[], "");
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("FN:Zed Davison"),
        "the server's version: {}",
        r.body
    );
    assert!(r.body.contains("UID:dav-card-1\r\n"), "{}", r.body);
    assert_eq!(q::<i64>(&a.db, "SELECT count(*) FROM changes"), 0);
}
