//! XML text → element tree.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

use super::{WBXML_NS, XmlError, page_of, parse_hex_token};
use crate::codepages;
use crate::token::Tag;
use crate::tree::{Attr, Element, Node};

/// An element being read: the element, whether its text is base64 opaque data, and whether
/// it is the bridge's own `<wbxml:opaque>` child.
struct Open {
    element: Element<'static>,
    opaque: bool,
    opaque_child: bool,
    offset: u64,
}

/// Parses XML in the bridge's convention into an element tree.
pub fn from_xml(xml: &str) -> Result<Element<'static>, XmlError> {
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Element<'static>> = None;
    loop {
        let offset = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ns, event)) => (bound_ns(&ns), event),
            Err(e) => {
                return Err(XmlError::Syntax {
                    offset: reader.error_position(),
                    message: e.to_string(),
                });
            }
        };
        match event {
            Event::Start(e) => {
                check_single_root(&root, &stack, &e, offset)?;
                stack.push(open_any(&reader, &e, ns, offset)?);
            }
            Event::Empty(e) => {
                check_single_root(&root, &stack, &e, offset)?;
                stack.push(open_any(&reader, &e, ns, offset)?);
                close(&mut stack, &mut root)?;
            }
            Event::End(_) => close(&mut stack, &mut root)?,
            Event::Text(t) => text(&mut stack, &t.xml10_content(), offset)?,
            Event::CData(c) => text(&mut stack, &c, offset)?,
            Event::GeneralRef(r) => text(&mut stack, &resolve_ref(&r, offset)?, offset)?,
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    root.ok_or(XmlError::NoRoot)
}

/// A page element, or the bridge's own `<wbxml:opaque>` child.
fn open_any(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
    ns: Option<String>,
    offset: u64,
) -> Result<Open, XmlError> {
    if ns.as_deref() != Some(WBXML_NS) {
        return open_element(reader, e, ns, offset);
    }
    let local = e.local_name().into_inner().to_string();
    if local != "opaque" {
        return Err(XmlError::UnknownElement {
            name: format!("wbxml:{local}"),
            page: 0,
            offset,
        });
    }
    Ok(Open {
        element: Element::new(Tag::new(0, 0)),
        opaque: true,
        opaque_child: true,
        offset,
    })
}

