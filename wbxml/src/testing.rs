//! Invariants shared by the fuzz target (`wbxml/fuzz`) and the fuzz smoke test: whatever the
//! input, decoding never panics, and whatever decodes survives encode → decode unchanged.

use crate::{Decoder, Element};

/// Panics if any codec invariant is violated for `data`; returns quietly otherwise.
pub fn check_decode_invariants(data: &[u8]) {
    let pulled = pull_all(data);
    check_lenient(data, &pulled);
    let tree = Element::decode(data);
    assert_eq!(
        pulled.is_ok(),
        tree.is_ok(),
        "pull and tree decoding disagree: {pulled:?} vs {tree:?}"
    );
    let Ok(tree) = tree else { return };
    let encoded = tree.encode().expect("a decoded tree always encodes");
    let again = Element::decode(&encoded).expect("canonical output always decodes");
    assert_eq!(again, tree, "decode → encode → decode changed the tree");
    let twice = again.encode().expect("encodes");
    assert_eq!(twice, encoded, "canonical encoding is not a fixed point");
    #[cfg(feature = "xml")]
    {
        let xml = crate::xml::to_xml(&tree);
        let back = crate::xml::from_xml(&xml).expect("our own XML reads back");
        assert_eq!(
            back.encode().ok(),
            xml_safe_encoding(&tree),
            "XML bridge changed the tree"
        );
    }
}

/// A decoder that allows invalid UTF-8 text gives the same events wherever the strict one
/// succeeds, and fails only where the strict one fails for something other than UTF-8.
fn check_lenient(data: &[u8], strict: &Result<usize, crate::DecodeError>) {
    let lenient = Decoder::new(data).and_then(|d| {
        let mut dec = d.allow_invalid_utf8();
        let mut n = 0;
        while dec.next()?.is_some() {
            n += 1;
        }
        Ok(n)
    });
    match strict {
        Ok(n) => assert_eq!(lenient.as_ref().ok(), Some(n), "lenient decoding differs"),
        Err(crate::DecodeError::InvalidUtf8 { .. }) => {}
        Err(e) => assert!(
            lenient.is_err(),
            "lenient decoding accepted what failed: {e}"
        ),
    }
}

fn pull_all(data: &[u8]) -> Result<usize, crate::DecodeError> {
    let mut dec = Decoder::new(data)?;
    let mut n = 0;
    while dec.next()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// The encoding the XML bridge preserves: empty text nodes and whitespace-only text beside
/// elements have no XML form (see the `xml` module docs), so they are normalised away first.
#[cfg(feature = "xml")]
fn xml_safe_encoding(tree: &Element<'_>) -> Option<Vec<u8>> {
    fn normalise<'a>(e: &Element<'a>) -> Element<'a> {
        use crate::Node;
        let mut out = Element::new(e.tag);
        out.attributes = e.attributes.clone();
        // Adjacent text nodes read back as one; then layout rules apply to the merged text.
        for c in &e.children {
            match (c, out.children.last_mut()) {
                (Node::Text(t), Some(Node::Text(prev))) => prev.to_mut().push_str(t),
                (Node::Element(child), _) => out.children.push(Node::Element(normalise(child))),
                (other, _) => out.children.push(other.clone()),
            }
        }
        let has_elements = out.children.iter().any(|c| !matches!(c, Node::Text(_)));
        out.children.retain(|c| match c {
            Node::Text(t) => !(t.is_empty() || has_elements && t.trim().is_empty()),
            _ => true,
        });
        out
    }
    normalise(tree).encode().ok()
}
