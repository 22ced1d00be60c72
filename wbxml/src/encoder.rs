//! The canonical encoder: WBXML 1.3, public id 1, UTF-8, no string table; SWITCH_PAGE only when
//! the page changes; text as STR_I; the content bit only on elements that have content; OPAQUE
//! with an `mb_u_int32` length (MS-ASWBXML 2.1.2, WAP-192-WBXML section 5).
//!
//! The content bit of a start tag is set when the first child, text or opaque is written, so
//! callers never need to know in advance whether an element will be empty.

use crate::codepages;
use crate::error::EncodeError;
use crate::header::{CHARSET_UTF8, PUBLIC_ID_UNKNOWN};
use crate::token::{self, Tag};

/// An attribute to encode: its start token and full value (the token's value prefix included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrRef<'v> {
    pub page: u8,
    pub token: u8,
    pub value: &'v str,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    tag: Tag,
    token_at: usize,
    has_content: bool,
}

/// Writes one WBXML document into a byte vector.
#[derive(Debug, Clone)]
pub struct Encoder {
    buf: Vec<u8>,
    page: u8,
    attr_page: u8,
    stack: Vec<Frame>,
    root_written: bool,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// A new document; the header is written at once.
    pub fn new() -> Self {
        Self::with_capacity(256)
    }

