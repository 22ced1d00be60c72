//! Random element trees over the real code pages, for the property tests.

use proptest::collection::vec;
use proptest::prelude::*;
use wbxml::{Element, Node, Tag, codepages};

/// Every tag of the tables.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn all_tags() -> Vec<Tag> {
    codepages::all_tags()
        .iter()
        .map(|t| Tag::new(t.page, t.token))
        .collect()
}

/// Trees of up to 4 levels: leaves are empty, text or opaque elements; inner elements hold
/// elements, now and then mixed with text.
pub fn tree(
    tags: Vec<Tag>,
    text: BoxedStrategy<String>,
    opaque: BoxedStrategy<Vec<u8>>,
) -> impl Strategy<Value = Element<'static>> {
    let tag = proptest::sample::select(tags);
    let leaf = prop_oneof![
        tag.clone().prop_map(Element::new),
        (tag.clone(), text.clone()).prop_map(|(t, s)| Element::new(t).with_text(s)),
        (tag.clone(), opaque).prop_map(|(t, d)| Element::new(t).with_opaque(d)),
    ];
    leaf.prop_recursive(4, 96, 6, move |inner| {
        let child = prop_oneof![
            6 => inner.prop_map(Node::Element),
            1 => text.clone().prop_map(|s| Node::Text(s.into())),
        ];
        (tag.clone(), vec(child, 1..6)).prop_map(|(t, children)| {
            let mut e = Element::new(t);
            e.children = children;
            e
        })
    })
}
