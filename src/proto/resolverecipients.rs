//! ResolveRecipients (MS-ASCMD 2.2.1.15): look recipients up in the directory, with their
//! certificates, free/busy and pictures.

use wbxml::tags::resolve_recipients as rr;

use super::classes::{class, item};
use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{Command, ProtoError, ProtocolVersion};

status_enum! {
    /// ResolveRecipients `Status` (MS-ASCMD 2.2.3.177.12).
    ResolveStatus {
        Success = 1 => "success",
        Ambiguous = 2 => "the recipient was ambiguous; suggestions follow",
        AmbiguousPartial = 3 => "the recipient was ambiguous; some suggestions follow",
        NotResolved = 4 => "the recipient was not found",
        ProtocolError = 5 => "protocol error",
        ServerError = 6 => "server error",
        InvalidSmimeCertificate = 7 => "the S/MIME certificate is invalid",
        CertificateLimit = 8 => "the certificate limit was reached",
    }
}

class! {
    /// `Availability` of a recipient (MS-ASCMD 2.2.3.16.1): `MergedFreeBusy` has one digit
    /// per 30 minutes (0 free, 1 tentative, 2 busy, 3 out of office, 4 no data).
    Availability {
        status: u16 = rr::STATUS,
        merged_free_busy: String = rr::MERGED_FREE_BUSY,
    }
}

class! {
    /// `Certificates` of a recipient (MS-ASCMD 2.2.3.24).
    Certificates {
        status: u16 = rr::STATUS,
        certificate_count: u32 = rr::CERTIFICATE_COUNT,
        recipient_count: u32 = rr::RECIPIENT_COUNT,
        mini_certificate: String = rr::MINI_CERTIFICATE,
    }
}

class! {
    /// A recipient's `Picture` (14.1+, MS-ASCMD 2.2.3.129.3).
    Picture {
        status: u16 = rr::STATUS,
        data: String = rr::DATA,
    }
}

class! {
    /// A resolved `Recipient` (MS-ASCMD 2.2.3.144). `Type`: 1 directory, 2 contact.
    Recipient {
        recipient_type: u8 = rr::TYPE,
        display_name: String = rr::DISPLAY_NAME,
        email_address: String = rr::EMAIL_ADDRESS,
        availability: Availability = rr::AVAILABILITY,
        certificates: Certificates = rr::CERTIFICATES,
        picture: Picture = rr::PICTURE,
    }
}
item!(Recipient = rr::RECIPIENT);

/// The request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolveRecipients {
    pub to: Vec<String>,
    /// 2 asks for full certificates, 3 for mini certificates.
    pub certificate_retrieval: Option<u8>,
    pub max_ambiguous_recipients: Option<u32>,
    /// Free/busy for `(start, end)`, in `YYYY-MM-DDTHH:MM:SS.MSSZ`; Exchange wants whole
    /// 30-minute slots.
    pub availability: Option<(String, String)>,
    /// Pictures of at most this many bytes.
    pub picture_max_size: Option<u32>,
}

/// The answer for one `To`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resolution {
    pub to: Option<String>,
    pub status: Option<ResolveStatus>,
    pub recipient_count: Option<u32>,
    pub recipients: Vec<Recipient>,
}

/// The response. An empty body (SOGo without Availability) means nothing was resolved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResolveResponse {
    pub status: Option<ResolveStatus>,
    pub responses: Vec<Resolution>,
}

impl Command for ResolveRecipients {
    const NAME: &'static str = "ResolveRecipients";
    const IDEMPOTENT: bool = true;
    type Response = ResolveResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(rr::RESOLVE_RECIPIENTS)?;
        for to in &self.to {
            w.leaf(rr::TO, to)?;
        }
        w.start(rr::OPTIONS)?;
        w.opt_leaf(rr::CERTIFICATE_RETRIEVAL, self.certificate_retrieval)?;
        w.opt_leaf(rr::MAX_AMBIGUOUS_RECIPIENTS, self.max_ambiguous_recipients)?;
        if let Some((start, end)) = &self.availability {
            w.start(rr::AVAILABILITY)?;
            w.leaf(rr::START_TIME, start)?;
            w.leaf(rr::END_TIME, end)?;
            w.end()?;
        }
        if let Some(max) = self.picture_max_size {
            w.start(rr::PICTURE)?;
            w.leaf(rr::MAX_SIZE, &max.to_string())?;
            w.end()?;
        }
        w.end()?;
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<ResolveResponse, ProtoError> {
        use super::classes::Field as _;
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(rr::RESOLVE_RECIPIENTS)?;
        let mut resp = ResolveResponse::default();
        while let Some(el) = r.child()? {
            match el.tag {
                rr::STATUS => resp.status = Some(r.parse(&el)?),
                rr::RESPONSE => {
                    let mut res = Resolution::default();
                    while let Some(c) = r.child()? {
                        match c.tag {
                            rr::TO => res.to = Some(r.string(&c)?),
                            rr::STATUS => res.status = Some(r.parse(&c)?),
                            rr::RECIPIENT_COUNT => res.recipient_count = Some(r.parse(&c)?),
                            rr::RECIPIENT => res.recipients.push(Recipient::read(&mut r, &c)?),
                            _ => r.skip(&c)?,
                        }
                    }
                    resp.responses.push(res);
                }
                _ => r.skip(&el)?,
            }
        }
        r.finish()?;
        Ok(resp)
    }

    fn empty_response() -> Option<ResolveResponse> {
        Some(ResolveResponse::default())
    }
}

impl Certificates {
    /// The full certificates (base64 X.509), which repeat directly inside `Certificates`.
    pub fn certificates(&self) -> Vec<String> {
        self.extra
            .iter()
            .filter(|e| e.tag == rr::CERTIFICATE)
            .map(|e| e.text())
            .collect()
    }
}
