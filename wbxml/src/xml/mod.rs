//! The XML view of WBXML, in the convention of `fixtures/wbxml/*.xml` (../shared/eas/README.md):
//!
//! - the root element in the default namespace of its page (`<Sync xmlns="AirSync:">`), every
//!   other page used declared on the root as `xmlns:<lowercase page name>="<Page>:"`;
//! - text exactly as in the WBXML (CR written as `&#13;` so XML end-of-line handling keeps it);
//! - OPAQUE content as base64 in an element carrying `wbxml:opaque="base64"`
//!   (`xmlns:wbxml="urn:x-wbxml"`); opaque data mixed with other content as
//!   `<wbxml:opaque>` children;
//! - spec v22.2 tag names; tokens the tables do not know as `tok_0xTT` in their page's
//!   namespace (`urn:x-wbxml:page:N` for an unknown page), attributes without a table entry as
//!   `wbxml:attr-P-0xTT`, so that nothing is lost either way.
//!
//! Whitespace-only text beside child elements is layout and is dropped when reading; an empty
//! text node has no XML form. Both are the only differences a WBXML → XML → WBXML trip can make.

mod read;
mod write;

pub use read::from_xml;
pub use write::to_xml;

use thiserror::Error;

/// The namespace of the bridge's own markup.
pub const WBXML_NS: &str = "urn:x-wbxml";
/// Namespace prefix of pages the tables do not know: `urn:x-wbxml:page:N`.
const UNKNOWN_PAGE_NS: &str = "urn:x-wbxml:page:";

/// Why an XML document could not be turned into WBXML.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XmlError {
    #[error("XML syntax error at byte {offset}: {message}")]
    Syntax { offset: u64, message: String },
    #[error(
        "element <{name}> at byte {offset} has no namespace; EAS pages are namespaces like \"AirSync:\""
    )]
    NoNamespace { name: String, offset: u64 },
    #[error(
        "element <{name}> at byte {offset} is in namespace \"{ns}\", which is no EAS code page"
    )]
    UnknownNamespace {
        name: String,
        ns: String,
        offset: u64,
    },
    #[error("element <{name}> at byte {offset} is not a tag of code page {page}")]
    UnknownElement { name: String, page: u8, offset: u64 },
    #[error("attribute {name}=\"{value}\" at byte {offset} has no WBXML token")]
    UnknownAttribute {
        name: String,
        value: String,
        offset: u64,
    },
    #[error("invalid base64 in the opaque content of <{name}> at byte {offset}")]
    BadBase64 { name: String, offset: u64 },
    #[error("the document has no root element")]
    NoRoot,
    #[error("a second root element <{name}> at byte {offset}")]
    SecondRoot { name: String, offset: u64 },
    #[error("text outside the root element at byte {offset}")]
    TextOutsideRoot { offset: u64 },
}

/// The XML namespace of a page number.
fn namespace_of(page: u8) -> String {
    match crate::codepages::page(page) {
        Some(p) => p.namespace.to_string(),
        None => format!("{UNKNOWN_PAGE_NS}{page}"),
    }
}

/// The page of an XML namespace (known pages with or without the trailing colon).
fn page_of(ns: &str) -> Option<u8> {
    crate::codepages::page_by_namespace(ns)
        .or_else(|| ns.strip_prefix(UNKNOWN_PAGE_NS)?.parse().ok())
}

/// The XML prefix of a page.
fn prefix_of(page: u8) -> String {
    match crate::codepages::page(page) {
        Some(p) => p.prefix(),
        None => format!("page{page}"),
    }
}

/// Parses `0xTT` as a token.
fn parse_hex_token(s: &str) -> Option<u8> {
    u8::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}
