//! The charset fallback for text that is not UTF-8. MS-ASWBXML 2.1.2 fixes UTF-8, but servers
//! pass through what they hold: a mail body in windows-1252 arrives as its raw bytes. Every
//! valid UTF-8 run is kept as it is; each byte that is not part of one is read as windows-1252
//! (the WHATWG Encoding Standard's `index-windows-1252`, which maps every byte, so decoding
//! never fails).

use std::borrow::Cow;

/// Bytes 0x80–0x9F in windows-1252; the five it leaves undefined map to the C1 control of the
/// same number, as WHATWG does. Every other byte is its Latin-1 code point.
const HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// One byte as windows-1252.
pub fn windows_1252(b: u8) -> char {
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// `bytes` as text: borrowed when they are UTF-8, else UTF-8 runs kept and the other bytes
/// read as windows-1252.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(chunk.invalid().iter().map(|&b| windows_1252(b)));
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_known_answers() {
        assert_eq!(decode(b"caf\xE9 \x80 \x96 \x9F"), "café € – Ÿ");
        assert_eq!(
            decode(b"\x81\x8D\x8F\x90\x9D"),
            "\u{81}\u{8D}\u{8F}\u{90}\u{9D}"
        );
        assert!(matches!(decode("schön".as_bytes()), Cow::Borrowed("schön")));
    }

    #[test]
    fn utf8_runs_survive_beside_invalid_bytes() {
        assert_eq!(decode(b"\xC3\xBC and \xFC"), "ü and ü");
        for b in 0..=255u8 {
            assert_eq!(decode(&[b]).chars().count(), 1, "byte {b:#04x}");
        }
    }
}
