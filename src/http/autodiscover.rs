//! Autodiscover: find the EAS URL for an e-mail address (MS-ASCMD 2.2.1.1, the "POX" XML
//! protocol, and the v2 JSON endpoint that Microsoft 365 answers where POX fails).
//!
//! Candidates are tried in order: POX at `https://DOMAIN/autodiscover/autodiscover.xml`, then
//! at `https://autodiscover.DOMAIN/…`, then the v2 JSON endpoints. HTTP redirects are followed
//! (at most [`MAX_HOPS`], https only unless the candidate itself is http, as in tests), and an
//! Autodiscover `Redirect` to another address restarts with that address, once per address.

use std::time::Duration;

use quick_xml::Reader as XmlReader;
use quick_xml::events::Event as XmlEvent;

use super::{Auth, HttpError, TlsOptions, client};

/// Most HTTP redirects and address redirects followed.
pub const MAX_HOPS: usize = 3;

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// A POX endpoint (`…/autodiscover/autodiscover.xml`), POSTed to.
    Pox(String),
    /// A v2 JSON endpoint base (`https://host`), queried with GET
    /// `/autodiscover/autodiscover.json?Email=…&Protocol=ActiveSync`.
    V2(String),
}

/// The standard candidates for an address.
pub fn candidates(email: &str) -> Vec<Candidate> {
    let domain = email.rsplit('@').next().unwrap_or(email);
    vec![
        Candidate::Pox(format!("https://{domain}/autodiscover/autodiscover.xml")),
        Candidate::Pox(format!(
            "https://autodiscover.{domain}/autodiscover/autodiscover.xml"
        )),
        Candidate::V2("https://autodiscover-s.outlook.com".into()),
        Candidate::V2(format!("https://autodiscover.{domain}")),
    ]
}

/// The result of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The EAS URL (`…/Microsoft-Server-ActiveSync`).
    pub url: String,
    /// The address it was found for (after Autodiscover redirects).
    pub email: String,
}

/// Finds the EAS URL for `email`, trying `candidates` in order.
pub async fn discover(
    email: &str,
    auth: &Auth,
    tls: &TlsOptions,
    candidates_for: impl Fn(&str) -> Vec<Candidate>,
) -> Result<Discovered, HttpError> {
    let http = client::build(tls, concat!("easync/", env!("CARGO_PKG_VERSION")))?;
    let mut email = email.to_string();
    let mut seen = vec![email.clone()];
    let mut tried = Vec::new();
    'address: loop {
        for candidate in candidates_for(&email) {
            let outcome = match &candidate {
                Candidate::Pox(url) => pox(&http, url, &email, auth).await,
                Candidate::V2(base) => v2(&http, base, &email).await,
            };
            match outcome {
                Ok(Found::Url(url)) => return Ok(Discovered { url, email }),
                Ok(Found::Redirect(next)) if !seen.contains(&next) && seen.len() <= MAX_HOPS => {
                    tracing::info!(from = %email, to = %next, "Autodiscover redirects to another address");
                    seen.push(next.clone());
                    email = next;
                    continue 'address;
                }
                Ok(Found::Redirect(next)) => {
                    tried.push(format!("{candidate:?}: redirect loop to {next}"))
                }
                Err(why) => tried.push(format!("{candidate:?}: {why}")),
            }
        }
        return Err(HttpError::Config(format!(
            "Autodiscover found no ActiveSync URL for {email}; set the server URL in the \
             configuration. Tried:\n  {}",
            tried.join("\n  ")
        )));
    }
}

enum Found {
    Url(String),
    Redirect(String),
}

const POX_REQUEST_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
const POX_RESPONSE_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";

