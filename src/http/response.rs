//! Checks on a response before typed decoding: the WBXML header (HTML error pages arrive with
//! HTTP 200), the multipart form, and the common statuses acted on in-band.

use reqwest::header::{HeaderMap, HeaderValue};

use super::{HttpError, retry};
use crate::proto::CommonStatus;

pub(super) fn is_multipart_response(headers: &HeaderMap) -> bool {
    headers
        .get("Content-Type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/vnd.ms-sync.multipart"))
}

/// Checks the WBXML header before decoding (HTML error pages arrive with HTTP 200).
pub(super) fn check_wbxml(
    command: &'static str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<(), HttpError> {
    if matches!(bytes.first(), Some(0x01..=0x03)) && bytes.len() >= 4 {
        return Ok(());
    }
    Err(HttpError::NotWbxml {
        command,
        content_type: headers
            .get("Content-Type")
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        start: String::from_utf8_lossy(&bytes[..bytes.len().min(40)]).into_owned(),
    })
}

pub(super) fn in_band_error(
    command: &'static str,
    status: CommonStatus,
    device_id: &str,
) -> HttpError {
    match status.code() {
        code if super::error::DEVICE_STATUSES.contains(&code) => HttpError::DeviceAccess {
            command,
            status: code,
            device_id: device_id.to_string(),
        },
        110 | 111 => retry::in_band(status),
        140 => HttpError::RemoteWipeRequested,
        139 | 141..=145 | 165 => HttpError::Provisioning {
            command,
            status: status.to_string(),
        },
        _ => HttpError::Common { command, status },
    }
}

/// The start of a text body, for error messages (control characters removed: it is the
/// server's text and ends up on a terminal).
pub(super) fn text_hint(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    crate::text::one_line(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_page_text_loses_its_control_characters() {
        let page = b"<html>\x1b]0;pwned\x07Proxy\x1b[2J  error\r\n</html>";
        assert_eq!(
            super::text_hint(page),
            "<html>]0;pwnedProxy[2J error </html>"
        );
    }
}
