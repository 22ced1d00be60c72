//! The WBXML document header (WAP-192-WBXML section 5.4) and the byte-level reads shared by the
//! decoder: single bytes, `mb_u_int32` (section 5.1), NUL-terminated strings.

use crate::error::DecodeError;

/// MIBenum of UTF-8, the only charset EAS uses (MS-ASWBXML 2.1.2).
pub const CHARSET_UTF8: u32 = 106;
/// Public identifier 1: "unknown or missing", what EAS peers send.
pub const PUBLIC_ID_UNKNOWN: u32 = 1;

/// The document's public identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicId<'a> {
    /// A well-known numeric identifier (EAS uses 1, "unknown").
    Id(u32),
    /// A string from the string table (public id 0 followed by an index).
    Named(&'a str),
}

/// The decoded header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// Version byte: 0x03 for WBXML 1.3.
    pub version: u8,
    pub public_id: PublicId<'a>,
    /// Charset MIBenum (106 = UTF-8; 0 "unknown" and 3 US-ASCII are read as UTF-8).
    pub charset: u32,
    /// The raw string table.
    pub string_table: &'a [u8],
}

/// A position in the input with the primitive reads; every failure names what was being read.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    pub fn byte(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let b = *self.buf.get(self.pos).ok_or(DecodeError::Truncated {
            what,
            offset: self.pos,
        })?;
        self.pos += 1;
        Ok(b)
    }

    /// `mb_u_int32`: big-endian base-128, at most 5 bytes, at most 32 bits.
    #[inline]
    pub fn mb_u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for _ in 0..5 {
            let b = self.byte(what)?;
            value = (value << 7) | u64::from(b & 0x7F);
            if b & 0x80 == 0 {
                return u32::try_from(value)
                    .map_err(|_| DecodeError::IntegerTooLong { offset: start });
            }
        }
        Err(DecodeError::IntegerTooLong { offset: start })
    }

    /// `len` raw bytes.
    #[inline]
    pub fn take(&mut self, len: u32, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let len = len as usize;
        let end = self.pos.checked_add(len).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(DecodeError::Truncated {
            what,
            offset: self.pos,
        })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// A NUL-terminated UTF-8 string (STR_I); the NUL is consumed.
    #[inline(always)]
    pub fn c_str(&mut self, what: &'static str) -> Result<&'a str, DecodeError> {
        let start = self.pos;
        match self.c_text(what)? {
            Ok(s) => Ok(s),
            Err(bytes) => utf8(bytes, what, start),
        }
    }

    /// A NUL-terminated string (STR_I), as text when it is UTF-8 and as its bytes when it is
    /// not; the NUL is consumed.
    #[inline(always)]
    pub fn c_text(&mut self, what: &'static str) -> Result<Result<&'a str, &'a [u8]>, DecodeError> {
        let start = self.pos;
        let rest = &self.buf[start..];
        let (len, ascii) = scan_c_str(rest).ok_or(DecodeError::Truncated {
            what,
            offset: start,
        })?;
        self.pos = start + len + 1;
        let bytes = &rest[..len];
        if ascii {
            // SAFETY: `scan_c_str` saw no byte with the high bit set in `bytes`, and every
            // sequence of ASCII bytes is valid UTF-8.
            return Ok(Ok(unsafe { std::str::from_utf8_unchecked(bytes) }));
        }
        Ok(std::str::from_utf8(bytes).map_err(|_| bytes))
    }
}

/// Validates UTF-8, naming the field and offset on failure.
#[inline]
pub(crate) fn utf8<'a>(
    bytes: &'a [u8],
    what: &'static str,
    offset: usize,
) -> Result<&'a str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|e| DecodeError::InvalidUtf8 {
        what,
        offset: offset + e.valid_up_to(),
    })
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Position of the first NUL byte, eight bytes at a time.
#[inline]
pub(crate) fn find_nul(s: &[u8]) -> Option<usize> {
    scan_c_str(s).map(|(len, _)| len)
}

/// Position of the first NUL byte, and whether every byte before it is ASCII; one pass, eight
/// bytes at a time. (In `w - LO & !w & HI`, the lowest set bit marks the first zero byte.)
#[inline(always)]
pub(crate) fn scan_c_str(s: &[u8]) -> Option<(usize, bool)> {
    let mut high = 0u64;
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for c in chunks.by_ref() {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            let first = z.trailing_zeros() as usize / 8;
            let before = (1u64 << (first * 8)).wrapping_sub(1);
            return Some((base + first, (high | (w & before)) & HI == 0));
        }
        high |= w;
        base += 8;
    }
    let tail = chunks.remainder();
    let n = tail.iter().position(|&b| b == 0)?;
    let ascii = high & HI == 0 && tail[..n].is_ascii();
    Some((base + n, ascii))
}

