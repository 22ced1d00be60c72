//! Cross-check with an independent decoder: libwbxml's `wbxml2xml` (Debian libwbxml2-utils).
//!
//! Every vector, every WBXML body of the SOGo conversation in `fixtures/sogo/captures`, and a
//! few hundred generated documents, decoded by both must give the same element tree. libwbxml spells some tag names its own way (../shared/eas/DISCREPANCIES.md), so
//! names are mapped back to (page, token) through libwbxml's own table, which the test reads off
//! `wbxml2xml` itself by decoding one probe document per code page.
//!
//! Skipped (with a note) when `wbxml2xml` is missing, unless `EASYNC_REQUIRE_WBXML2XML=1`,
//! which CI sets.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use quick_xml::NsReader;
use quick_xml::events::Event as XmlEvent;
use quick_xml::name::ResolveResult;
use wbxml::{Element, Node, Tag, codepages};

/// A tree both sides can be reduced to: elements by (page, token), merged text, opaque data.
#[derive(Debug, Clone, PartialEq, Eq)]
enum G {
    El(Tag, Vec<G>),
    Text(String),
    Opaque(Vec<u8>),
}

fn wbxml2xml_available() -> bool {
    let found = Command::new("wbxml2xml").arg("-h").output().is_ok();
    if !found && std::env::var("EASYNC_REQUIRE_WBXML2XML").as_deref() == Ok("1") {
        panic!(
            "wbxml2xml is required (EASYNC_REQUIRE_WBXML2XML=1): apt-get install libwbxml2-utils"
        );
    }
    if !found {
        eprintln!("note: wbxml2xml not installed; libwbxml cross-check skipped");
    }
    found
}

/// A directory of the test's own (the tests of this file run in parallel in one process).
fn scratch(test: &str) -> PathBuf {
    let pid = std::process::id();
    let dir = std::env::temp_dir().join(format!("easync-libwbxml-{pid}-{test}"));
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs wbxml2xml on `bytes`; `None` when it rejects them.
fn libwbxml_xml(bytes: &[u8], dir: &Path, name: &str) -> Option<String> {
    let input = dir.join(format!("{name}.wbxml"));
    let output = dir.join(format!("{name}.xml"));
    fs::write(&input, bytes).unwrap();
    let _ = fs::remove_file(&output);
    let status = Command::new("wbxml2xml")
        .args(["-l", "ACTIVESYNC", "-m", "0", "-k", "-o"])
        .arg(&output)
        .arg(&input)
        .output()
        .ok()?;
    if !status.status.success() {
        return None;
    }
    fs::read_to_string(&output).ok()
}

/// libwbxml's name for each (page, token) we know, read off wbxml2xml with one probe document
/// per page (the page's first tag as root, every tag of the page as an empty child).
/// Tokens libwbxml prints as `unknown` are left out.
fn libwbxml_names(dir: &Path) -> HashMap<(String, String), Tag> {
    let mut map = HashMap::new();
    for page in codepages::pages() {
        let tags = page.tags();
        let mut root = Element::new(Tag::new(page.number, tags[0].token));
        for t in tags {
            root.children
                .push(Node::Element(Element::new(Tag::new(t.page, t.token))));
        }
        let Some(xml) = libwbxml_xml(&root.encode().unwrap(), dir, "probe") else {
            continue;
        };
        let mut names = Vec::new();
        let mut reader = NsReader::from_str(&xml);
        loop {
            match reader.read_resolved_event().unwrap() {
                (ResolveResult::Bound(ns), XmlEvent::Start(e) | XmlEvent::Empty(e)) => {
                    names.push((ns.0.to_string(), e.local_name().into_inner().to_string()));
                }
                (_, XmlEvent::Eof) => break,
                _ => {}
            }
        }
        assert_eq!(
            names.len(),
            tags.len() + 1,
            "probe of page {}:\n{xml}",
            page.number
        );
        for (t, (ns, name)) in tags.iter().zip(&names[1..]) {
            if name != "unknown" {
                map.insert((ns.clone(), name.clone()), Tag::new(t.page, t.token));
            }
        }
    }
    map
}

/// Our tree, reduced to G (adjacent text merged, empty text dropped).
fn ours(e: &Element<'_>) -> G {
    let mut kids: Vec<G> = Vec::new();
    for c in &e.children {
        match (c, kids.last_mut()) {
            (Node::Text(t), Some(G::Text(prev))) => prev.push_str(t),
            (Node::Text(t), _) if t.is_empty() => {}
            (Node::Text(t), _) => kids.push(G::Text(t.to_string())),
            (Node::Element(child), _) => kids.push(ours(child)),
            // libwbxml prints an empty OPAQUE as nothing at all.
            (Node::Opaque(d), _) if d.is_empty() => {}
            (Node::Opaque(d), _) => kids.push(G::Opaque(d.to_vec())),
        }
    }
    G::El(e.tag, kids)
}

/// libwbxml's XML, reduced to G. libwbxml prints OPAQUE as base64 for the tags it flags binary
/// and raw otherwise; ``same` accepts either.
fn theirs(xml: &str, names: &HashMap<(String, String), Tag>) -> Result<G, String> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<(Tag, Vec<G>)> = Vec::new();
    loop {
        let (ns, ev) = reader.read_resolved_event().map_err(|e| e.to_string())?;
        let ns = match ns {
            ResolveResult::Bound(n) => n.0.to_string(),
            _ => String::new(),
        };
        let lookup = |local: &str| {
            names
                .get(&(ns.clone(), local.to_string()))
                .copied()
                .ok_or_else(|| format!("libwbxml element {ns}{local} has no token"))
        };
        match ev {
            XmlEvent::Start(e) => stack.push((lookup(e.local_name().into_inner())?, Vec::new())),
            XmlEvent::Empty(e) => {
                let el = G::El(lookup(e.local_name().into_inner())?, Vec::new());
                match stack.last_mut() {
                    Some((_, kids)) => kids.push(el),
                    None => return Ok(el),
                }
            }
            XmlEvent::End(_) => {
                let (tag, kids) = stack.pop().ok_or("unbalanced")?;
                let el = G::El(tag, kids);
                match stack.last_mut() {
                    Some((_, parent)) => parent.push(el),
                    None => return Ok(el),
                }
            }
            XmlEvent::Text(t) => push_text(&mut stack, &t.into_inner()),
            XmlEvent::CData(t) => push_text(&mut stack, &t),
            XmlEvent::GeneralRef(r) => {
                let s = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => match &*r {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => return Err(format!("entity {other}")),
                    },
                };
                push_text(&mut stack, &s);
            }
            XmlEvent::Eof => return Err("no root".into()),
            _ => {}
        }
    }
}

