//! The wire log: at trace level (target `easync::wire`), every request and response body as
//! XML. Passwords in bodies are replaced by `***`; headers (Authorization) are never logged.
//! Trace output may contain message content: say so where users enable it.

use std::borrow::Cow;

use tracing::Level;

/// Whether the wire log is on (so bodies are only rendered when someone reads them).
pub fn enabled() -> bool {
    tracing::enabled!(target: "easync::wire", Level::TRACE)
}

/// Logs a request or response body.
pub fn body(direction: &str, command: &str, status: Option<u16>, bytes: &[u8]) {
    if !enabled() {
        return;
    }
    let rendered = render(bytes);
    match status {
        Some(s) => {
            tracing::trace!(target: "easync::wire", "{direction} {command} HTTP {s}\n{rendered}")
        }
        None => tracing::trace!(target: "easync::wire", "{direction} {command}\n{rendered}"),
    }
}

/// The body as XML with passwords redacted, or a note when it is not WBXML.
pub fn render(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty body)".into();
    }
    match wbxml::Element::decode(bytes) {
        Ok(mut tree) => {
            redact(&mut tree);
            wbxml::xml::to_xml(&tree)
        }
        Err(e) => format!("({} bytes, not WBXML: {e})", bytes.len()),
    }
}

fn redact(e: &mut wbxml::Element<'_>) {
    if e.tag.name() == Some("Password") {
        e.children = vec![wbxml::Node::Text(Cow::Borrowed("***"))];
        return;
    }
    for c in &mut e.children {
        if let wbxml::Node::Element(child) = c {
            redact(child);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        use wbxml::tags::settings as st;
        let doc = wbxml::Element::new(st::SETTINGS)
            .with(
                wbxml::Element::new(st::DEVICE_PASSWORD).with(
                    wbxml::Element::new(st::SET)
                        .with(wbxml::Element::new(st::PASSWORD).with_text("hunter2")),
                ),
            )
            .encode()
            .unwrap();
        let shown = super::render(&doc);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<Password>***</Password>"), "{shown}");
        assert!(super::render(b"<html>").contains("not WBXML"));
    }
}