/// Reads the header; the cursor is left at the first body byte.
pub(crate) fn read_header<'a>(cur: &mut Cursor<'a>) -> Result<Header<'a>, DecodeError> {
    let version = cur.byte("header version")?;
    if !(0x01..=0x03).contains(&version) {
        return Err(DecodeError::UnsupportedVersion { version });
    }
    let public_id = cur.mb_u32("header public id")?;
    let public_index = if public_id == 0 {
        Some((cur.pos, cur.mb_u32("header public id index")?))
    } else {
        None
    };
    let charset_at = cur.pos;
    let charset = cur.mb_u32("header charset")?;
    if !matches!(charset, 0 | 3 | CHARSET_UTF8) {
        return Err(DecodeError::UnsupportedCharset {
            charset,
            offset: charset_at,
        });
    }
    let table_at = cur.pos;
    let len = cur.mb_u32("header string table length")?;
    let string_table =
        cur.take(len, "string table")
            .map_err(|_| DecodeError::StringTableTooLong {
                len,
                offset: table_at,
            })?;
    let public_id = match public_index {
        None => PublicId::Id(public_id),
        Some((at, index)) => PublicId::Named(table_str(string_table, index, at)?),
    };
    Ok(Header {
        version,
        public_id,
        charset,
        string_table,
    })
}

/// The string starting at `index` of the string table, up to its NUL (STR_T, section 5.8.4.3).
#[inline]
pub(crate) fn table_str(table: &[u8], index: u32, at: usize) -> Result<&str, DecodeError> {
    utf8(table_bytes(table, index, at)?, "string table entry", at)
}

/// The bytes of the string starting at `index` of the string table, not validated.
#[inline]
pub(crate) fn table_bytes(table: &[u8], index: u32, at: usize) -> Result<&[u8], DecodeError> {
    let bad = || DecodeError::BadStringReference {
        index,
        len: table.len(),
        offset: at,
    };
    let rest = table
        .get(index as usize..)
        .filter(|r| !r.is_empty())
        .ok_or_else(bad)?;
    let len = find_nul(rest).ok_or_else(bad)?;
    Ok(&rest[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(b: &[u8]) -> Cursor<'_> {
        Cursor { buf: b, pos: 0 }
    }

    #[test]
    fn mb_u32_known_answers() {
        assert_eq!(cur(&[0x00]).mb_u32("x"), Ok(0));
        assert_eq!(cur(&[0x7F]).mb_u32("x"), Ok(127));
        assert_eq!(cur(&[0x81, 0x20]).mb_u32("x"), Ok(0xA0));
        assert_eq!(
            cur(&[0x8F, 0xFF, 0xFF, 0xFF, 0x7F]).mb_u32("x"),
            Ok(u32::MAX)
        );
        assert!(matches!(
            cur(&[0x90, 0x80, 0x80, 0x80, 0x00]).mb_u32("x"),
            Err(DecodeError::IntegerTooLong { offset: 0 })
        ));
        assert!(matches!(
            cur(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).mb_u32("x"),
            Err(DecodeError::IntegerTooLong { offset: 0 })
        ));
        assert!(matches!(
            cur(&[0x81]).mb_u32("x"),
            Err(DecodeError::Truncated { offset: 1, .. })
        ));
    }

    #[test]
    fn find_nul_every_position() {
        for len in 0..40 {
            for at in 0..len {
                let mut v = vec![0xFFu8; len];
                v[at] = 0;
                assert_eq!(find_nul(&v), Some(at), "len {len} at {at}");
            }
            assert_eq!(find_nul(&vec![0x80u8; len]), None);
        }
        // A byte 0x01 after a zero byte must not be taken for a NUL (borrow artefact).
        assert_eq!(find_nul(&[1, 1, 1, 1, 1, 1, 1, 1, 0]), Some(8));
        assert_eq!(find_nul(&[0x80, 1, 0, 1, 1, 1, 1, 1]), Some(2));
    }

    #[test]
    fn scan_reports_ascii_exactly() {
        for len in 0..24 {
            for high_at in 0..=len {
                let mut v = vec![b'a'; len + 3];
                v[len] = 0;
                v[len + 1] = 0xC3; // after the NUL: must not count
                if high_at < len {
                    v[high_at] = 0xC3;
                }
                let want = (len, high_at == len);
                assert_eq!(scan_c_str(&v), Some(want), "len {len} high at {high_at}");
            }
        }
        assert_eq!(scan_c_str(b"abc"), None);
    }

    #[test]
    fn c_str_validates_non_ascii() {
        let mut c = cur("h\u{e9}\0".as_bytes());
        assert_eq!(c.c_str("x"), Ok("h\u{e9}"));
        let mut bad = cur(&[b'a', 0xC3, 0x28, 0]);
        assert!(matches!(
            bad.c_str("x"),
            Err(DecodeError::InvalidUtf8 { offset: 1, .. })
        ));
    }

    #[test]
    fn string_table_references() {
        let t = b"abc\0de\0";
        assert_eq!(table_str(t, 0, 9), Ok("abc"));
        assert_eq!(table_str(t, 1, 9), Ok("bc"));
        assert_eq!(table_str(t, 4, 9), Ok("de"));
        assert!(table_str(t, 7, 9).is_err());
        assert!(table_str(b"ab", 0, 9).is_err(), "unterminated entry");
    }
}
