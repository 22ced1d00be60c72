//! The XML of WebDAV bodies (RFC 4918 section 14): requests read into a small namespaced
//! tree, `multistatus` answers written with fixed prefixes for the four namespaces used.

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

pub const DAV: &str = "DAV:";
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
/// Apple's CalendarServer namespace (`getctag`).
pub const CS: &str = "http://calendarserver.org/ns/";

/// An element of a request body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct El {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<El>,
    pub text: String,
}

impl El {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a request body; the error says where it is malformed.
pub fn parse(body: &str) -> Result<El, String> {
    let mut reader = NsReader::from_str(body);
    let mut stack: Vec<El> = Vec::new();
    loop {
        let at = reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("the XML body is malformed at byte {at}: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(Namespace(n)) => n.to_string(),
            _ => String::new(),
        };
        let bad = |e: String| format!("the XML body is malformed at byte {at}: {e}");
        match event {
            Event::Start(e) => stack.push(open(&reader, &e, &ns).map_err(bad)?),
            Event::Empty(e) => {
                let el = open(&reader, &e, &ns).map_err(bad)?;
                if let Some(done) = close(&mut stack, el) {
                    return Ok(done);
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(bad("an end tag without its start".into()));
                };
                if let Some(done) = close(&mut stack, el) {
                    return Ok(done);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(c.as_ref());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&entity(&r).map_err(bad)?);
                }
            }
            Event::Eof => return Err("the XML body has no element".into()),
            _ => {}
        }
    }
}

/// Attaches a finished element to its parent; the root when there is none.
fn close(stack: &mut [El], el: El) -> Option<El> {
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(el);
            None
        }
        None => Some(el),
    }
}

fn open(reader: &NsReader<&[u8]>, e: &BytesStart<'_>, ns: &str) -> Result<El, String> {
    let ns = ns.to_string();
    let name = e.local_name().into_inner().to_string();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let key = a.key.into_inner().to_string();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let (_, local) = reader.resolver().resolve_attribute(a.key);
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| err.to_string())?;
        attrs.push((local.into_inner().to_string(), value.into_owned()));
    }
    Ok(El {
        ns,
        name,
        attrs,
        ..El::default()
    })
}

fn entity(r: &quick_xml::events::BytesRef<'_>) -> Result<String, String> {
    if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
        return Ok(c.to_string());
    }
    let name: &str = r;
    quick_xml::escape::resolve_xml_entity(name)
        .map(str::to_string)
        .ok_or_else(|| format!("unknown entity &{name};"))
}

/// Text for element content or attribute values.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// A property's name: (namespace, local name).
pub type Prop = (String, String);

/// The start of an empty or open element for `p`, with a prefix for the known namespaces.
fn tag(p: &Prop) -> (String, String) {
    let prefix = match p.0.as_str() {
        DAV => "d",
        CALDAV => "c",
        CARDDAV => "r",
        CS => "s",
        _ => "",
    };
    let name = escape(&p.1);
    if prefix.is_empty() {
        (
            format!("x:{name} xmlns:x=\"{}\"", escape(&p.0)),
            format!("x:{name}"),
        )
    } else {
        (format!("{prefix}:{name}"), format!("{prefix}:{name}"))
    }
}

/// A `multistatus` answer being written (RFC 4918 section 14.16).
pub struct Multistatus {
    out: String,
}

impl Default for Multistatus {
    fn default() -> Self {
        Self::new()
    }
}

impl Multistatus {
    pub fn new() -> Self {
        Self {
            out: format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"{DAV}\" \
                 xmlns:c=\"{CALDAV}\" xmlns:r=\"{CARDDAV}\" xmlns:s=\"{CS}\">\n"
            ),
        }
    }

    /// A resource's properties: `found` with their content (XML), `missing` as 404.
    pub fn response(&mut self, href: &str, found: &[(Prop, String)], missing: &[Prop]) {
        self.out
            .push_str(&format!("<d:response><d:href>{}</d:href>", escape(href)));
        if !found.is_empty() {
            self.out.push_str("<d:propstat><d:prop>");
            for (p, value) in found {
                let (open, close) = tag(p);
                if value.is_empty() {
                    self.out.push_str(&format!("<{open}/>"));
                } else {
                    self.out.push_str(&format!("<{open}>{value}</{close}>"));
                }
            }
            self.out
                .push_str("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>");
        }
        if !missing.is_empty() {
            self.out.push_str("<d:propstat><d:prop>");
            for p in missing {
                self.out.push_str(&format!("<{}/>", tag(p).0));
            }
            self.out
                .push_str("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>");
        }
        self.out.push_str("</d:response>\n");
    }

    /// A resource that is not there (a multiget's unknown href, sync-collection's removed one).
    pub fn not_found(&mut self, href: &str) {
        self.out.push_str(&format!(
            "<d:response><d:href>{}</d:href><d:status>HTTP/1.1 404 Not Found</d:status>\
             </d:response>\n",
            escape(href)
        ));
    }

    /// RFC 6578 section 6.2: the token the answer brings the client to.
    pub fn sync_token(&mut self, token: &str) {
        self.out
            .push_str(&format!("<d:sync-token>{}</d:sync-token>\n", escape(token)));
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</d:multistatus>\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_propfind_reads_with_any_prefixes_and_entities() {
        let el = parse(
            "<?xml version=\"1.0\"?><A:propfind xmlns:A=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
             <A:prop><A:getetag/><C:calendar-data/></A:prop><A:href>/a&amp;b</A:href></A:propfind>",
        )
        .unwrap();
        assert!(el.is(DAV, "propfind"));
        let prop = el.child(DAV, "prop").unwrap();
        assert!(prop.children[1].is(CALDAV, "calendar-data"));
        assert_eq!(el.child(DAV, "href").unwrap().text, "/a&b");
    }

    #[test]
    fn malformed_bodies_say_where() {
        let err = parse("<d:propfind xmlns:d=\"DAV:\"><d:prop></d:propfind>").unwrap_err();
        assert!(err.contains("malformed"), "{err}");
        assert!(parse("").unwrap_err().contains("no element"));
    }

    #[test]
    fn unknown_properties_keep_their_namespace_in_the_answer() {
        let mut m = Multistatus::new();
        m.response(
            "/x",
            &[((DAV.into(), "getetag".into()), "\"1\"".into())],
            &[("urn:x".into(), "color".into())],
        );
        let text = m.finish();
        assert!(text.contains("<d:getetag>\"1\"</d:getetag>"), "{text}");
        assert!(text.contains("<x:color xmlns:x=\"urn:x\"/>"), "{text}");
        parse(&text).unwrap();
    }
}
