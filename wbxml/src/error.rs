//! Errors of the codec. Every decode error carries the byte offset at which it was found.

use thiserror::Error;

use crate::token::Tag;

/// Why a WBXML document could not be decoded. `offset` is the byte offset into the input of the
/// token (or header field) that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("input ends inside {what} at byte {offset}")]
    Truncated { what: &'static str, offset: usize },
    #[error("mb_u_int32 at byte {offset} is longer than 5 bytes or exceeds 32 bits")]
    IntegerTooLong { offset: usize },
    #[error("unsupported WBXML version 0x{version:02X} at byte 0 (expected 1.1–1.3)")]
    UnsupportedVersion { version: u8 },
    #[error("unsupported charset MIBenum {charset} at byte {offset} (EAS uses UTF-8, 106)")]
    UnsupportedCharset { charset: u32, offset: usize },
    #[error("string table of {len} bytes at byte {offset} runs past the end of the input")]
    StringTableTooLong { len: u32, offset: usize },
    #[error("string table reference {index} at byte {offset} is outside the {len}-byte table")]
    BadStringReference {
        index: u32,
        len: usize,
        offset: usize,
    },
    #[error("invalid UTF-8 in {what} at byte {offset}")]
    InvalidUtf8 { what: &'static str, offset: usize },
    #[error("{what} at byte {offset} is a NUL character, which no WBXML string can carry")]
    NulCharacter { what: &'static str, offset: usize },
    #[error("entity &#{code}; at byte {offset} is not a Unicode scalar value")]
    InvalidEntity { code: u32, offset: usize },
    #[error("unexpected {} at byte {offset}: {context}", token_name(*token))]
    Unexpected {
        token: u8,
        context: &'static str,
        offset: usize,
    },
    #[error(
        "global token {name} (0x{token:02X}) at byte {offset} is not used by EAS (MS-ASWBXML R655)"
    )]
    UnsupportedToken {
        name: &'static str,
        token: u8,
        offset: usize,
    },
    #[error("missing END for <{tag}> opened at byte {opened_at}: input ends at byte {offset}")]
    Unclosed {
        tag: Tag,
        opened_at: usize,
        offset: usize,
    },
    #[error("element nesting deeper than {limit} at byte {offset}")]
    TooDeep { limit: usize, offset: usize },
    #[error("input of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge { len: usize, limit: usize },
    #[error(
        "unknown attribute value token 0x{token:02X} on attribute page {page} at byte {offset}"
    )]
    UnknownAttrValue { page: u8, token: u8, offset: usize },
    #[error("attribute token 0x{token:02X} (page {page}) repeated on one element at byte {offset}")]
    DuplicateAttribute { page: u8, token: u8, offset: usize },
    #[error("more than {limit} attributes on one element at byte {offset}")]
    TooManyAttributes { limit: usize, offset: usize },
    #[error("{len} bytes of trailing data after the root element at byte {offset}")]
    TrailingData { len: usize, offset: usize },
}

/// A global token's name, or its number.
fn token_name(b: u8) -> String {
    use crate::token::*;
    match b {
        END => "END".into(),
        SWITCH_PAGE => "SWITCH_PAGE".into(),
        STR_I => "STR_I".into(),
        STR_T => "STR_T".into(),
        ENTITY => "ENTITY".into(),
        OPAQUE => "OPAQUE".into(),
        b => format!("token 0x{b:02X}"),
    }
}

impl DecodeError {
    /// The byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        match self {
            Self::UnsupportedVersion { .. } | Self::TooLarge { .. } => 0,
            Self::Truncated { offset, .. }
            | Self::IntegerTooLong { offset }
            | Self::UnsupportedCharset { offset, .. }
            | Self::StringTableTooLong { offset, .. }
            | Self::BadStringReference { offset, .. }
            | Self::InvalidUtf8 { offset, .. }
            | Self::InvalidEntity { offset, .. }
            | Self::NulCharacter { offset, .. }
            | Self::DuplicateAttribute { offset, .. }
            | Self::TooManyAttributes { offset, .. }
            | Self::Unexpected { offset, .. }
            | Self::UnsupportedToken { offset, .. }
            | Self::Unclosed { offset, .. }
            | Self::TooDeep { offset, .. }
            | Self::UnknownAttrValue { offset, .. }
            | Self::TrailingData { offset, .. } => *offset,
        }
    }
}

/// Why a document could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    #[error("text of <{tag}> contains a NUL character, which WBXML inline strings cannot carry")]
    NulInText { tag: String },
    #[error("attribute {name}=\"{value}\" has no attribute start token in the EAS tables")]
    UnknownAttribute { name: String, value: String },
    #[error("end() called with no open element")]
    NoOpenElement,
    #[error("document finished with {open} element(s) still open")]
    Unfinished { open: usize },
    #[error("a document has exactly one root element; a second one was started")]
    SecondRoot,
    #[error("text or opaque data outside the root element")]
    ContentOutsideRoot,
    #[error("opaque data of {len} bytes exceeds the 4 GiB WBXML limit")]
    OpaqueTooLarge { len: usize },
    #[error("the document has no root element")]
    NoRoot,
    #[error("tag token 0x{token:02X} is outside 0x05–0x3F")]
    BadToken { token: u8 },
}
