//! Autodiscover: find the EAS URL for an e-mail address (MS-ASCMD 2.2.1.1, the "POX" XML
//! protocol, and the v2 JSON endpoint that Microsoft 365 answers where POX fails).
//!
//! Candidates are tried in order: POX at `https://DOMAIN/autodiscover/autodiscover.xml`, then
//! at `https://autodiscover.DOMAIN/…`, then the v2 JSON endpoints. HTTP redirects are followed
//! (at most [`MAX_HOPS`]), and an Autodiscover `Redirect` to another address restarts with that
//! address, once per address.
//!
//! Credentials are guarded the way a browser guards them:
//! - every URL requested or discovered passes [`origin::check`] (https; plain http only to
//!   loopback or with `allow_insecure_http`); a discovered URL that fails is refused, not used;
//! - a server redirects with 302 and `Location` (MS-OXDSCLI 3.2.5), and MS-OXDSCLI/MS-OXDISCO
//!   3.1.5 has the client warn the user before it follows one. easync cannot ask, so a redirect
//!   to another origin is followed *without* credentials; if that server asks for them (401)
//!   they are sent only when its host is the address's domain or under it, else the lookup
//!   stops and says which host asked;
//! - the apex candidate (`https://DOMAIN/…`) is whatever serves the domain's web site, often a
//!   hosting company: it is tried over https with a verified certificate only, even when
//!   `tls.insecure` is set.

use std::time::Duration;

use quick_xml::Reader as XmlReader;
use quick_xml::events::Event as XmlEvent;

use reqwest::Url;

use super::{Auth, HttpError, TlsOptions, client, origin};

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
    const UA: &str = concat!("easync/", env!("CARGO_PKG_VERSION"));
    let http = client::build(tls, UA)?;
    let verified = TlsOptions {
        insecure: false,
        ..tls.clone()
    };
    let strict = client::build(&verified, UA)?;
    let mut email = email.to_string();
    let mut seen = vec![email.clone()];
    let mut tried = Vec::new();
    'address: loop {
        for candidate in candidates_for(&email) {
            let lookup = Lookup {
                email: &email,
                auth,
                allow_http: tls.allow_insecure_http,
            };
            let outcome = match &candidate {
                Candidate::Pox(url) if is_apex(url, &email) => lookup.pox(&strict, url, true).await,
                Candidate::Pox(url) => lookup.pox(&http, url, false).await,
                Candidate::V2(base) => lookup.v2(&http, base).await,
            };
            let outcome = outcome.and_then(|found| match found {
                Found::Url(url) => {
                    origin::check(&url, tls.allow_insecure_http, "the discovered URL")
                        .map_err(|e| e.to_string())?;
                    Ok(Found::Url(url))
                }
                redirect => Ok(redirect),
            });
            match outcome {
                Ok(Found::Url(url)) => return Ok(Discovered { url, email }),
                Ok(Found::Redirect(next)) if !is_address(&next) => tried.push(format!(
                    "{candidate:?}: a redirect to {:?}, which is not an e-mail address",
                    crate::text::one_line(&next)
                )),
                Ok(Found::Redirect(next)) if !seen.contains(&next) && seen.len() <= MAX_HOPS => {
                    tracing::info!(from = %email, to = %crate::text::one_line(&next), "Autodiscover redirects to another address");
                    seen.push(next.clone());
                    email = next;
                    continue 'address;
                }
                Ok(Found::Redirect(next)) => tried.push(format!(
                    "{candidate:?}: redirect loop to {}",
                    crate::text::one_line(&next)
                )),
                Err(why) => tried.push(format!("{candidate:?}: {}", crate::text::one_line(&why))),
            }
        }
        return Err(HttpError::Config(format!(
            "Autodiscover found no ActiveSync URL for {email}; set the server URL in the \
             configuration. Tried:\n  {}",
            tried.join("\n  ")
        )));
    }
}

/// Whether a server-given redirect address is `local@domain` with a host name for a domain
/// (it becomes part of the next candidates' URLs).
fn is_address(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.chars().any(|c| c.is_control() || c.is_whitespace())
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// The address's domain (after the last `@`).
fn domain_of(email: &str) -> &str {
    email.rsplit('@').next().unwrap_or(email)
}

/// Whether a candidate URL is on the address's bare domain (`https://example.com/…`).
fn is_apex(url: &str, email: &str) -> bool {
    Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.eq_ignore_ascii_case(domain_of(email)))
        })
        .unwrap_or(false)
}

/// Whether `url`'s host is the address's domain or under it: where credentials may follow a
/// redirect once that host asks for them.
fn within_domain(url: &Url, email: &str) -> bool {
    let domain = domain_of(email).to_ascii_lowercase();
    url.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == domain || h.ends_with(&format!(".{domain}"))
    })
}

/// One address's lookup at one candidate.
struct Lookup<'a> {
    email: &'a str,
    auth: &'a Auth,
    allow_http: bool,
}

enum Found {
    Url(String),
    Redirect(String),
}

