//! SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.19, 2.2.1.20): send a MIME
//! message, or a reply/forward that the server completes with the original. None is
//! idempotent; a stable `client_id` lets the server recognise a duplicate (status 118).

use wbxml::tags::compose_mail as cm;

use super::classes::{List, class, item};
use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, ServerId};

status_enum! {
    /// The `Status` of a failed send: only common codes are defined (MS-ASCMD 2.2.3.177.14, .16);
    /// success is an empty response.
    ComposeStatus {}
}

/// The original message of a reply or forward (`Source`, MS-ASCMD 2.2.3.168).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    pub folder_id: Option<CollectionId>,
    pub item_id: Option<ServerId>,
    /// A search result's id, instead of folder and item.
    pub long_id: Option<String>,
    /// One occurrence of a recurring meeting.
    pub instance_id: Option<String>,
}

class! {
    /// A `Forwardee` (16.0+, MS-ASCMD 2.2.3.73): forward to this recipient without MIME.
    Forwardee {
        name: String = cm::NAME,
        email: String = cm::EMAIL,
    }
}
item!(Forwardee = cm::FORWARDEE);

/// What the three commands share.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// Unique per message; the server rejects a second message with the same id.
    pub client_id: String,
    pub account_id: Option<String>,
    pub save_in_sent_items: bool,
    /// The RFC 5322 message.
    pub mime: Vec<u8>,
}

/// SendMail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMail(pub Message);

/// SmartReply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartReply {
    pub message: Message,
    pub source: Source,
    /// Send `mime` as is, without the original appended.
    pub replace_mime: bool,
}

/// SmartForward.
#[derive(Debug, Clone, PartialEq)]
pub struct SmartForward {
    pub message: Message,
    pub source: Source,
    pub replace_mime: bool,
    /// 16.0+: recipients to forward to without composing MIME.
    pub forwardees: List<Forwardee>,
}

fn write_source(w: &mut Writer, s: &Source) -> Result<(), ProtoError> {
    w.start(cm::SOURCE)?;
    w.opt_leaf(cm::FOLDER_ID, s.folder_id.as_ref())?;
    w.opt_leaf(cm::ITEM_ID, s.item_id.as_ref())?;
    w.opt_leaf(cm::LONG_ID, s.long_id.as_deref())?;
    w.opt_leaf(cm::INSTANCE_ID, s.instance_id.as_deref())?;
    w.end()
}

/// Writes the common head; `source` and `replace_mime` for replies and forwards.
fn encode(
    command: &'static str,
    root: wbxml::Tag,
    m: &Message,
    source: Option<&Source>,
    replace_mime: bool,
    forwardees: Option<&List<Forwardee>>,
) -> Result<Vec<u8>, ProtoError> {
    use super::classes::Field as _;
    let mut w = Writer::new(command);
    w.start(root)?;
    w.leaf(cm::CLIENT_ID, &m.client_id)?;
    if let Some(s) = source {
        write_source(&mut w, s)?;
    }
    w.opt_leaf(cm::ACCOUNT_ID, m.account_id.as_deref())?;
    if m.save_in_sent_items {
        w.empty(cm::SAVE_IN_SENT_ITEMS)?;
    }
    if replace_mime {
        w.empty(cm::REPLACE_MIME)?;
    }
    if !m.mime.is_empty() {
        w.opaque_leaf(cm::MIME, &m.mime)?;
    }
    if let Some(f) = forwardees.filter(|f| !f.items.is_empty()) {
        f.write(&mut w, cm::FORWARDEES)?;
    }
    w.end()?;
    w.finish()
}

/// A non-empty answer carries a failure status.
fn decode(command: &'static str, body: &[u8]) -> Result<Option<ComposeStatus>, ProtoError> {
    let mut r = Reader::new(command, body)?;
    r.child()?; // the root, whichever of the three
    let mut status = None;
    while let Some(el) = r.child()? {
        match el.tag {
            cm::STATUS => status = Some(r.parse(&el)?),
            _ => r.skip(&el)?,
        }
    }
    r.finish()?;
    Ok(status)
}

macro_rules! compose_command {
    ($ty:ty, $name:literal, |$s:ident| $encode:expr) => {
        impl Command for $ty {
            const NAME: &'static str = $name;
            const IDEMPOTENT: bool = false;
            /// `None` when the message was accepted (an empty response).
            type Response = Option<ComposeStatus>;

            fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
                let $s = self;
                $encode
            }

            fn decode(
                &self,
                body: &[u8],
                _v: ProtocolVersion,
            ) -> Result<Self::Response, ProtoError> {
                decode(Self::NAME, body)
            }

            fn empty_response() -> Option<Self::Response> {
                Some(None)
            }
        }
    };
}

compose_command!(SendMail, "SendMail", |s| encode(
    "SendMail",
    cm::SEND_MAIL,
    &s.0,
    None,
    false,
    None
));
compose_command!(SmartReply, "SmartReply", |s| encode(
    "SmartReply",
    cm::SMART_REPLY,
    &s.message,
    Some(&s.source),
    s.replace_mime,
    None
));
compose_command!(SmartForward, "SmartForward", |s| encode(
    "SmartForward",
    cm::SMART_FORWARD,
    &s.message,
    Some(&s.source),
    s.replace_mime,
    Some(&s.forwardees)
));
