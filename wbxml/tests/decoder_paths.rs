//! Decoder paths the vectors do not reach: every error kind with its offset, the limits, the
//! header variants (string-table public id, charsets, versions), STR_T and ENTITY.

use wbxml::{DecodeError, Decoder, Element, Event, Limits, PublicId, Tag};

/// Header 1.3 / public id 1 / UTF-8 / no string table, then `body`.
fn doc(body: &[u8]) -> Vec<u8> {
    let mut v = vec![0x03, 0x01, 0x6A, 0x00];
    v.extend_from_slice(body);
    v
}

fn decode_err(bytes: &[u8]) -> DecodeError {
    Element::decode(bytes).expect_err("must be rejected")
}

#[test]
fn depth_limit() {
    let mut body = vec![0x45; 10]; // ten nested <Sync> with content
    body.extend(std::iter::repeat_n(0x01, 10));
    let limits = Limits {
        max_depth: 9,
        ..Limits::default()
    };
    let err = Element::decode_with_limits(&doc(&body), limits).unwrap_err();
    assert_eq!(
        err,
        DecodeError::TooDeep {
            limit: 9,
            offset: 13
        }
    );
    let ok = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    assert!(Element::decode_with_limits(&doc(&body), ok).is_ok());
}

#[test]
fn size_limit() {
    let bytes = doc(&[0x05]);
    let limits = Limits {
        max_len: 4,
        ..Limits::default()
    };
    let err = Decoder::with_limits(&bytes, limits).unwrap_err();
    assert_eq!(err, DecodeError::TooLarge { len: 5, limit: 4 });
}

#[test]
fn trailing_data_after_the_root() {
    assert_eq!(
        decode_err(&doc(&[0x05, 0x05])),
        DecodeError::TrailingData { len: 1, offset: 5 }
    );
}

#[test]
fn global_tokens_eas_does_not_use() {
    for (tok, name) in [
        (0x04, "LITERAL"),
        (0x43, "PI"),
        (0x40, "EXT_I"),
        (0x80, "EXT_T"),
        (0xC0, "EXT"),
    ] {
        let err = decode_err(&doc(&[0x45, tok, 0x01]));
        assert_eq!(
            err,
            DecodeError::UnsupportedToken {
                name,
                token: tok,
                offset: 5
            },
            "{name}"
        );
    }
}

#[test]
fn header_variants() {
    // Public id 0 + index 0 into a string table holding the DTD name; charset 3 (US-ASCII).
    let mut bytes = vec![0x03, 0x00, 0x00, 0x03, 0x04, b'E', b'A', b'S', 0x00, 0x05];
    let dec = Decoder::new(&bytes).unwrap();
    assert_eq!(dec.header().public_id, PublicId::Named("EAS"));
    assert_eq!(dec.header().charset, 3);
    bytes[3] = 0x04; // ISO-8859-1
    assert_eq!(
        Decoder::new(&bytes).unwrap_err(),
        DecodeError::UnsupportedCharset {
            charset: 4,
            offset: 3
        }
    );
    assert_eq!(
        Decoder::new(&[0x04, 0x01, 0x6A, 0x00]).unwrap_err(),
        DecodeError::UnsupportedVersion { version: 4 }
    );
    assert_eq!(
        Decoder::new(&[0x03, 0x01, 0x6A, 0x05, b'a']).unwrap_err(),
        DecodeError::StringTableTooLong { len: 5, offset: 3 }
    );
    assert!(matches!(
        Decoder::new(&[0x03, 0x00, 0x09, 0x6A, 0x01, 0x00]).unwrap_err(),
        DecodeError::BadStringReference { index: 9, .. }
    ));
}

#[test]
fn str_t_and_entity_become_text() {
    // String table "ab\0cd\0"; <Sync>STR_T 3, ENTITY 0xE9, STR_T 99 (bad)</Sync>
    let ok = [
        0x03, 0x01, 0x6A, 0x06, b'a', b'b', 0, b'c', b'd', 0, 0x45, 0x83, 0x03, 0x02, 0x81, 0x69,
        0x01,
    ];
    let tree = Element::decode(&ok).unwrap();
    assert_eq!(tree.text(), "cd\u{e9}");
    let mut bad = ok;
    bad[12] = 0x63;
    assert!(matches!(
        Element::decode(&bad).unwrap_err(),
        DecodeError::BadStringReference {
            index: 99,
            len: 6,
            offset: 11
        }
    ));
}

#[test]
fn invalid_entities_and_utf8() {
    assert_eq!(
        decode_err(&doc(&[0x45, 0x02, 0x00, 0x01])),
        DecodeError::NulCharacter {
            what: "ENTITY",
            offset: 5
        }
    );
    assert_eq!(
        decode_err(&doc(&[0x45, 0x02, 0x83, 0xB0, 0x00, 0x01])), // 0xD800, a surrogate
        DecodeError::InvalidEntity {
            code: 0xD800,
            offset: 5
        }
    );
    assert_eq!(
        decode_err(&doc(&[0x45, 0x03, b'a', 0xFF, 0x00, 0x01])),
        DecodeError::InvalidUtf8 {
            what: "inline string (STR_I)",
            offset: 7
        }
    );
}

