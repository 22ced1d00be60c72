//! RFC 5322 messages on their way out (`easync send`): what sending needs to know of a message
//! a program handed over (its recipients, Message-ID, the mail it answers) and the few header
//! fields a sendmail adds when they are missing. The message is parsed by mail-parser (encoded
//! words, groups, comments); it is changed only by adding or replacing whole header fields, so
//! every other byte — body, attachments, 8-bit and UTF-8 text — reaches the server as written
//! (with bare LF line ends made CRLF, RFC 5322 2.1).
//!
//! EAS has no envelope: the server delivers to the addresses in To, Cc and Bcc and removes Bcc
//! from what it delivers (keeping it in the Sent Items copy). A recipient named only on the
//! command line (mutt passes Bcc addresses that way) is therefore written into a Bcc field.

pub mod header;
pub mod reply;

use chrono::{DateTime, Utc};
use mail_parser::{Address, MessageParser};

use header::{crlf, ended, split};

/// The largest message easync accepts (Exchange Online's own limit is 150 MB for EAS).
pub const MAX_MESSAGE: usize = 150 * 1024 * 1024;

/// How the caller wants the message delivered (the sendmail command line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The recipients named on the command line.
    pub recipients: Vec<String>,
    /// `-t`: also every address in To, Cc and Bcc.
    pub from_headers: bool,
    /// `-f`/`-r`: the sender, used for a missing From.
    pub sender: Option<String>,
}

/// A message ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The message as it goes to the server.
    pub mime: Vec<u8>,
    /// Everyone it goes to, in order, once each.
    pub recipients: Vec<String>,
    pub message_id: String,
    /// The first Message-ID of In-Reply-To: the mail this answers.
    pub in_reply_to: Option<String>,
    pub subject: Option<String>,
    /// What the caller should be told (an address in the header the caller did not name).
    pub warnings: Vec<String>,
}

/// Why a message cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the message is empty")]
    Empty,
    #[error("the message is {size} bytes, more than easync sends ({MAX_MESSAGE} bytes)")]
    TooLarge { size: usize },
    #[error(
        "no recipient: name them on the command line, or pass -t to take them from To, Cc and Bcc"
    )]
    NoRecipients,
    #[error("recipient {0:?} is not an address")]
    BadRecipient(String),
}

/// The addresses of an address header (groups included), lower-cased for comparing.
fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    })
    .unwrap_or_default()
}

/// A command-line recipient: `a@b` or `Name <a@b>`; several may be comma-separated.
fn recipients_of(arg: &str) -> Result<Vec<String>, MessageError> {
    let mut out = Vec::new();
    for part in arg.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let addr = match (part.rfind('<'), part.rfind('>')) {
            (Some(a), Some(b)) if a < b => part[a + 1..b].trim(),
            _ => part,
        };
        let bad = addr.is_empty()
            || addr
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || "<>,;\"".contains(c));
        if bad {
            return Err(MessageError::BadRecipient(part.to_string()));
        }
        out.push(addr.to_string());
    }
    Ok(out)
}

fn push_unique(list: &mut Vec<String>, addr: &str) {
    if !list.iter().any(|a| a.eq_ignore_ascii_case(addr)) {
        list.push(addr.to_string());
    }
}

/// 64 bits for a new Message-ID: from the system's random source, else the process id and
/// the clock's nanoseconds (unique enough for one machine).
pub fn random() -> u64 {
    use std::io::Read as _;
    let mut b = [0u8; 8];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b)) {
        Ok(()) => u64::from_le_bytes(b),
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::from(d.subsec_nanos()));
            (u64::from(std::process::id()) << 32) ^ nanos
        }
    }
}

/// A new Message-ID on the account's domain.
fn new_message_id(account_email: &str, now: DateTime<Utc>, random: u64) -> String {
    let domain = account_email
        .rsplit_once('@')
        .map_or("easync.invalid", |(_, d)| d)
        .trim();
    format!("<easync.{}.{random:016x}@{domain}>", now.timestamp())
}

