//! What the server reads from an HTTP request (MS-ASHTTP 2.2.1.1): the plain query
//! (`Cmd`, `User`, `DeviceId`, `DeviceType`), the protocol version and policy key headers, and
//! the credentials.

use axum::http::{HeaderMap, Uri};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One EAS request.
#[derive(Debug, Clone)]
pub struct Request {
    pub command: String,
    pub device_id: String,
    pub version: String,
    pub policy_key: Option<u32>,
    /// The URL as the client sent it (for the redirect-loop fault).
    pub uri: String,
    pub host: String,
    /// The `User-Agent` header (empty when none).
    pub user_agent: String,
}

fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (hex, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the request; the error is the reason for an HTTP 400.
pub fn parse(uri: &Uri, headers: &HeaderMap) -> Result<Request, String> {
    let query = uri.query().unwrap_or("");
    let mut command = None;
    let mut device_id = None;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "Cmd" => command = Some(unescape(v)),
            "DeviceId" => device_id = Some(unescape(v)),
            _ => {}
        }
    }
    let command = command.ok_or(
        "no Cmd= in the query: the simulator takes the plain query form (MS-ASHTTP 2.2.1.1.1.1), \
         not the base64 one",
    )?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    Ok(Request {
        command,
        device_id: device_id.ok_or("no DeviceId= in the query")?,
        version: header("MS-ASProtocolVersion").unwrap_or("12.1").to_string(),
        policy_key: header("X-MS-PolicyKey").and_then(|k| k.trim().parse().ok()),
        uri: uri.to_string(),
        host: header("Host").unwrap_or("127.0.0.1").to_string(),
        user_agent: header("User-Agent").unwrap_or("").to_string(),
    })
}

/// Whether the `Authorization` header carries the configured credentials: Basic with the
/// user (or its part before `@`) and password, or Bearer with the password as token.
pub fn authorized(headers: &HeaderMap, user: &str, password: &str) -> bool {
    let Some(value) = headers.get("Authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if let Some(token) = value.strip_prefix("Bearer ") {
        return token.trim() == password;
    }
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let text = String::from_utf8_lossy(&decoded);
    let Some((u, p)) = text.split_once(':') else {
        return false;
    };
    let local = user.split('@').next().unwrap_or(user);
    let u = u.rsplit('\\').next().unwrap_or(u);
    (u.eq_ignore_ascii_case(user) || u.eq_ignore_ascii_case(local)) && p == password
}

/// The bearer token of the `Authorization` header, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("Authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("Bearer").then(|| token.trim())
}

/// Whether the request names `user` as its anchor mailbox: `Cookie: DefaultAnchorMailbox=…`
/// (Outlook.com) or `X-AnchorMailbox: …`.
pub fn anchored(headers: &HeaderMap, user: &str) -> bool {
    let cookie = headers
        .get_all("Cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("DefaultAnchorMailbox="))
        .any(|v| v.eq_ignore_ascii_case(user));
    let header = headers
        .get("X-AnchorMailbox")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(user));
    cookie || header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_plain_query_and_headers() {
        let uri: Uri = "/Microsoft-Server-ActiveSync?Cmd=Sync&User=a%40b&DeviceId=D1&DeviceType=x"
            .parse()
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert("MS-ASProtocolVersion", "16.1".parse().unwrap());
        h.insert("X-MS-PolicyKey", "1234".parse().unwrap());
        let r = parse(&uri, &h).unwrap();
        assert_eq!((r.command.as_str(), r.device_id.as_str()), ("Sync", "D1"));
        assert_eq!((r.version.as_str(), r.policy_key), ("16.1", Some(1234)));
        let packed: Uri = "/Microsoft-Server-ActiveSync?jAAJBAp2MTQw".parse().unwrap();
        assert!(parse(&packed, &h).unwrap_err().contains("base64"));
        assert_eq!(unescape("a%40b%2"), "a@b%2");
    }

    #[test]
    fn credentials_are_checked() {
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, "demo@easync.test", "pw"));
        let basic = format!("Basic {}", STANDARD.encode("DOMAIN\\demo:pw"));
        h.insert("Authorization", basic.parse().unwrap());
        assert!(authorized(&h, "demo@easync.test", "pw"));
        assert!(!authorized(&h, "demo@easync.test", "other"));
        h.insert("Authorization", "Bearer pw".parse().unwrap());
        assert!(authorized(&h, "demo@easync.test", "pw"));
    }
}
