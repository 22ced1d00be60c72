//! WBXML 1.3 global tokens (WAP-192-WBXML section 7.1) and the tag identity type.

use std::fmt;

use crate::codepages::{self, TagDef};

pub const SWITCH_PAGE: u8 = 0x00;
pub const END: u8 = 0x01;
pub const ENTITY: u8 = 0x02;
pub const STR_I: u8 = 0x03;
pub const LITERAL: u8 = 0x04;
pub const PI: u8 = 0x43;
pub const STR_T: u8 = 0x83;
pub const OPAQUE: u8 = 0xC3;

/// Tag token bit: the element has attributes.
pub const HAS_ATTRIBUTES: u8 = 0x80;
/// Tag token bit: the element has content (and is closed by END).
pub const HAS_CONTENT: u8 = 0x40;

/// The name of a global token no EAS document uses (they are rejected on decode).
pub(crate) fn unsupported_global(b: u8) -> Option<&'static str> {
    Some(match b {
        LITERAL => "LITERAL",
        0x44 => "LITERAL_C",
        0x84 => "LITERAL_A",
        0xC4 => "LITERAL_AC",
        PI => "PI",
        0x40..=0x42 => "EXT_I",
        0x80..=0x82 => "EXT_T",
        0xC0..=0xC2 => "EXT",
        _ => return None,
    })
}

/// Whether `b` is a global token (its low six bits are below 5) rather than a tag token.
#[inline]
pub(crate) fn is_global(b: u8) -> bool {
    b & 0x3F < 0x05
}

/// The identity of an element: its code page and its token (0x05–0x3F).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    pub page: u8,
    pub token: u8,
}

impl Tag {
    pub const fn new(page: u8, token: u8) -> Self {
        Self { page, token }
    }

    /// The code page table entry, if this tag is known.
    pub fn def(self) -> Option<&'static TagDef> {
        codepages::tag(self.page, self.token)
    }

    /// The spec name, if known.
    pub fn name(self) -> Option<&'static str> {
        self.def().map(|d| d.name)
    }

    /// Looks a tag up by page and spec name.
    pub fn by_name(page: u8, name: &str) -> Option<Self> {
        codepages::token_by_name(page, name).map(|token| Self { page, token })
    }
}

impl fmt::Display for Tag {
    /// `Page:Name` for known tags, `page P token 0xTT` for unknown ones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (codepages::page(self.page), self.name()) {
            (Some(p), Some(n)) => write!(f, "{}:{}", p.name, n),
            _ => write!(f, "page {} token 0x{:02X}", self.page, self.token),
        }
    }
}
