//! The URL layout of the DAV side:
//!
//! ```text
//! /.well-known/caldav, /.well-known/carddav   → /dav/ (RFC 6764 section 5)
//! /dav/                                        the context path: current-user-principal
//! /dav/ACCOUNT/                                the account's principal (RFC 3744 section 2)
//! /dav/ACCOUNT/calendars/                      calendar-home-set (RFC 4791 section 6.2.1)
//! /dav/ACCOUNT/calendars/FOLDER/               a Calendar or Tasks folder (its server id)
//! /dav/ACCOUNT/calendars/FOLDER/NAME.ics       an event or a task
//! /dav/ACCOUNT/contacts/                       addressbook-home-set (RFC 6352 section 7.1.1)
//! /dav/ACCOUNT/contacts/FOLDER/NAME.vcf        a contact
//! ```
//!
//! Segments are percent-decoded on the way in and written in one canonical encoding (every
//! byte but the unreserved characters of RFC 3986 section 2.3 and `@` encoded), so a name is
//! compared in one form whatever a client's quoting.

/// Which home a collection is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Home {
    /// Calendar and Tasks folders (CalDAV).
    Calendars,
    /// Contacts folders (CardDAV).
    Contacts,
}

impl Home {
    pub fn segment(self) -> &'static str {
        match self {
            Self::Calendars => "calendars",
            Self::Contacts => "contacts",
        }
    }

    /// Whether a folder of `class` is a collection of this home.
    pub fn holds(self, class: &str) -> bool {
        match self {
            Self::Calendars => class == "Calendar" || class == "Tasks",
            Self::Contacts => class == "Contacts",
        }
    }
}

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/.well-known/caldav` or `/.well-known/carddav`.
    WellKnown,
    /// `/` or `/dav/`.
    Root,
    Principal(String),
    Home(String, Home),
    /// (account, home, folder server id).
    Collection(String, Home, String),
    /// (account, home, folder server id, canonical name).
    Resource(String, Home, String, String),
}

impl Target {
    /// The account the path is under.
    pub fn account(&self) -> Option<&str> {
        match self {
            Self::WellKnown | Self::Root => None,
            Self::Principal(a)
            | Self::Home(a, _)
            | Self::Collection(a, ..)
            | Self::Resource(a, ..) => Some(a),
        }
    }
}

/// The target of a request path (its query string already cut off); `None` for paths outside
/// the layout.
pub fn parse(path: &str) -> Option<Target> {
    if path == "/.well-known/caldav" || path == "/.well-known/carddav" {
        return Some(Target::WellKnown);
    }
    if path == "/" || path.is_empty() {
        return Some(Target::Root);
    }
    let rest = path.strip_prefix("/dav")?;
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let home = |s: &str| match s {
        "calendars" => Some(Home::Calendars),
        "contacts" => Some(Home::Contacts),
        _ => None,
    };
    let dec = |s: &str| decode(s);
    Some(match segs.as_slice() {
        [] => Target::Root,
        [a] => Target::Principal(dec(a)?),
        [a, h] => Target::Home(dec(a)?, home(h)?),
        [a, h, f] => Target::Collection(dec(a)?, home(h)?, dec(f)?),
        [a, h, f, n] => Target::Resource(dec(a)?, home(h)?, dec(f)?, encode(&dec(n)?)),
        _ => return None,
    })
}

/// The href of a principal.
pub fn principal(account: &str) -> String {
    format!("/dav/{}/", encode(account))
}

/// The href of a home.
pub fn home(account: &str, home: Home) -> String {
    format!("/dav/{}/{}/", encode(account), home.segment())
}

/// The href of a collection.
pub fn collection(account: &str, h: Home, folder: &str) -> String {
    format!("{}{}/", home(account, h), encode(folder))
}

/// The href of a resource (`name` canonical already).
pub fn resource(account: &str, h: Home, folder: &str, name: &str) -> String {
    format!("{}{name}", collection(account, h, folder))
}

/// Every byte but `A-Z a-z 0-9 - . _ ~ @` as `%XX` (what vdirsyncer and Python's `quote`
/// leave too).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` sequences decoded; `None` when one is malformed or the result is not UTF-8.
pub fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path part of an href a client sent (absolute URL or path).
pub fn href_path(href: &str) -> &str {
    let href = href.trim();
    let path = match href.find("://") {
        Some(i) => href[i + 3..].find('/').map_or("/", |j| &href[i + 3 + j..]),
        None => href,
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_in_one_encoding_whatever_the_clients_quoting() {
        let a = parse("/dav/work/calendars/1%3A2/a%40b%20c.ics").unwrap();
        let b = parse("/dav/work/calendars/1:2/a@b c.ics").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a,
            Target::Resource(
                "work".into(),
                Home::Calendars,
                "1:2".into(),
                "a@b%20c.ics".into()
            )
        );
        assert_eq!(
            resource("work", Home::Calendars, "1:2", "a@b%20c.ics"),
            "/dav/work/calendars/1%3A2/a@b%20c.ics"
        );
    }

    #[test]
    fn paths_outside_the_layout_and_bad_escapes_name_nothing() {
        assert_eq!(parse("/elsewhere"), None);
        assert_eq!(parse("/dav/work/music/"), None);
        assert_eq!(parse("/dav/work/contacts/1/x/y"), None);
        assert_eq!(parse("/dav/%zz/"), None);
        assert_eq!(parse("/dav/%ff/"), None);
        assert_eq!(parse("/dav/"), Some(Target::Root));
        assert_eq!(
            href_path("http://127.0.0.1:1080/dav/a/?x"),
            "/dav/a/".to_string()
        );
    }
}