    /// A new document with `capacity` bytes reserved.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity.max(8));
        buf.push(0x03); // WBXML 1.3
        write_mb_u32(&mut buf, PUBLIC_ID_UNKNOWN);
        write_mb_u32(&mut buf, CHARSET_UTF8);
        buf.push(0x00); // empty string table
        Self {
            buf,
            page: 0,
            attr_page: 0,
            stack: Vec::with_capacity(16),
            root_written: false,
        }
    }

    /// Opens an element.
    pub fn start(&mut self, tag: Tag) -> Result<(), EncodeError> {
        self.start_with_attributes(tag, &[])
    }

    /// Opens an element with attributes.
    pub fn start_with_attributes(
        &mut self,
        tag: Tag,
        attributes: &[AttrRef<'_>],
    ) -> Result<(), EncodeError> {
        if !(0x05..=0x3F).contains(&tag.token) {
            return Err(EncodeError::BadToken { token: tag.token });
        }
        if self.stack.is_empty() {
            if self.root_written {
                return Err(EncodeError::SecondRoot);
            }
            self.root_written = true;
        }
        self.mark_content();
        if tag.page != self.page {
            self.buf.extend_from_slice(&[token::SWITCH_PAGE, tag.page]);
            self.page = tag.page;
        }
        let token_at = self.buf.len();
        if attributes.is_empty() {
            self.buf.push(tag.token);
        } else {
            self.buf.push(tag.token | token::HAS_ATTRIBUTES);
            self.attributes(attributes)?;
        }
        self.stack.push(Frame {
            tag,
            token_at,
            has_content: false,
        });
        Ok(())
    }

    fn attributes(&mut self, attributes: &[AttrRef<'_>]) -> Result<(), EncodeError> {
        for a in attributes {
            let prefix = codepages::attr_start(a.page, a.token).map_or("", |d| d.value_prefix);
            let unknown = || EncodeError::UnknownAttribute {
                name: format!("page {} token 0x{:02X}", a.page, a.token),
                value: a.value.to_string(),
            };
            let rest = a.value.strip_prefix(prefix).ok_or_else(unknown)?;
            if a.token >= 0x80 || token::is_global(a.token) || rest.contains('\0') {
                return Err(unknown());
            }
            if a.page != self.attr_page {
                self.buf.extend_from_slice(&[token::SWITCH_PAGE, a.page]);
                self.attr_page = a.page;
            }
            self.buf.push(a.token);
            if !rest.is_empty() {
                self.buf.push(token::STR_I);
                self.buf.extend_from_slice(rest.as_bytes());
                self.buf.push(0);
            }
        }
        self.buf.push(token::END);
        Ok(())
    }

    /// Writes text (STR_I) into the open element.
    pub fn text(&mut self, text: &str) -> Result<(), EncodeError> {
        if text.as_bytes().contains(&0) {
            let tag = self.stack.last().map_or("?".into(), |f| f.tag.to_string());
            return Err(EncodeError::NulInText { tag });
        }
        self.content_allowed()?;
        self.mark_content();
        self.buf.reserve(text.len() + 2);
        self.buf.push(token::STR_I);
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.push(0);
        Ok(())
    }

    /// Writes opaque data (OPAQUE) into the open element.
    pub fn opaque(&mut self, data: &[u8]) -> Result<(), EncodeError> {
        self.content_allowed()?;
        self.mark_content();
        self.buf.push(token::OPAQUE);
        let len = u32::try_from(data.len())
            .map_err(|_| EncodeError::OpaqueTooLarge { len: data.len() })?;
        write_mb_u32(&mut self.buf, len);
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) -> Result<(), EncodeError> {
        let frame = self.stack.pop().ok_or(EncodeError::NoOpenElement)?;
        if frame.has_content {
            self.buf.push(token::END);
        }
        Ok(())
    }

    /// `<tag>text</tag>`.
    pub fn leaf(&mut self, tag: Tag, text: &str) -> Result<(), EncodeError> {
        self.start(tag)?;
        self.text(text)?;
        self.end()
    }

    /// `<tag/>`.
    pub fn empty(&mut self, tag: Tag) -> Result<(), EncodeError> {
        self.start(tag)?;
        self.end()
    }

    /// The finished document.
    pub fn finish(self) -> Result<Vec<u8>, EncodeError> {
        if !self.root_written {
            return Err(EncodeError::NoRoot);
        }
        if !self.stack.is_empty() {
            return Err(EncodeError::Unfinished {
                open: self.stack.len(),
            });
        }
        Ok(self.buf)
    }

    fn content_allowed(&self) -> Result<(), EncodeError> {
        if self.stack.is_empty() {
            return Err(EncodeError::ContentOutsideRoot);
        }
        Ok(())
    }

    #[inline]
    fn mark_content(&mut self) {
        if let Some(f) = self.stack.last_mut()
            && !f.has_content
        {
            f.has_content = true;
            self.buf[f.token_at] |= token::HAS_CONTENT;
        }
    }
}

/// Appends `v` as `mb_u_int32`.
pub fn write_mb_u32(buf: &mut Vec<u8>, v: u32) {
    let mut tmp = [0u8; 5];
    let mut i = tmp.len();
    let mut v = v;
    loop {
        i -= 1;
        tmp[i] = (v & 0x7F) as u8 | if i == tmp.len() - 1 { 0 } else { 0x80 };
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mb_u32_encoding() {
        for (v, want) in [
            (0u32, &[0x00][..]),
            (0x7F, &[0x7F]),
            (0x80, &[0x81, 0x00]),
            (0xA0, &[0x81, 0x20]),
            (u32::MAX, &[0x8F, 0xFF, 0xFF, 0xFF, 0x7F]),
        ] {
            let mut b = Vec::new();
            write_mb_u32(&mut b, v);
            assert_eq!(b, want, "{v}");
        }
    }

    #[test]
    fn content_bit_only_when_content_written() {
        let mut e = Encoder::new();
        e.start(Tag::new(7, 0x16)).unwrap(); // FolderSync
        e.leaf(Tag::new(7, 0x12), "0").unwrap(); // SyncKey
        e.empty(Tag::new(0, 0x1E)).unwrap(); // AirSync DeletesAsMoves
        e.end().unwrap();
        let b = e.finish().unwrap();
        assert_eq!(
            b,
            [
                0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x00, 0x00,
                0x1E, 0x01
            ]
        );
    }

    #[test]
    fn misuse_is_an_error() {
        let mut e = Encoder::new();
        assert_eq!(e.end(), Err(EncodeError::NoOpenElement));
        assert_eq!(e.text("x"), Err(EncodeError::ContentOutsideRoot));
        e.start(Tag::new(0, 0x05)).unwrap();
        assert!(matches!(e.text("a\0b"), Err(EncodeError::NulInText { .. })));
        assert_eq!(
            e.start(Tag::new(0, 0x41)),
            Err(EncodeError::BadToken { token: 0x41 })
        );
        e.end().unwrap();
        assert_eq!(e.start(Tag::new(0, 0x05)), Err(EncodeError::SecondRoot));
        let mut open = Encoder::new();
        open.start(Tag::new(0, 0x05)).unwrap();
        assert_eq!(open.finish(), Err(EncodeError::Unfinished { open: 1 }));
    }
}
