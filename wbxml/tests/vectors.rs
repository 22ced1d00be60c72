//! The known-answer vectors of `fixtures/wbxml` (copied from ../shared/eas/vectors with their
//! SOURCES.md): every positive vector decodes to the tree of its `.xml`, re-encodes to its own
//! bytes (except the originals SOURCES.md marks as non-canonical) and survives the XML bridge;
//! every negative vector is rejected with the error its source expects.
//!
//! On a mismatch the test writes `NAME.xml.failed` (what we produced) beside the vector.

use std::fs;
use std::path::{Path, PathBuf};

use wbxml::xml::{from_xml, to_xml};
use wbxml::{DecodeError, Decoder, Element, Event};

const POSITIVE: usize = 61;
const NEGATIVE: usize = 15;

/// Originals whose encoding is valid but not canonical (SOURCES.md: "reencode: DIFFERS" / n/a).
const NON_CANONICAL: &[&str] = &[
    "opush-tom_prov_resp",       // non-minimal encoding by its producer
    "goas-string-table-ignored", // carries an unreferenced 3-byte string table
];

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/wbxml")
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Checks one positive vector; returns a description of what is wrong, if anything.
fn check_positive(path: &Path) -> Result<(), String> {
    let name = stem(path);
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let want_xml = fs::read_to_string(path.with_extension("xml")).map_err(|e| e.to_string())?;
    let want = from_xml(&want_xml).map_err(|e| format!("reading {name}.xml: {e}"))?;
    let got = Element::decode(&bytes).map_err(|e| format!("decode: {e}"))?;
    let ours = to_xml(&got);
    if got != want {
        fs::write(path.with_extension("xml.failed"), &ours).ok();
        return Err("decoded tree differs from the .xml".into());
    }
    let reread = from_xml(&ours).map_err(|e| format!("re-reading our XML: {e}"))?;
    if reread != got {
        fs::write(path.with_extension("xml.failed"), &ours).ok();
        return Err("our XML does not read back to the same tree".into());
    }
    let encoded = got.encode().map_err(|e| format!("encode: {e}"))?;
    let from_xml_bytes = want.encode().map_err(|e| format!("encode from XML: {e}"))?;
    if encoded != from_xml_bytes {
        return Err("tree and XML encode differently".into());
    }
    if NON_CANONICAL.contains(&name.as_str()) {
        let again = Element::decode(&encoded).map_err(|e| format!("decode re-encoded: {e}"))?;
        if again != got || again.encode().ok() != Some(encoded) {
            return Err("canonical re-encoding is not stable".into());
        }
    } else if encoded != bytes {
        let at = encoded.iter().zip(&bytes).position(|(a, b)| a != b);
        return Err(format!("re-encoding differs at byte {at:?}"));
    }
    Ok(())
}

#[test]
fn positive_vectors_decode_reencode_and_bridge() {
    let paths = files(&vectors_dir(), "wbxml");
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| check_positive(p).err().map(|e| format!("{}: {e}", stem(p))))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(paths.len(), POSITIVE, "every positive vector must run");
}

#[test]
fn non_canonical_list_names_existing_vectors() {
    for name in NON_CANONICAL {
        assert!(
            vectors_dir().join(format!("{name}.wbxml")).exists(),
            "{name}"
        );
    }
}

/// The error each negative vector must produce (manifest.tsv names the expected failure).
fn expected_negative(name: &str) -> fn(&DecodeError) -> bool {
    use DecodeError::*;
    match name {
        "goas-truncated-missing-ends" => |e| matches!(e, Unclosed { opened_at: 7, .. }),
        "goas-attributes-flag-truncated" => |e| {
            matches!(
                e,
                Truncated {
                    what: "attribute list",
                    offset: 7
                }
            )
        },
        "goas-empty-input" => |e| matches!(e, Truncated { offset: 0, .. }),
        "goas-truncated-header-version-only" => |e| matches!(e, Truncated { offset: 1, .. }),
        "goas-truncated-header-no-charset" => |e| matches!(e, Truncated { offset: 2, .. }),
        "goas-truncated-header-no-strtbl-len" => |e| matches!(e, Truncated { offset: 3, .. }),
        "goas-no-root-element" => |e| matches!(e, Truncated { offset: 4, .. }),
        "goas-switch-page-without-page" => |e| {
            matches!(
                e,
                Truncated {
                    what: "SWITCH_PAGE",
                    offset: 5
                }
            )
        },
        "goas-mb-uint32-too-long" => |e| matches!(e, IntegerTooLong { offset: 1 }),
        "goas-end-where-tag-expected" => |e| matches!(e, Unexpected { offset: 4, .. }),
        "goas-switch-page-mid-element-truncated" => |e| {
            matches!(
                e,
                Truncated {
                    what: "SWITCH_PAGE",
                    offset: 6
                }
            )
        },
        "goas-str-i-unterminated" => |e| matches!(e, Truncated { offset: 6, .. }),
        "goas-opaque-length-truncated" => |e| matches!(e, Truncated { offset: 7, .. }),
        "goas-opaque-body-truncated" => |e| matches!(e, Truncated { offset: 7, .. }),
        "goas-child-element-unclosed" => |e| matches!(e, Unclosed { opened_at: 5, .. }),
        _ => |_| false,
    }
}

#[test]
fn negative_vectors_are_rejected_with_the_expected_error() {
    let paths = files(&vectors_dir().join("negative"), "wbxml");
    let mut wrong = Vec::new();
    for p in &paths {
        let bytes = fs::read(p).unwrap();
        let name = stem(p);
        match Element::decode(&bytes) {
            Ok(tree) => wrong.push(format!("{name}: accepted as {tree:?}")),
            Err(e) if expected_negative(&name)(&e) => {}
            Err(e) => wrong.push(format!("{name}: unexpected error {e:?}")),
        }
        // The pull decoder must fail the same way, never loop or panic.
        let mut events = 0;
        let pulled = Decoder::new(&bytes).and_then(|mut d| {
            while d.next()?.is_some() {
                events += 1;
                assert!(events < 100, "{name}: runaway decoder");
            }
            Ok(())
        });
        assert!(pulled.is_err(), "{name}: pull decoder accepted it");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(paths.len(), NEGATIVE, "every negative vector must run");
}

#[test]
fn airnotify_attribute_and_opaque_are_decoded() {
    let bytes = fs::read(vectors_dir().join("spec-v1.0-ex2-airnotify-notification.wbxml")).unwrap();
    let mut dec = Decoder::new(&bytes).unwrap();
    let mut events = Vec::new();
    while let Some(e) = dec.next().unwrap() {
        events.push(e);
    }
    assert!(matches!(&events[0], Event::Start(s) if s.has_attributes && s.tag.page == 3));
    match &events[1] {
        Event::Attribute(a) => {
            assert_eq!((a.page, a.token, &*a.value), (3, 0x05, "1.1"));
            assert_eq!(a.def().map(|d| d.name), Some("Version"));
        }
        other => panic!("expected the Version attribute, got {other:?}"),
    }
    assert!(matches!(&events[2], Event::Opaque(d) if d.len() == 16));
    assert!(matches!(&events[3], Event::End(t) if t.page == 3 && t.token == 0x06));
    assert_eq!(events.len(), 4);
}