const POX_REQUEST_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
const POX_RESPONSE_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";

impl Lookup<'_> {
    /// POSTs the POX request, following redirects. Credentials go to the candidate's origin and
    /// to origins that asked for them (401) and lie within the address's domain; any other
    /// origin gets the request without them. `apex`: https only (the client verifies).
    async fn pox(&self, http: &reqwest::Client, url: &str, apex: bool) -> Result<Found, String> {
        let start = origin::check(url, self.allow_http, "the Autodiscover URL")
            .map_err(|e| e.to_string())?;
        if apex && start.scheme() != "https" {
            return Err(format!(
                "the apex-domain candidate {url} is tried over https only"
            ));
        }
        let mut trusted = vec![start.origin()];
        let mut url = start;
        let mut hops = 0;
        loop {
            let with_auth = trusted.contains(&url.origin());
            let resp = self.pox_request(http, &url, with_auth).await?;
            let status = resp.status();
            if status.is_redirection() || status.as_u16() == 401 && !with_auth {
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(format!("more than {MAX_HOPS} HTTP redirects"));
                }
            }
            if status.is_redirection() {
                url = next_location(&url, resp.headers(), self.allow_http)?;
                if !trusted.contains(&url.origin()) {
                    tracing::info!(to = %url.origin().ascii_serialization(), "Autodiscover redirected to another origin: following without credentials");
                }
                continue;
            }
            if status.as_u16() == 401 && !with_auth {
                if !within_domain(&url, self.email) {
                    return Err(format!(
                        "redirected to {}, which asks for the password; easync sends it only \
                         within {}: if you trust that server, set url = … in the configuration",
                        url.origin().ascii_serialization(),
                        domain_of(self.email)
                    ));
                }
                trusted.push(url.origin());
                continue;
            }
            if !status.is_success() {
                return Err(format!("HTTP {}", status.as_u16()));
            }
            let text = resp.text().await.map_err(|e| e.to_string())?;
            return parse_pox(&text);
        }
    }

    async fn pox_request(
        &self,
        http: &reqwest::Client,
        url: &Url,
        with_auth: bool,
    ) -> Result<reqwest::Response, String> {
        let req = http
            .post(url.clone())
            .header("Content-Type", "text/xml; charset=utf-8")
            .timeout(Duration::from_secs(30))
            .body(pox_body(self.email));
        let req = match self.auth {
            _ if !with_auth => req,
            Auth::Basic { user, password } => req.basic_auth(user, Some(password.expose())),
            Auth::Bearer(source) => {
                let token = source.token().await.map_err(|e| e.to_string())?;
                req.bearer_auth(token.expose())
            }
        };
        req.send().await.map_err(|e| e.to_string())
    }

    /// GETs the v2 JSON endpoint (no credentials), following redirects.
    async fn v2(&self, http: &reqwest::Client, base: &str) -> Result<Found, String> {
        v2(http, base, self.email, self.allow_http).await
    }
}

fn pox_body(email: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover xmlns=\"{POX_REQUEST_SCHEMA}\">\
         <Request><EMailAddress>{}</EMailAddress><AcceptableResponseSchema>{POX_RESPONSE_SCHEMA}\
         </AcceptableResponseSchema></Request></Autodiscover>",
        quick_xml::escape::escape(email)
    )
}

/// The redirect target (relative locations resolved), refusing a downgrade from https and any
/// target [`origin::check`] refuses.
fn next_location(
    from: &Url,
    headers: &reqwest::header::HeaderMap,
    allow_http: bool,
) -> Result<Url, String> {
    let location = headers
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .ok_or("redirect without a Location header")?;
    let to = from
        .join(location)
        .map_err(|e| format!("bad redirect {:?}: {e}", crate::text::one_line(location)))?;
    if from.scheme() == "https" && to.scheme() != "https" {
        return Err(format!("refusing a redirect from https to {to}"));
    }
    origin::check(to.as_str(), allow_http, "the Autodiscover redirect to")
        .map_err(|e| e.to_string())
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
        |m| format!("server error: {}", crate::text::one_line(&m)),
    ))
}

async fn v2(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    allow_http: bool,
) -> Result<Found, String> {
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
    let mut url = Url::parse_with_params(&url, &[("Email", email), ("Protocol", "ActiveSync")])
        .map_err(|e| e.to_string())?;
    origin::check(url.as_str(), allow_http, "the Autodiscover URL").map_err(|e| e.to_string())?;
    for _ in 0..=MAX_HOPS {
        let resp = http
            .get(url.clone())
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if resp.status().is_redirection() {
            url = next_location(&url, resp.headers(), allow_http)?;
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
    fn redirect_addresses_must_be_addresses() {
        assert!(is_address("bob@new.example.com"));
        for bad in [
            "bob",
            "@example.com",
            "bob@localhost",
            "bob@evil.test/x?",
            "bob@evil.test:8443",
            "b\u{1b}ob@example.com",
            "bob@exa mple.com",
        ] {
            assert!(!is_address(bad), "{bad}");
        }
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
