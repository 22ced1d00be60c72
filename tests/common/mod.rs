//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

/// A file under `fixtures/`.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A body of the recorded SOGo conversation.
pub fn capture(name: &str) -> Vec<u8> {
    fixture(&format!("sogo/captures/{name}"))
}

/// Every (path, text) leaf of a WBXML document, sorted: equality up to sibling order.
pub fn leaves(bytes: &[u8]) -> Vec<String> {
    fn walk(e: &wbxml::Element<'_>, path: &str, out: &mut Vec<String>) {
        let path = format!("{path}/{}", e.tag);
        if e.elements().next().is_none() {
            out.push(format!("{path}={}", e.text()));
        }
        e.elements().for_each(|c| walk(c, &path, out));
    }
    let mut out = Vec::new();
    walk(&wbxml::Element::decode(bytes).unwrap(), "", &mut out);
    out.sort();
    out
}

/// The first element with `tag`, depth first.
pub fn find<'t, 'a>(e: &'t wbxml::Element<'a>, tag: wbxml::Tag) -> Option<&'t wbxml::Element<'a>> {
    if e.tag == tag {
        return Some(e);
    }
    e.elements().find_map(|c| find(c, tag))
}

/// The Python that sees Debian's python3-* packages (a pyenv shim earlier on PATH does not).
pub fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// A folder as the store keeps it, never synced yet.
pub fn stored_folder(
    server_id: &str,
    name: &str,
    folder_type: u8,
    class: &str,
) -> easync::store::StoredFolder {
    easync::store::StoredFolder {
        server_id: server_id.into(),
        parent_id: None,
        name: name.into(),
        folder_type,
        class: Some(class.into()),
        sync_key: "0".into(),
        filter_type: None,
        last_sync: None,
        resync: false,
        orphaned: false,
    }
}