async fn pox(http: &reqwest::Client, url: &str, email: &str, auth: &Auth) -> Result<Found, String> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover xmlns=\"{POX_REQUEST_SCHEMA}\">\
         <Request><EMailAddress>{}</EMailAddress><AcceptableResponseSchema>{POX_RESPONSE_SCHEMA}\
         </AcceptableResponseSchema></Request></Autodiscover>",
        quick_xml::escape::escape(email)
    );
    let mut url = url.to_string();
    for _ in 0..=MAX_HOPS {
        let req = http
            .post(&url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .timeout(Duration::from_secs(30))
            .body(body.clone());
        let req = match auth {
            Auth::Basic { user, password } => req.basic_auth(user, Some(password.expose())),
            Auth::Bearer(source) => req.bearer_auth(source.token()?.expose()),
        };
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        if status.is_redirection() {
            url = next_location(&url, resp.headers())?;
            continue;
        }
        if !status.is_success() {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        let text = resp.text().await.map_err(|e| e.to_string())?;
        return parse_pox(&text);
    }
    Err(format!("more than {MAX_HOPS} HTTP redirects"))
}

/// The redirect target (relative locations resolved), refusing a downgrade from https.
fn next_location(from: &str, headers: &reqwest::header::HeaderMap) -> Result<String, String> {
    let location = headers
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .ok_or("redirect without a Location header")?;
    let base = reqwest::Url::parse(from).map_err(|e| e.to_string())?;
    let to = base
        .join(location)
        .map_err(|e| format!("bad redirect {location:?}: {e}"))?;
    if base.scheme() == "https" && to.scheme() != "https" {
        return Err(format!("refusing a redirect from https to {to}"));
    }
    Ok(to.to_string())
}

/// Reads a POX response: the `MobileSync` server URL, a `Redirect` address, or an error.
fn parse_pox(xml: &str) -> Result<Found, String> {
    let mut reader = XmlReader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let (mut server_type, mut server_url, mut redirect, mut error) = (None, None, None, None);
    let mut mobile_sync_url = None;
    let mut text = String::new();
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("invalid XML: {e}"))?
        {
            XmlEvent::Start(e) => {
                path.push(e.local_name().into_inner().to_string());
                text.clear();
            }
            XmlEvent::Text(t) => text.push_str(&t.xml10_content()),
            XmlEvent::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => text.push_str(match &*r {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            XmlEvent::End(_) => {
                let value = text.trim().to_string();
                let in_server = path.iter().any(|p| p == "Server");
                match path.last().map(String::as_str) {
                    Some("Type") if in_server => server_type = Some(value),
                    Some("Url") if in_server => server_url = Some(value),
                    Some("Redirect") => redirect = Some(value),
                    Some("Message") if path.iter().any(|p| p == "Error") => error = Some(value),
                    Some("Server") => {
                        if server_type.as_deref() == Some("MobileSync") {
                            mobile_sync_url = server_url.take();
                        }
                        server_type = None;
                        server_url = None;
                    }
                    _ => {}
                }
                text.clear();
                path.pop();
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    if let Some(url) = mobile_sync_url {
        return Ok(Found::Url(url));
    }
    if let Some(address) = redirect {
        return Ok(Found::Redirect(address));
    }
    Err(error.map_or_else(
        || "no MobileSync server in the response".into(),
        |m| format!("server error: {m}"),
    ))
}

async fn v2(http: &reqwest::Client, base: &str, email: &str) -> Result<Found, String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Url")]
        url: Option<String>,
        #[serde(rename = "Protocol")]
        protocol: Option<String>,
    }
    let url = format!(
        "{}/autodiscover/autodiscover.json",
        base.trim_end_matches('/')
    );
    let mut url =
        reqwest::Url::parse_with_params(&url, &[("Email", email), ("Protocol", "ActiveSync")])
            .map_err(|e| e.to_string())?
            .to_string();
    for _ in 0..=MAX_HOPS {
        let resp = http
            .get(&url)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if resp.status().is_redirection() {
            url = next_location(&url, resp.headers())?;
            continue;
        }
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status().as_u16()));
        }
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        let answer: Answer =
            serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        return match (answer.protocol.as_deref(), answer.url) {
            (Some(p), Some(url)) if p.eq_ignore_ascii_case("ActiveSync") => Ok(Found::Url(url)),
            _ => Err("the JSON names no ActiveSync URL".into()),
        };
    }
    Err(format!("more than {MAX_HOPS} HTTP redirects"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pox_shapes() {
        let ok = r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">
    <Culture>en:us</Culture>
    <User><DisplayName>Bob</DisplayName><EMailAddress>bob@example.com</EMailAddress></User>
    <Action><Settings>
      <Server><Type>CertEnroll</Type><Url>https://ca.example.com/x</Url></Server>
      <Server><Type>MobileSync</Type><Url>https://mail.example.com/Microsoft-Server-ActiveSync?a=1&amp;b=2</Url><Name>mail</Name></Server>
    </Settings></Action>
  </Response>
</Autodiscover>"#;
        assert!(
            matches!(parse_pox(ok), Ok(Found::Url(u)) if u == "https://mail.example.com/Microsoft-Server-ActiveSync?a=1&b=2")
        );
        let redirect = "<Autodiscover><Response><Action><Redirect>bob@new.example.com</Redirect></Action></Response></Autodiscover>";
        assert!(
            matches!(parse_pox(redirect), Ok(Found::Redirect(a)) if a == "bob@new.example.com")
        );
        let error = "<Autodiscover><Response><Action><Error><Status>1</Status><Message>Unknown user</Message></Error></Action></Response></Autodiscover>";
        assert_eq!(
            parse_pox(error).err().as_deref(),
            Some("server error: Unknown user")
        );
        assert!(parse_pox("<html>").is_err());
    }

    #[test]
    fn standard_candidates() {
        let c = candidates("bob@example.com");
        assert_eq!(
            c[0],
            Candidate::Pox("https://example.com/autodiscover/autodiscover.xml".into())
        );
        assert_eq!(
            c[1],
            Candidate::Pox("https://autodiscover.example.com/autodiscover/autodiscover.xml".into())
        );
        assert_eq!(
            c[2],
            Candidate::V2("https://autodiscover-s.outlook.com".into())
        );
    }
}