#[test]
fn unknown_tags_are_events_with_page_and_token() {
    // SWITCH_PAGE 30 (no such page), <0x05/>; then page 25 token 0x0F (unassigned).
    let bytes = doc(&[0x00, 0x1E, 0x45, 0x00, 0x19, 0x0F, 0x01]);
    let mut dec = Decoder::new(&bytes).unwrap();
    let Some(Event::Start(root)) = dec.next().unwrap() else {
        panic!()
    };
    assert_eq!((root.tag, root.def()), (Tag::new(30, 0x05), None));
    let Some(Event::Start(child)) = dec.next().unwrap() else {
        panic!()
    };
    assert_eq!((child.tag, child.def()), (Tag::new(25, 0x0F), None));
    let xml = wbxml::xml::to_xml(&Element::decode(&bytes).unwrap());
    assert!(
        xml.contains("<tok_0x05 xmlns=\"urn:x-wbxml:page:30\""),
        "{xml}"
    );
    assert!(xml.contains("<find:tok_0x0F/>"), "{xml}");
    assert_eq!(wbxml::xml::from_xml(&xml).unwrap().encode().unwrap(), bytes);
}

#[test]
fn attributes_errors() {
    // <Notification attrs>: unknown attribute value token, duplicate attribute, bad page switch.
    let head = [0x00, 0x03, 0xC6, 0x00, 0x03];
    let with = |tail: &[u8]| doc(&[&head[..], tail].concat());
    assert_eq!(
        decode_err(&with(&[0x05, 0x85, 0x01, 0x01])),
        DecodeError::UnknownAttrValue {
            page: 3,
            token: 0x85,
            offset: 10
        }
    );
    assert_eq!(
        decode_err(&with(&[0x05, 0x05, 0x01, 0x01])),
        DecodeError::DuplicateAttribute {
            page: 3,
            token: 0x05,
            offset: 10
        }
    );
    // An unknown attribute start token is kept, with its value.
    let bytes = with(&[0x06, 0x03, b'x', 0x00, 0x01, 0x01]);
    let tree = Element::decode(&bytes).unwrap();
    assert_eq!(
        (tree.attributes[0].token, &*tree.attributes[0].value),
        (0x06, "x")
    );
}

/// `<Sync>` (page 0, token 0x05, content) with `content`, closed.
fn in_sync(content: &[u8]) -> Vec<u8> {
    let mut body = vec![0x45];
    body.extend_from_slice(content);
    body.push(0x01);
    doc(&body)
}

fn events(mut dec: Decoder<'_>) -> Result<Vec<Event<'_>>, DecodeError> {
    let mut out = Vec::new();
    while let Some(e) = dec.next()? {
        out.push(e);
    }
    Ok(out)
}

#[test]
fn windows_1252_text_fails_a_strict_decoder_and_comes_as_bytes_from_a_lenient_one() {
    // "café – ok" in windows-1252: é = 0xE9, – = 0x96.
    let text = b"caf\xE9 \x96 ok";
    let mut content = vec![0x03];
    content.extend_from_slice(text);
    content.push(0x00);
    let bytes = in_sync(&content);
    assert!(matches!(
        decode_err(&bytes),
        DecodeError::InvalidUtf8 { offset: 9, .. }
    ));
    let strict = events(Decoder::new(&bytes).unwrap());
    assert!(matches!(strict, Err(DecodeError::InvalidUtf8 { .. })));
    let lenient = events(Decoder::new(&bytes).unwrap().allow_invalid_utf8()).unwrap();
    assert_eq!(lenient[1], Event::RawText(text));
    assert_eq!(lenient.len(), 3);
}

#[test]
fn a_lenient_decoder_gives_valid_text_as_text_and_invalid_string_table_entries_as_bytes() {
    // String table "ok\0" + "\xFC\0"; content: STR_I "ü" (UTF-8), STR_T 0, STR_T 3.
    let mut bytes = vec![0x03, 0x01, 0x6A, 0x05, b'o', b'k', 0x00, 0xFC, 0x00];
    bytes.extend_from_slice(&[0x45, 0x03, 0xC3, 0xBC, 0x00, 0x83, 0x00, 0x83, 0x03, 0x01]);
    let lenient = events(Decoder::new(&bytes).unwrap().allow_invalid_utf8()).unwrap();
    assert_eq!(lenient[1], Event::Text("ü"));
    assert_eq!(lenient[2], Event::Text("ok"));
    assert_eq!(lenient[3], Event::RawText(b"\xFC"));
    assert!(matches!(
        events(Decoder::new(&bytes).unwrap()),
        Err(DecodeError::InvalidUtf8 { .. })
    ));
}

#[test]
fn decoding_resumes_after_a_bad_entity_in_content_but_not_after_truncation() {
    // <Sync> ENTITY 0xD800 (a lone surrogate), STR_I "a", END.
    let bytes = in_sync(&[0x02, 0x83, 0xB0, 0x00, 0x03, b'a', 0x00]);
    let mut dec = Decoder::new(&bytes).unwrap();
    assert!(matches!(dec.next(), Ok(Some(Event::Start(_)))));
    let err = dec.next().unwrap_err();
    assert!(matches!(
        err,
        DecodeError::InvalidEntity { code: 0xD800, .. }
    ));
    assert!(dec.resumable(&err));
    assert_eq!(dec.next(), Ok(Some(Event::Text("a"))));
    assert!(matches!(dec.next(), Ok(Some(Event::End(_)))));
    assert_eq!(dec.next(), Ok(None));

    let cut = &bytes[..bytes.len() - 3];
    let mut dec = Decoder::new(cut).unwrap();
    dec.next().unwrap();
    let err = dec.next().unwrap_err();
    assert!(dec.resumable(&err), "the entity error comes first");
    let err = dec.next().unwrap_err();
    assert!(!dec.resumable(&err), "{err}");
}