fn bound_ns(ns: &ResolveResult<'_>) -> Option<String> {
    match ns {
        ResolveResult::Bound(Namespace(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn check_single_root(
    root: &Option<Element<'static>>,
    stack: &[Open],
    e: &BytesStart<'_>,
    offset: u64,
) -> Result<(), XmlError> {
    if root.is_some() && stack.is_empty() {
        return Err(XmlError::SecondRoot {
            name: e.name().into_inner().to_string(),
            offset,
        });
    }
    Ok(())
}

/// Maps a start tag to its page and token, and reads its attributes.
fn open_element(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
    ns: Option<String>,
    offset: u64,
) -> Result<Open, XmlError> {
    let name = e.name().into_inner().to_string();
    let local = e.local_name().into_inner().to_string();
    let ns = ns.ok_or_else(|| XmlError::NoNamespace {
        name: name.clone(),
        offset,
    })?;
    let page = page_of(&ns).ok_or_else(|| XmlError::UnknownNamespace {
        name: name.clone(),
        ns: ns.clone(),
        offset,
    })?;
    let token = codepages::token_by_name(page, &local)
        .or_else(|| parse_hex_token(local.strip_prefix("tok_")?))
        .filter(|t| (0x05..=0x3F).contains(t))
        .ok_or(XmlError::UnknownElement {
            name: name.clone(),
            page,
            offset,
        })?;
    let mut open = Open {
        element: Element::new(Tag::new(page, token)),
        opaque: false,
        opaque_child: false,
        offset,
    };
    for a in e.attributes() {
        let a = a.map_err(|err| XmlError::Syntax {
            offset,
            message: err.to_string(),
        })?;
        let value =
            a.normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| XmlError::Syntax {
                    offset,
                    message: err.to_string(),
                })?;
        let (ans, alocal) = reader.resolver().resolve_attribute(a.key);
        let aname = a.key.into_inner().to_string();
        let alocal = alocal.into_inner().to_string();
        if aname == "xmlns" || aname.starts_with("xmlns:") {
            continue;
        }
        match bound_ns(&ans).as_deref() {
            Some(WBXML_NS) if alocal == "opaque" && value == "base64" => open.opaque = true,
            Some(WBXML_NS) => open
                .element
                .attributes
                .push(raw_attr(&alocal, &value, offset)?),
            None => open
                .element
                .attributes
                .push(known_attr(&aname, &value, offset)?),
            Some(_) => return Err(unknown_attr(&aname, &value, offset)),
        }
    }
    Ok(open)
}

/// `wbxml:attr-P-0xTT`: an attribute start token the tables do not know.
fn raw_attr(local: &str, value: &str, offset: u64) -> Result<Attr<'static>, XmlError> {
    let parsed = local.strip_prefix("attr-").and_then(|r| {
        let (page, token) = r.split_once('-')?;
        Some((page.parse().ok()?, parse_hex_token(token)?))
    });
    let (page, token) = parsed.ok_or_else(|| unknown_attr(local, value, offset))?;
    Ok(Attr {
        page,
        token,
        value: value.to_string().into(),
    })
}

/// An attribute with a table entry: the one whose name matches and whose value prefix is the
/// longest prefix of the value.
fn known_attr(name: &str, value: &str, offset: u64) -> Result<Attr<'static>, XmlError> {
    let def = codepages::ATTR_STARTS
        .iter()
        .filter(|d| d.name == name && value.starts_with(d.value_prefix))
        .max_by_key(|d| d.value_prefix.len())
        .ok_or_else(|| unknown_attr(name, value, offset))?;
    Ok(Attr {
        page: def.page,
        token: def.token,
        value: value.to_string().into(),
    })
}

fn unknown_attr(name: &str, value: &str, offset: u64) -> XmlError {
    XmlError::UnknownAttribute {
        name: name.to_string(),
        value: value.to_string(),
        offset,
    }
}

fn text(stack: &mut [Open], s: &str, offset: u64) -> Result<(), XmlError> {
    let Some(top) = stack.last_mut() else {
        return if s.trim().is_empty() {
            Ok(())
        } else {
            Err(XmlError::TextOutsideRoot { offset })
        };
    };
    if let Some(Node::Text(t)) = top.element.children.last_mut() {
        t.to_mut().push_str(s);
    } else if !s.is_empty() {
        top.element.children.push(Node::Text(s.to_string().into()));
    }
    Ok(())
}

fn resolve_ref(r: &BytesRef<'_>, offset: u64) -> Result<String, XmlError> {
    let syntax = |message: String| XmlError::Syntax { offset, message };
    if let Some(c) = r.resolve_char_ref().map_err(|e| syntax(e.to_string()))? {
        return Ok(c.to_string());
    }
    let name: &str = r;
    Ok(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        other => return Err(syntax(format!("unknown entity &{other};"))),
    }
    .to_string())
}

/// Ends the innermost element: drops layout whitespace, decodes opaque content, attaches it.
fn close(stack: &mut Vec<Open>, root: &mut Option<Element<'static>>) -> Result<(), XmlError> {
    let Some(mut open) = stack.pop() else {
        return Ok(()); // quick-xml rejects unmatched end tags itself
    };
    let children = &mut open.element.children;
    if children.iter().any(|c| !matches!(c, Node::Text(_))) {
        children.retain(|c| !matches!(c, Node::Text(t) if t.trim().is_empty()));
    }
    if open.opaque {
        let text = open.element.text();
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let data = STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| XmlError::BadBase64 {
                name: open.element.tag.to_string(),
                offset: open.offset,
            })?;
        open.element
            .children
            .retain(|c| !matches!(c, Node::Text(_)));
        open.element.children.push(Node::Opaque(data.into()));
    }
    let node = if open.opaque_child {
        open.element
            .children
            .pop()
            .unwrap_or(Node::Opaque(Vec::new().into()))
    } else {
        Node::Element(open.element)
    };
    match (stack.last_mut(), node) {
        (Some(parent), node) => parent.element.children.push(node),
        (None, Node::Element(e)) => *root = Some(e),
        (None, _) => {
            return Err(XmlError::TextOutsideRoot {
                offset: open.offset,
            });
        }
    }
    Ok(())
}
