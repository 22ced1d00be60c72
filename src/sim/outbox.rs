//! The outbox: every message the simulated server sent on a client's behalf — SendMail,
//! SmartReply, SmartForward (MS-ASCMD 2.2.1.17, .20, .19) and the replies to meeting organizers a
//! 16.x MeetingResponse with `SendResponse` makes (2.2.1.11) — in the order they went out, so
//! tests can check what a client sent byte for byte ([`Sim::outbox`], [`Sim::outbox_mime`],
//! `GET /sim/status`, `GET /sim/outbox/N`).
//!
//! A message is recorded once per `(DeviceId, ClientId)`: a second request with a ClientId the
//! device already used delivers nothing and answers Status 118 MessagePreviouslySent (MS-ASCMD
//! 2.2.3.28.1: "the server will use the ClientId element value to identify duplicate messages";
//! 2.2.2 Status 118). The key includes the device because a ClientId "can be a simple counter"
//! (2.2.3.28.1), so two devices' counters meet.

use std::collections::HashMap;
use std::sync::Arc;

use super::mime;
use super::{Sim, lock};

/// One message the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// 1-based, in sending order (`GET /sim/outbox/N`).
    pub n: usize,
    /// `SendMail`, `SmartReply`, `SmartForward` or `MeetingResponse`.
    pub command: &'static str,
    /// The request's ClientId (MeetingResponse has none).
    pub client_id: Option<String>,
    pub device: String,
    /// The MIME the client sent, byte for byte (for MeetingResponse: the reply the server made).
    pub mime: Arc<Vec<u8>>,
    /// What went out: the client's MIME, or the message the server completed with the original
    /// (SmartReply / SmartForward without `ReplaceMime`, [`mime::compose`]).
    pub delivered: Arc<Vec<u8>>,
    /// The original of a reply or forward (`folder/item`, `LongId`, with `#InstanceId`) or the
    /// meeting a response answers.
    pub source: Option<String>,
    /// The server appended the original's body (no `ReplaceMime`).
    pub original_appended: bool,
    /// The original's attachments the server attached (SmartForward without `ReplaceMime`).
    pub attachments_carried: Vec<String>,
    /// 16.x `Forwardees` (MS-ASCMD 2.2.3.79): recipients of a forwarded meeting.
    pub forwardees: Vec<String>,
    /// What the client's MIME says (RFC 5322 headers, decoded).
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The Bcc recipients: the message went to them, and the Sent Items copy keeps them.
    pub bcc: Vec<String>,
    pub subject: Option<String>,
    /// Attachments of the delivered message.
    pub attachments: usize,
    /// The copy in Sent Items (`SaveInSentItems`), by server id.
    pub saved_as: Option<String>,
    /// Unix seconds.
    pub at: u64,
}

impl OutboxMessage {
    /// Every address the message went to: To, Cc, Bcc and the forwardees.
    pub fn recipients(&self) -> Vec<String> {
        let all = self.to.iter().chain(&self.cc).chain(&self.bcc);
        all.chain(&self.forwardees).cloned().collect()
    }

    /// The size of the MIME the client sent.
    pub fn size(&self) -> usize {
        self.mime.len()
    }
}

/// What a handler hands over to be recorded.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub command: &'static str,
    pub client_id: Option<String>,
    pub device: String,
    pub mime: Vec<u8>,
    /// `None`: the client's MIME went out as it is.
    pub delivered: Option<Vec<u8>>,
    pub source: Option<String>,
    pub original_appended: bool,
    pub attachments_carried: Vec<String>,
    pub forwardees: Vec<String>,
    pub saved_as: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct Outbox {
    messages: Vec<OutboxMessage>,
    by_client_id: HashMap<(String, String), usize>,
}

impl Outbox {
    /// Whether the device already sent a message with this ClientId.
    pub fn seen(&self, device: &str, client_id: &str) -> bool {
        let key = (device.to_string(), client_id.to_string());
        self.by_client_id.contains_key(&key)
    }

    pub fn record(&mut self, out: Outgoing) -> usize {
        let n = self.messages.len() + 1;
        let summary = mime::summary(&out.mime);
        let delivered = Arc::new(out.delivered.unwrap_or_else(|| out.mime.clone()));
        let attachments = mime::summary(&delivered).attachments.len();
        if let Some(id) = &out.client_id {
            self.by_client_id
                .insert((out.device.clone(), id.clone()), n);
        }
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.messages.push(OutboxMessage {
            n,
            command: out.command,
            client_id: out.client_id,
            device: out.device,
            mime: Arc::new(out.mime),
            delivered,
            source: out.source,
            original_appended: out.original_appended,
            attachments_carried: out.attachments_carried,
            forwardees: out.forwardees,
            from: summary.from,
            to: summary.to,
            cc: summary.cc,
            bcc: summary.bcc,
            subject: summary.subject,
            attachments,
            saved_as: out.saved_as,
            at,
        });
        n
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn all(&self) -> Vec<OutboxMessage> {
        self.messages.clone()
    }
}

impl Sim {
    /// Every message sent so far, in order.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        lock(&self.outbox).all()
    }

    /// The MIME the client sent for message `n` (1-based), byte for byte.
    pub fn outbox_mime(&self, n: usize) -> Option<Arc<Vec<u8>>> {
        let ob = lock(&self.outbox);
        ob.messages.get(n.checked_sub(1)?).map(|m| m.mime.clone())
    }

    /// What went out for message `n`: the client's MIME, or the message the server completed.
    pub fn outbox_delivered(&self, n: usize) -> Option<Arc<Vec<u8>>> {
        let ob = lock(&self.outbox);
        ob.messages
            .get(n.checked_sub(1)?)
            .map(|m| m.delivered.clone())
    }

    /// The outbox messages a client sent with this subject.
    pub fn sent_with_subject(&self, subject: &str) -> Vec<OutboxMessage> {
        let all = self.outbox();
        all.into_iter()
            .filter(|m| m.subject.as_deref() == Some(subject))
            .collect()
    }
}