fn push_text(stack: &mut [(Tag, Vec<G>)], s: &str) {
    if let Some((_, kids)) = stack.last_mut() {
        match kids.last_mut() {
            Some(G::Text(prev)) => prev.push_str(s),
            _ if s.is_empty() => {}
            _ => kids.push(G::Text(s.to_string())),
        }
    }
}

/// Compares, accepting libwbxml's text form of an OPAQUE (base64 or raw), and its base64 form
/// of any content of the tags it flags binary (e.g. ResolveRecipients Data).
fn same(a: &G, b: &G) -> bool {
    match (a, b) {
        (G::El(ta, ka), G::El(tb, kb)) => {
            ta == tb && ka.len() == kb.len() && ka.iter().zip(kb).all(|(x, y)| same(x, y))
        }
        (G::Text(x), G::Text(y)) => x == y || *y == STANDARD.encode(x),
        (G::Opaque(d), G::Text(t)) => *t == STANDARD.encode(d) || t.as_bytes() == d.as_slice(),
        _ => false,
    }
}

/// Whether the tree uses something libwbxml 0.11.8 cannot print faithfully: a tag it does not
/// know (16.1 additions, page 25) or attributes (legacy AirNotify; libwbxml's output is not
/// well-formed XML there). Such documents are reported, not compared.
fn beyond_libwbxml(e: &Element<'_>, known: &[Tag]) -> bool {
    !known.contains(&e.tag)
        || !e.attributes.is_empty()
        || e.elements().any(|c| beyond_libwbxml(c, known))
}

#[test]
fn vectors_and_captures_decode_the_same_in_libwbxml() {
    if !wbxml2xml_available() {
        return;
    }
    let dir = scratch("vectors");
    let names = libwbxml_names(&dir);
    assert!(
        names.len() > 550,
        "libwbxml probe found only {} names",
        names.len()
    );
    let known: Vec<Tag> = names.values().copied().collect();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let (mut compared, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    let mut paths: Vec<PathBuf> = ["wbxml", "sogo/captures"]
        .iter()
        .flat_map(|d| fs::read_dir(fixtures.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wbxml"))
        .collect();
    paths.sort();
    for p in &paths {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = fs::read(p).unwrap();
        let tree = Element::decode(&bytes).unwrap();
        if beyond_libwbxml(&tree, &known) {
            skipped.push(name);
            continue;
        }
        compared += 1;
        let verdict = libwbxml_xml(&bytes, &dir, "vector")
            .ok_or_else(|| "wbxml2xml rejected it".to_string())
            .and_then(|xml| theirs(&xml, &names));
        match verdict {
            Ok(g) if same(&ours(&tree), &g) => {}
            Ok(g) => failures.push(format!(
                "{name}: trees differ\nours:   {:?}\ntheirs: {g:?}",
                ours(&tree)
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    fs::remove_dir_all(&dir).ok();
    eprintln!("compared {compared} documents with libwbxml; beyond libwbxml 0.11.8: {skipped:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(compared + skipped.len(), paths.len());
    assert!(compared >= 57 + 110, "only {compared} documents compared");
    assert!(
        skipped.len() <= 4,
        "more vectors skipped than libwbxml 0.11.8 explains: {skipped:?}"
    );
}

#[test]
fn generated_trees_decode_the_same_in_libwbxml() {
    if !wbxml2xml_available() {
        return;
    }
    let dir = scratch("generated");
    let names = libwbxml_names(&dir);
    let mut known: Vec<Tag> = names.values().copied().collect();
    known.sort();
    // Text libwbxml prints unchanged; opaque as ASCII so its raw form is well-formed XML too.
    let strategy = common::tree(
        known,
        "[a-zA-Z0-9 àéü€\u{1F600}&<>\"'.,:;/=+-]{1,24}".boxed(),
        "[a-zA-Z0-9]{0,24}".prop_map(String::into_bytes).boxed(),
    );
    let mut runner = TestRunner::new(Config::with_cases(200));
    let result = runner.run(&strategy, |tree| {
        let bytes = tree.encode().unwrap();
        let xml = libwbxml_xml(&bytes, &dir, "generated");
        let xml = xml.ok_or_else(|| TestCaseError::fail("wbxml2xml rejected it"))?;
        let g = theirs(&xml, &names).map_err(TestCaseError::fail)?;
        prop_assert!(
            same(&ours(&tree), &g),
            "ours {:?}\ntheirs {:?}",
            ours(&tree),
            g
        );
        Ok(())
    });
    fs::remove_dir_all(&dir).ok();
    result.unwrap();
}
