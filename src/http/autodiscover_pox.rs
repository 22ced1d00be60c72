//! The POX form of Autodiscover (MS-ASCMD 2.2.1.1, MS-OXDSCLI): the request body and the
//! reading of a response (the MobileSync URL, a Redirect address, or the server's error).

use quick_xml::Reader as XmlReader;
use quick_xml::events::Event as XmlEvent;

use super::autodiscover::Found;

const POX_REQUEST_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
const POX_RESPONSE_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";

pub(super) fn pox_body(email: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover xmlns=\"{POX_REQUEST_SCHEMA}\">\
         <Request><EMailAddress>{}</EMailAddress><AcceptableResponseSchema>{POX_RESPONSE_SCHEMA}\
         </AcceptableResponseSchema></Request></Autodiscover>",
        quick_xml::escape::escape(email)
    )
}

/// Reads a POX response: the `MobileSync` server URL, a `Redirect` address, or an error.
pub(super) fn parse_pox(xml: &str) -> Result<Found, String> {
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
}
