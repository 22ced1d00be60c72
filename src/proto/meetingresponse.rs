//! MeetingResponse (MS-ASCMD 2.2.1.11): accept, tentatively accept or decline a meeting
//! request. Attendee replies go through this command, never through a Sync Change.

use wbxml::tags::{air_sync_base as asb, meeting_response as mr, search};

use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, ServerId};

status_enum! {
    /// MeetingResponse `Status` (MS-ASCMD 2.2.3.177.9).
    MeetingResponseStatus {
        Success = 1 => "success",
        InvalidRequest = 2 => "the meeting request is invalid",
        MailboxError = 3 => "an error occurred on the server mailbox",
        ServerError = 4 => "an error occurred on the server",
    }
}

/// The answer to the organizer (`UserResponse`, MS-ASCMD 2.2.3.189).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserResponse {
    Accepted = 1,
    Tentative = 2,
    Declined = 3,
}

/// Where the meeting request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestRef {
    /// A meeting request email or a calendar item, by folder and id.
    Item {
        collection_id: CollectionId,
        request_id: ServerId,
    },
    /// A search result.
    LongId(String),
}

/// One response to one meeting request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub user_response: UserResponse,
    pub request: RequestRef,
    /// One occurrence of a recurring meeting (`InstanceId`, 14.1+).
    pub instance_id: Option<String>,
    /// 16.1: propose a new time with a tentative or declined answer.
    pub proposed_start_time: Option<String>,
    pub proposed_end_time: Option<String>,
    /// 16.0+: tell the organizer (`SendResponse`, MS-ASCMD 2.2.3.163), with this note (empty:
    /// a response without a body). `None` sends nothing — and on 16.x then nobody hears of
    /// the answer. Before 16.0 the server never sends one: the client sends the iCalendar
    /// REPLY itself with SendMail (2.2.1.11).
    pub send_response: Option<String>,
}

/// The MeetingResponse request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingResponse {
    pub requests: Vec<Request>,
}

/// The result for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingResult {
    pub request_id: Option<ServerId>,
    pub status: MeetingResponseStatus,
    /// The calendar item created or updated for an accepted meeting.
    pub calendar_id: Option<ServerId>,
}

impl Command for MeetingResponse {
    const NAME: &'static str = "MeetingResponse";
    const IDEMPOTENT: bool = false;
    type Response = Vec<MeetingResult>;

    fn encode(&self, version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(mr::MEETING_RESPONSE)?;
        for r in &self.requests {
            w.start(mr::REQUEST)?;
            w.leaf(mr::USER_RESPONSE, &(r.user_response as u8).to_string())?;
            match &r.request {
                RequestRef::Item {
                    collection_id,
                    request_id,
                } => {
                    w.leaf(mr::COLLECTION_ID, collection_id.as_str())?;
                    w.leaf(mr::REQUEST_ID, request_id.as_str())?;
                }
                RequestRef::LongId(id) => w.leaf(search::LONG_ID, id)?,
            }
            w.opt_leaf(mr::INSTANCE_ID, r.instance_id.as_deref())?;
            if version >= ProtocolVersion::V16_0
                && (r.send_response.is_some() || r.proposed_start_time.is_some())
            {
                w.start(mr::SEND_RESPONSE)?;
                w.opt_leaf(mr::PROPOSED_START_TIME, r.proposed_start_time.as_deref())?;
                w.opt_leaf(mr::PROPOSED_END_TIME, r.proposed_end_time.as_deref())?;
                if let Some(note) = r.send_response.as_deref().filter(|n| !n.is_empty()) {
                    w.start(asb::BODY)?;
                    w.leaf(asb::TYPE, "1")?;
                    w.leaf(asb::DATA, note)?;
                    w.end()?;
                }
                w.end()?;
            }
            w.end()?;
        }
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<Vec<MeetingResult>, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(mr::MEETING_RESPONSE)?;
        let mut out = Vec::new();
        while let Some(el) = r.child()? {
            if el.tag != mr::RESULT {
                r.skip(&el)?;
                continue;
            }
            let (mut request_id, mut status, mut calendar_id) = (None, None, None);
            while let Some(c) = r.child()? {
                match c.tag {
                    mr::REQUEST_ID => request_id = Some(r.parse(&c)?),
                    mr::STATUS => status = Some(r.parse(&c)?),
                    mr::CALENDAR_ID => calendar_id = Some(r.parse(&c)?),
                    _ => r.skip(&c)?,
                }
            }
            out.push(MeetingResult {
                request_id,
                status: status.ok_or_else(|| r.missing(&el, mr::STATUS))?,
                calendar_id,
            });
        }
        r.finish()?;
        Ok(out)
    }
}