/// Checks the message, works out its recipients and adds what a sendmail adds: Message-ID,
/// Date and From when missing (From: `envelope.sender`, else the account's address), and a
/// Bcc field for recipients the header does not name.
pub fn prepare(
    raw: &[u8],
    envelope: &Envelope,
    account_email: &str,
    now: DateTime<Utc>,
    random: u64,
) -> Result<Prepared, MessageError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(MessageError::Empty);
    }
    if raw.len() > MAX_MESSAGE {
        return Err(MessageError::TooLarge { size: raw.len() });
    }
    let parts = split(raw);
    let head_end = raw.len() - parts.body.len();
    let parsed = MessageParser::default().parse_headers(&raw[..head_end]);
    let parsed = parsed.as_ref();
    let to = addresses(parsed.and_then(|m| m.to()));
    let cc = addresses(parsed.and_then(|m| m.cc()));
    let bcc = addresses(parsed.and_then(|m| m.bcc()));
    let mut named = Vec::new();
    for arg in &envelope.recipients {
        for a in recipients_of(arg)? {
            push_unique(&mut named, &a);
        }
    }
    let in_header: Vec<String> = to.iter().chain(&cc).chain(&bcc).cloned().collect();
    let mut recipients = named.clone();
    let mut warnings = Vec::new();
    if envelope.from_headers {
        for a in &in_header {
            push_unique(&mut recipients, a);
        }
    } else {
        for a in &in_header {
            if !named.iter().any(|n| n.eq_ignore_ascii_case(a)) {
                warnings.push(format!(
                    "{a} is in the message's To/Cc/Bcc but not among the recipients named; \
                     Exchange delivers to every address in To, Cc and Bcc, so it gets the \
                     message too"
                ));
                push_unique(&mut recipients, a);
            }
        }
    }
    if recipients.is_empty() {
        return Err(MessageError::NoRecipients);
    }
    let extra_bcc: Vec<&String> = named
        .iter()
        .filter(|n| !in_header.iter().any(|a| a.eq_ignore_ascii_case(n)))
        .collect();
    let message_id = parsed
        .and_then(|m| m.message_id())
        .map(|id| format!("<{}>", id.trim_matches(|c| c == '<' || c == '>')));
    let added_id = message_id.is_none();
    let message_id = message_id.unwrap_or_else(|| new_message_id(account_email, now, random));
    let mut head = Vec::with_capacity(head_end + 256);
    let has = |name: &str| {
        parts
            .fields
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(name))
    };
    if !has("From") {
        let from = envelope.sender.as_deref().unwrap_or(account_email);
        head.extend_from_slice(format!("From: {}\r\n", clean_value(from)).as_bytes());
    }
    if !has("Date") {
        head.extend_from_slice(format!("Date: {}\r\n", now.to_rfc2822()).as_bytes());
    }
    if added_id {
        head.extend_from_slice(format!("Message-ID: {message_id}\r\n").as_bytes());
    }
    // The Bcc field with the added addresses: in place of the message's own, else first. Not
    // last: SOGo, removing a Bcc field that ends the header, leaves its line break behind
    // (an empty line at the top of the body).
    let bcc_field = (!extra_bcc.is_empty()).then(|| {
        let all: Vec<&str> = bcc
            .iter()
            .map(String::as_str)
            .chain(extra_bcc.iter().map(|s| s.as_str()))
            .collect();
        format!("Bcc: {}\r\n", all.join(", ")).into_bytes()
    });
    let own_bcc = has("Bcc");
    if let (Some(field), false) = (&bcc_field, own_bcc) {
        head.extend_from_slice(field);
    }
    let mut bcc_written = false;
    for f in &parts.fields {
        match &bcc_field {
            Some(field) if f.name.eq_ignore_ascii_case("Bcc") => {
                if !bcc_written {
                    head.extend_from_slice(field);
                    bcc_written = true;
                }
            }
            _ => head.extend_from_slice(&ended(f.raw)),
        }
    }
    head.extend_from_slice(b"\r\n");
    head.extend_from_slice(&crlf(parts.body));
    Ok(Prepared {
        mime: head,
        recipients,
        message_id,
        in_reply_to: parsed.and_then(|m| {
            let ids = m.in_reply_to().as_text_list()?;
            ids.first()
                .map(|id| format!("<{}>", id.trim_matches(['<', '>'])))
        }),
        subject: parsed.and_then(|m| m.subject()).map(String::from),
        warnings,
    })
}

/// A value from the command line made safe for one header line.
fn clean_value(v: &str) -> String {
    v.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests;
