//! Property tests: random well-formed trees over the real code pages survive
//! encode → decode → encode, and every codec invariant holds for their encodings.

mod common;

use proptest::prelude::*;
use wbxml::Element;
use wbxml::testing::check_decode_invariants;

fn any_tree() -> impl Strategy<Value = Element<'static>> {
    common::tree(
        common::all_tags(),
        "[^\u{0}]{0,24}".boxed(),
        proptest::collection::vec(any::<u8>(), 0..48).boxed(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_decode_encode(tree in any_tree()) {
        let bytes = tree.encode().unwrap();
        let decoded = Element::decode(&bytes).unwrap();
        prop_assert_eq!(&decoded, &tree);
        prop_assert_eq!(decoded.encode().unwrap(), bytes);
    }

    #[test]
    fn invariants_hold_for_generated_documents(tree in any_tree()) {
        check_decode_invariants(&tree.encode().unwrap());
    }
}
