//! Element tree → XML text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{WBXML_NS, namespace_of, prefix_of};
use crate::codepages;
use crate::tree::{Attr, Element, Node};

/// Renders an element tree as an indented XML document (see the module docs for the convention).
pub fn to_xml(root: &Element<'_>) -> String {
    let mut pages = Vec::new();
    let mut needs_wbxml_ns = false;
    survey(root, &mut pages, &mut needs_wbxml_ns);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let mut decls = format!(" xmlns=\"{}\"", namespace_of(root.tag.page));
    for &p in pages.iter().filter(|&&p| p != root.tag.page) {
        decls.push_str(&format!(" xmlns:{}=\"{}\"", prefix_of(p), namespace_of(p)));
    }
    if needs_wbxml_ns {
        decls.push_str(&format!(" xmlns:wbxml=\"{WBXML_NS}\""));
    }
    let w = Writer {
        root_page: root.tag.page,
    };
    w.element(&mut out, root, 0, &decls);
    out.push('\n');
    out
}

/// The pages used, in order of first use, and whether the `wbxml:` namespace is needed.
fn survey(e: &Element<'_>, pages: &mut Vec<u8>, wbxml_ns: &mut bool) {
    if !pages.contains(&e.tag.page) {
        pages.push(e.tag.page);
    }
    if e.attributes.iter().any(|a| a.def_name().is_none()) {
        *wbxml_ns = true;
    }
    for c in &e.children {
        match c {
            Node::Element(child) => survey(child, pages, wbxml_ns),
            Node::Opaque(_) => *wbxml_ns = true,
            Node::Text(_) => {}
        }
    }
}

impl Attr<'_> {
    fn def_name(&self) -> Option<&'static str> {
        codepages::attr_start(self.page, self.token).map(|d| d.name)
    }
}

struct Writer {
    root_page: u8,
}

impl Writer {
    fn name(&self, e: &Element<'_>) -> String {
        let local = match e.tag.name() {
            Some(n) => n.to_string(),
            None => format!("tok_0x{:02X}", e.tag.token),
        };
        if e.tag.page == self.root_page {
            local
        } else {
            format!("{}:{}", prefix_of(e.tag.page), local)
        }
    }

    fn element(&self, out: &mut String, e: &Element<'_>, depth: usize, decls: &str) {
        let name = self.name(e);
        out.push('<');
        out.push_str(&name);
        out.push_str(decls);
        for a in &e.attributes {
            match a.def_name() {
                Some(n) => out.push_str(&format!(" {n}=\"")),
                None => out.push_str(&format!(" wbxml:attr-{}-0x{:02X}=\"", a.page, a.token)),
            }
            escape_into(out, &a.value, true);
            out.push('"');
        }
        if let [Node::Opaque(data)] = e.children.as_slice() {
            out.push_str(" wbxml:opaque=\"base64\">");
            out.push_str(&STANDARD.encode(data));
        } else if e.children.is_empty() {
            out.push_str("/>");
            return;
        } else {
            out.push('>');
            let element_only = e.children.iter().all(|c| matches!(c, Node::Element(_)));
            for c in &e.children {
                if element_only {
                    out.push('\n');
                    out.push_str(&"  ".repeat(depth + 1));
                }
                match c {
                    Node::Element(child) => self.element(out, child, depth + 1, ""),
                    Node::Text(t) => escape_into(out, t, false),
                    Node::Opaque(d) => {
                        out.push_str("<wbxml:opaque>");
                        out.push_str(&STANDARD.encode(d));
                        out.push_str("</wbxml:opaque>");
                    }
                }
            }
            if element_only {
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
        }
        out.push_str("</");
        out.push_str(&name);
        out.push('>');
    }
}

/// Escapes markup characters, CR (kept through XML end-of-line handling) and, in attributes,
/// the whitespace that attribute-value normalisation would fold.
fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' if attribute => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {
                out.push_str(&format!("&#{};", c as u32));
            }
            c => out.push(c),
        }
    }
}
