//! Sending the outbox: each queued message with SendMail, SmartReply or SmartForward (MS-ASCMD
//! 2.2.1.17, 2.2.1.20, 2.2.1.19), one at a time, oldest first.
//!
//! Exactly once: the attempt is counted in the store before the request goes out, and the row
//! leaves only when the server has answered that it took the message. A crash or a lost answer
//! in between leaves the row, and the next attempt carries the same ClientId, by which the
//! server recognises a message it has (MS-ASCMD 2.2.3.28.1; Status 118, "previously sent", is
//! taken as sent).
//!
//! What the server answers decides the message's fate ([`verdict`]): sent; kept queued when the
//! server cannot take mail now (network, throttling, Status 110/111/114/115 — the rest of the
//! queue then waits too); refused for good with the reason (`failed`, kept for the user). A
//! reply or forward whose original is gone (Status 150/121) is sent as a plain message when
//! its MIME is whole (`ReplaceMime`), else refused.

use crate::http::HttpError;
use crate::proto::compose::{Message, SendMail, SmartForward, SmartReply, Source};
use crate::proto::{CollectionId, ProtocolVersion, ServerId};
use crate::store::{OutboxCommand, OutboxEntry, Store, StoreError};

use super::Transport;

/// An in-band refusal after this many attempts is final (network errors never are).
pub const MAX_ATTEMPTS: i64 = 5;

/// What became of the messages tried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: Vec<i64>,
    /// Refused by the server: (id, why).
    pub failed: Vec<(i64, String)>,
    /// Why sending stopped with messages still queued (the server cannot take mail now).
    pub deferred: Option<Deferred>,
}

/// Why the queue waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    pub why: String,
    /// A person must act first (credentials, device approval).
    pub needs_attention: bool,
}

/// What to do with a message after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Sent,
    /// Keep it queued; stop sending for now.
    Wait(Deferred),
    /// Refused: the status (when the server gave one) and why.
    Refused(Option<u16>, String),
    /// The original of a reply or forward is not on the server.
    SourceGone(u16),
}

/// The verdict on an answer to the `attempts`-th try.
pub fn verdict(answer: Result<Option<u16>, &HttpError>, attempts: i64) -> Verdict {
    let code = match answer {
        Ok(None) => return Verdict::Sent,
        Ok(Some(code)) => code,
        Err(HttpError::Common { status, .. }) => status.code(),
        Err(e) if e.is_temporary() || e.needs_attention() => {
            return Verdict::Wait(Deferred {
                why: e.to_string(),
                needs_attention: e.needs_attention(),
            });
        }
        Err(e @ HttpError::Protocol(_)) => {
            return Verdict::Refused(
                None,
                format!(
                    "the server's answer could not be read ({e}): the message may have been \
                     sent; `easync send --retry ID` sends it again under the same ClientId, \
                     which the server ignores if it has it"
                ),
            );
        }
        Err(e @ HttpError::Status { status: 413, .. }) => {
            return Verdict::Refused(
                Some(413),
                format!(
                    "{e}: the message is larger than the server takes (Exchange's default is \
                     10 MB per request); send the attachments another way"
                ),
            );
        }
        Err(e) => return Verdict::Refused(None, e.to_string()),
    };
    let meaning = crate::proto::compose::ComposeStatus::from_code(code).meaning();
    match code {
        118 => Verdict::Sent,
        110 | 111 | 114 | 115 if attempts < MAX_ATTEMPTS => Verdict::Wait(Deferred {
            why: format!("the server cannot send now (status {code}: {meaning})"),
            needs_attention: false,
        }),
        150 | 121 => Verdict::SourceGone(code),
        _ => Verdict::Refused(Some(code), format!("status {code}: {meaning}")),
    }
}

/// The command for an entry.
fn message(e: &OutboxEntry, mime: Vec<u8>) -> Message {
    Message {
        client_id: e.client_id.clone(),
        account_id: None,
        save_in_sent_items: e.save_in_sent,
        mime,
    }
}

fn source(e: &OutboxEntry) -> Source {
    let s = e.source.as_ref();
    Source {
        folder_id: s.and_then(|s| CollectionId::try_from(s.folder.as_str()).ok()),
        item_id: s.and_then(|s| ServerId::try_from(s.item.as_str()).ok()),
        ..Source::default()
    }
}

/// One request for the entry; the status of a refusal, `None` when it was taken.
async fn attempt<T: Transport>(
    t: &mut T,
    e: &OutboxEntry,
    mime: Vec<u8>,
) -> Result<Option<u16>, HttpError> {
    let m = message(e, mime);
    let status = match (e.command, e.source.is_some()) {
        (OutboxCommand::Reply, true) => {
            t.execute(&SmartReply {
                message: m,
                source: source(e),
                replace_mime: e.replace_mime,
            })
            .await?
        }
        (OutboxCommand::Forward, true) => {
            t.execute(&SmartForward {
                message: m,
                source: source(e),
                replace_mime: e.replace_mime,
                forwardees: Default::default(),
            })
            .await?
        }
        _ => t.execute(&SendMail(m)).await?,
    };
    Ok(status.map(|s| s.code()))
}

/// Sends the queued messages (only `ids` when given), oldest first, until the queue is empty
/// or the server cannot take mail now.
pub async fn flush<T: Transport>(
    t: &mut T,
    db: &mut Store,
    version: ProtocolVersion,
    ids: Option<&[i64]>,
) -> Result<SendReport, StoreError> {
    let mut report = SendReport::default();
    let queued: Vec<OutboxEntry> = db
        .outbox(false)?
        .into_iter()
        .filter(|e| ids.is_none_or(|ids| ids.contains(&e.id)))
        .collect();
    if queued.is_empty() {
        return Ok(report);
    }
    if version < ProtocolVersion::V14_0 {
        report.deferred = Some(Deferred {
            why: format!(
                "the server speaks EAS {version}: easync sends mail with EAS 14.0 or later (set \
                 protocol_version if the server offers it)"
            ),
            needs_attention: true,
        });
        return Ok(report);
    }
    for mut e in queued {
        loop {
            let Some(mime) = db.outbox_mime(e.id)? else {
                break; // dropped meanwhile
            };
            db.outbox_attempt(e.id)?;
            let answer = attempt(t, &e, mime).await;
            match verdict(answer.as_ref().map(|s| *s), e.attempts + 1) {
                Verdict::Sent => {
                    db.outbox_sent(e.id)?;
                    report.sent.push(e.id);
                }
                Verdict::Wait(d) => {
                    db.outbox_deferred(e.id, &d.why)?;
                    report.deferred = Some(d);
                    return Ok(report);
                }
                Verdict::Refused(status, why) => {
                    db.outbox_failed(e.id, status, &why)?;
                    report.failed.push((e.id, why));
                }
                Verdict::SourceGone(code) if e.replace_mime => {
                    tracing::info!(
                        "message {}: the original is gone (status {code}); sending it as a new message",
                        e.id
                    );
                    db.outbox_as_plain(e.id)?;
                    e.command = OutboxCommand::Send;
                    e.source = None;
                    e.attempts += 1;
                    continue;
                }
                Verdict::SourceGone(code) => {
                    let why = format!(
                        "status {code}: the original of this {} is no longer on the server, and \
                         the server was to add it to the message; `easync send --drop {}` and \
                         send it again with the quote included",
                        e.command.as_str(),
                        e.id
                    );
                    db.outbox_failed(e.id, Some(code), &why)?;
                    report.failed.push((e.id, why));
                }
            }
            break;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
