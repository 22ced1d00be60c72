//! The generated code page table against the reference TSV, row by row: the shared copy
//! (../shared/eas/codepages.tsv) when it is there, else the crate's own copy.

use std::fs;
use std::path::{Path, PathBuf};

use wbxml::Tag;
use wbxml::codepages::{self, TagStatus};

fn reference_tsv() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../../shared/eas/codepages.tsv");
    if shared.exists() {
        shared
    } else {
        root.join("codepages.tsv")
    }
}

struct Row {
    page: u8,
    page_name: String,
    namespace: String,
    token: u8,
    tag: String,
    notes: String,
}

fn rows() -> Vec<Row> {
    let text = fs::read_to_string(reference_tsv()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("page\tpage_name\txml_namespace\ttoken_hex\ttag\tnotes")
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row {
                page: c[0].parse().unwrap(),
                page_name: c[1].into(),
                namespace: c[2].into(),
                token: u8::from_str_radix(c[3].trim_start_matches("0x"), 16).unwrap(),
                tag: c[4].into(),
                notes: c[5].into(),
            }
        })
        .collect()
}

#[test]
fn every_row_is_in_the_table_both_ways() {
    let rows = rows();
    assert_eq!(rows.len(), 660);
    for r in &rows {
        let def = codepages::tag(r.page, r.token)
            .unwrap_or_else(|| panic!("page {} token 0x{:02X} missing", r.page, r.token));
        assert_eq!(def.name, r.tag, "page {} token 0x{:02X}", r.page, r.token);
        assert_eq!((def.page, def.token), (r.page, r.token));
        let want = if r.notes.starts_with("LEGACY") {
            TagStatus::Legacy
        } else if r.notes.starts_with("NON-STANDARD") {
            TagStatus::NonStandard
        } else {
            TagStatus::Spec
        };
        assert_eq!(def.status, want, "{}", r.tag);
        assert_eq!(
            codepages::token_by_name(r.page, &r.tag),
            Some(r.token),
            "{}",
            r.tag
        );
        let page = codepages::page(r.page).unwrap();
        assert_eq!((page.name, page.namespace), (&*r.page_name, &*r.namespace));
        assert_eq!(codepages::page_by_namespace(&r.namespace), Some(r.page));
    }
    assert_eq!(
        codepages::all_tags().len(),
        rows.len(),
        "no tag beyond the TSV"
    );
}

#[test]
fn counts_match_the_spec() {
    let spec = codepages::all_tags()
        .iter()
        .filter(|t| t.status == TagStatus::Spec)
        .count();
    assert_eq!(spec, 586, "MS-ASWBXML v22.2 has 586 tags");
    assert_eq!(codepages::pages().len(), 27, "pages 0-25 and 0xFE");
    let page_numbers: Vec<u8> = codepages::pages().iter().map(|p| p.number).collect();
    let mut want: Vec<u8> = (0..=25).collect();
    want.push(254);
    assert_eq!(page_numbers, want);
}

#[test]
fn unknown_tokens_and_names_are_none() {
    assert_eq!(codepages::tag(25, 0x0F), None, "Find 0x0F is unassigned");
    assert_eq!(codepages::tag(26, 0x05), None, "no page 26");
    assert_eq!(codepages::tag(0, 0x04), None, "global range");
    assert_eq!(codepages::token_by_name(0, "NoSuchTag"), None);
    assert_eq!(
        codepages::token_by_name(1, "Sync"),
        None,
        "names are per page"
    );
    assert_eq!(codepages::page_by_namespace("Nope:"), None);
}

#[test]
fn attribute_and_content_bits_are_ignored_by_lookup() {
    assert_eq!(codepages::tag(0, 0x45).map(|t| t.name), Some("Sync"));
    assert_eq!(codepages::tag(0, 0xC5).map(|t| t.name), Some("Sync"));
}

#[test]
fn input_aliases_resolve_to_spec_tokens() {
    assert_eq!(
        Tag::by_name(25, "GALSearchCriterion"),
        Tag::by_name(25, "GalSearchCriterion")
    );
    assert_eq!(
        codepages::token_by_name(14, "DeviceEncryptionEnabled"),
        Some(0x10)
    );
    assert_eq!(
        codepages::tag(14, 0x10).map(|t| t.name),
        Some("RequireStorageCardEncryption")
    );
    assert_eq!(
        codepages::page_by_namespace("AirSync"),
        Some(0),
        "colon optional"
    );
}

#[test]
fn tags_display_with_their_page() {
    assert_eq!(Tag::new(0, 0x0B).to_string(), "AirSync:SyncKey");
    assert_eq!(Tag::new(25, 0x0F).to_string(), "page 25 token 0x0F");
}

#[test]
fn tag_constants_name_the_right_tokens() {
    use wbxml::tags;
    for (c, page, name) in [
        (tags::air_sync::SYNC_KEY, 0, "SyncKey"),
        (tags::air_sync_base::BODY_PREFERENCE, 17, "BodyPreference"),
        (tags::email2::CONVERSATION_ID, 22, "ConversationId"),
        (tags::move_items::SRC_MSG_ID, 5, "SrcMsgId"),
        (tags::find::GAL_SEARCH_CRITERION, 25, "GalSearchCriterion"),
        (tags::calendar::DT_STAMP, 4, "DtStamp"),
        (tags::email::REPLY_TO, 2, "ReplyTo"),
        (tags::windows_live::ANNOTATIONS, 254, "Annotations"),
    ] {
        assert_eq!(Some(c), Tag::by_name(page, name), "{name}");
    }
    // Usable as patterns.
    match Tag::new(0, 0x0B) {
        tags::air_sync::SYNC_KEY => {}
        other => panic!("{other}"),
    }
}
