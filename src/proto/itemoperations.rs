//! ItemOperations (MS-ASCMD 2.2.1.10): fetch items in full (e.g. as MIME) and attachments,
//! with the multipart response form (2.2.1.10.1.1) that carries data outside the WBXML.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wbxml::tags::{air_sync as s, air_sync_base as asb, item_operations as io, search};
use wbxml::{Element, Node, Tag};

use super::classes::{ApplicationData, ItemClass};
use super::read::Reader;
use super::status::status_enum;
use super::sync::BodyPreference;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, ServerId};

status_enum! {
    /// ItemOperations `Status` (MS-ASCMD 2.2.3.177.8).
    ItemOperationsStatus {
        Success = 1 => "success",
        ProtocolError = 2 => "protocol error",
        ServerError = 3 => "server error",
        BadUri = 4 => "the document library URI is invalid",
        AccessDenied = 5 => "access denied",
        NotFound = 6 => "the item or attachment was not found",
        ConnectionFailed = 7 => "the server could not connect to the document store",
        InvalidRange = 8 => "the byte range is invalid",
        UnknownStore = 9 => "the store is unknown or not supported",
        EmptyFile = 10 => "the file is empty",
        TooLarge = 11 => "the data is larger than the server allows",
        IoFailure = 12 => "the server failed to download the file",
        ConversionFailure = 14 => "the item could not be converted",
        InvalidAttachment = 15 => "the attachment or attachment id is invalid",
        BlockedByPolicy = 16 => "access to the resource is blocked by policy",
        PartialSuccess = 17 => "partial success",
        CredentialsRequired = 18 => "credentials are required for the document store",
        ProtocolErrorMissingElement = 155 => "a required element is missing",
        ActionNotSupported = 156 => "the action is not supported",
    }
}

/// What to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchTarget {
    /// An item of a collection (`Store` Mailbox).
    Item {
        collection_id: CollectionId,
        server_id: ServerId,
        class: Option<ItemClass>,
    },
    /// An attachment, by its `FileReference`.
    Attachment { file_reference: String },
    /// A search result, by its `LongId`.
    LongId {
        long_id: String,
        class: Option<ItemClass>,
    },
}

/// One `Fetch` (MS-ASCMD 2.2.3.67.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub target: FetchTarget,
    /// `MIMESupport`: 2 asks for the full MIME message.
    pub mime_support: Option<u8>,
    pub body_preferences: Vec<BodyPreference>,
    /// A byte range `first-last` of an attachment.
    pub range: Option<String>,
}

impl Fetch {
    /// The full MIME message of an email.
    pub fn mime(collection_id: CollectionId, server_id: ServerId) -> Self {
        Self {
            target: FetchTarget::Item {
                collection_id,
                server_id,
                class: Some(ItemClass::Email),
            },
            mime_support: Some(2),
            body_preferences: vec![BodyPreference {
                body_type: 4,
                truncation_size: None,
                all_or_none: None,
                preview: None,
            }],
            range: None,
        }
    }

    /// An attachment.
    pub fn attachment(file_reference: impl Into<String>) -> Self {
        Self {
            target: FetchTarget::Attachment {
                file_reference: file_reference.into(),
            },
            mime_support: None,
            body_preferences: Vec::new(),
            range: None,
        }
    }
}

/// The ItemOperations request: fetches (the other operations are rarely used by a sync client).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemOperations {
    pub fetches: Vec<Fetch>,
    /// Ask for the multipart response form (`MS-ASAcceptMultiPart: T`): binary data comes as
    /// raw parts instead of base64 text.
    pub multipart: bool,
}

/// The result of one fetch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FetchResult {
    pub status: Option<ItemOperationsStatus>,
    pub collection_id: Option<CollectionId>,
    pub server_id: Option<ServerId>,
    pub file_reference: Option<String>,
    pub long_id: Option<String>,
    /// The attachment's content type.
    pub content_type: Option<String>,
    /// The attachment's bytes (decoded from base64, or the multipart part).
    pub data: Option<Vec<u8>>,
    /// `Total` size and the `Range` returned, for ranged fetches.
    pub total: Option<u64>,
    pub range: Option<String>,
    /// The item, when an item was fetched.
    pub item: Option<ApplicationData>,
}

/// The ItemOperations response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemOperationsResponse {
    pub status: Option<ItemOperationsStatus>,
    pub fetches: Vec<FetchResult>,
}

impl Command for ItemOperations {
    const NAME: &'static str = "ItemOperations";
    const IDEMPOTENT: bool = true;
    type Response = ItemOperationsResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(io::ITEM_OPERATIONS)?;
        for f in &self.fetches {
            write_fetch(&mut w, f)?;
        }
        w.end()?;
        w.finish()
    }

    fn decode(
        &self,
        body: &[u8],
        _version: ProtocolVersion,
    ) -> Result<ItemOperationsResponse, ProtoError> {
        let parts = if is_multipart(body) {
            split_multipart(body)?
        } else {
            vec![body]
        };
        let mut r = Reader::new(Self::NAME, parts[0])?;
        r.root(io::ITEM_OPERATIONS)?;
        let mut resp = ItemOperationsResponse::default();
        while let Some(el) = r.child()? {
            match el.tag {
                io::STATUS => resp.status = Some(r.parse(&el)?),
                io::RESPONSE => {
                    while let Some(op) = r.child()? {
                        if op.tag != io::FETCH {
                            r.skip(&op)?;
                            continue;
                        }
                        let index = resp.fetches.len();
                        let class = self.fetches.get(index).and_then(|f| match &f.target {
                            FetchTarget::Item { class, .. } | FetchTarget::LongId { class, .. } => {
                                *class
                            }
                            FetchTarget::Attachment { .. } => None,
                        });
                        let tree = r.capture(&op)?;
                        resp.fetches.push(fetch_result(&tree, class, &parts)?);
                    }
                }
                _ => r.skip(&el)?,
            }
        }
        r.finish()?;
        Ok(resp)
    }

    fn accept_multipart(&self) -> bool {
        self.multipart
    }
}

fn write_fetch(w: &mut Writer, f: &Fetch) -> Result<(), ProtoError> {
    w.start(io::FETCH)?;
    w.leaf(io::STORE, "Mailbox")?;
    match &f.target {
        FetchTarget::Item {
            collection_id,
            server_id,
            ..
        } => {
            w.leaf(s::COLLECTION_ID, collection_id.as_str())?;
            w.leaf(s::SERVER_ID, server_id.as_str())?;
        }
        FetchTarget::Attachment { file_reference } => {
            w.leaf(asb::FILE_REFERENCE, file_reference)?
        }
        FetchTarget::LongId { long_id, .. } => w.leaf(search::LONG_ID, long_id)?,
    }
    if f.mime_support.is_some() || !f.body_preferences.is_empty() || f.range.is_some() {
        w.start(io::OPTIONS)?;
        w.opt_leaf(io::RANGE, f.range.as_deref())?;
        w.opt_leaf(s::MIME_SUPPORT, f.mime_support)?;
        for p in &f.body_preferences {
            w.start(asb::BODY_PREFERENCE)?;
            w.leaf(asb::TYPE, &p.body_type.to_string())?;
            w.opt_leaf(asb::TRUNCATION_SIZE, p.truncation_size)?;
            w.opt_leaf(asb::ALL_OR_NONE, p.all_or_none.map(u8::from))?;
            w.end()?;
        }
        w.end()?;
    }
    w.end()
}

/// Reads one `Fetch` of the response (captured as a tree: it is small and its Properties mix
/// ItemOperations elements with the item's class elements).
fn fetch_result(
    tree: &Element<'static>,
    class: Option<ItemClass>,
    parts: &[&[u8]],
) -> Result<FetchResult, ProtoError> {
    let text = |e: &Element<'_>| e.text();
    let mut out = FetchResult::default();
    let bad = |tag: Tag, value: String, reason: &'static str| ProtoError::BadValue {
        command: ItemOperations::NAME,
        element: tag,
        value,
        offset: 0,
        reason,
    };
    for child in tree.elements() {
        match child.tag {
            io::STATUS => out.status = text(child).trim().parse().ok(),
            s::COLLECTION_ID => out.collection_id = CollectionId::try_from(text(child)).ok(),
            s::SERVER_ID => out.server_id = ServerId::try_from(text(child)).ok(),
            asb::FILE_REFERENCE => out.file_reference = Some(text(child)),
            search::LONG_ID => out.long_id = Some(text(child)),
            s::CLASS => {}
            io::PROPERTIES => {
                let mut item = Vec::new();
                for p in child.elements() {
                    match p.tag {
                        asb::CONTENT_TYPE => out.content_type = Some(text(p)),
                        io::RANGE => out.range = Some(text(p)),
                        io::TOTAL => out.total = text(p).trim().parse().ok(),
                        io::VERSION => {}
                        io::DATA => {
                            out.data = Some(data_of(p).map_err(|v| bad(io::DATA, v, "not base64"))?)
                        }
                        io::PART => {
                            let n: usize = text(p)
                                .trim()
                                .parse()
                                .map_err(|_| bad(io::PART, text(p), "not a part number"))?;
                            let part = parts.get(n).ok_or_else(|| {
                                bad(io::PART, text(p), "no such part in the multipart response")
                            })?;
                            out.data = Some(part.to_vec());
                        }
                        _ => item.push(p),
                    }
                }
                if !item.is_empty() {
                    out.item = Some(ApplicationData::from_elements(
                        ItemOperations::NAME,
                        item,
                        class,
                    )?);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// `Data`: OPAQUE bytes as they are, text as base64.
fn data_of(e: &Element<'_>) -> Result<Vec<u8>, String> {
    if let [Node::Opaque(d)] = e.children.as_slice() {
        return Ok(d.to_vec());
    }
    let compact: String = e
        .text()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| compact.chars().take(24).collect())
}

/// Whether a body is in the multipart form rather than WBXML (its first four bytes are a
/// part count, not a WBXML header).
pub fn is_multipart(body: &[u8]) -> bool {
    if body.len() < 12 || body[1..4] != [0, 0, 0] {
        return false; // a WBXML header has a non-zero public id or charset here
    }
    let count = usize::from(body[0]);
    let first = i32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    count >= 1 && usize::try_from(first) == Ok(4 + 8 * count)
}

/// Splits a multipart response: a little-endian `i32` part count, then per part an `i32`
/// offset and length, then the parts; part 0 is the WBXML (MS-ASCMD 2.2.1.10.1.1).
pub fn split_multipart(body: &[u8]) -> Result<Vec<&[u8]>, ProtoError> {
    let bad = |reason: &'static str| ProtoError::Invalid {
        what: "multipart response",
        value: format!("{} bytes", body.len()),
        reason,
    };
    let int = |at: usize| -> Result<usize, ProtoError> {
        let b = body
            .get(at..at + 4)
            .ok_or_else(|| bad("truncated part table"))?;
        usize::try_from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .map_err(|_| bad("negative number in the part table"))
    };
    let count = int(0)?;
    if count == 0 || count > (body.len() - 4) / 8 {
        return Err(bad("impossible part count"));
    }
    (0..count)
        .map(|i| {
            let (offset, len) = (int(4 + 8 * i)?, int(8 + 8 * i)?);
            body.get(
                offset
                    ..offset
                        .checked_add(len)
                        .ok_or_else(|| bad("part too long"))?,
            )
            .ok_or_else(|| bad("a part lies outside the body"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multipart(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = (parts.len() as i32).to_le_bytes().to_vec();
        let mut offset = 4 + 8 * parts.len();
        for p in parts {
            out.extend_from_slice(&(offset as i32).to_le_bytes());
            out.extend_from_slice(&(p.len() as i32).to_le_bytes());
            offset += p.len();
        }
        for p in parts {
            out.extend_from_slice(p);
        }
        out
    }

    #[test]
    fn multipart_splits_and_rejects_nonsense() {
        let body = multipart(&[b"\x03\x01\x6a\x00\x45", b"hello", b""]);
        assert!(is_multipart(&body));
        let parts = split_multipart(&body).unwrap();
        assert_eq!(parts, [&b"\x03\x01\x6a\x00\x45"[..], b"hello", b""]);
        let mut broken = body.clone();
        broken[8] = 0x7F; // part 0 length far past the end
        assert!(split_multipart(&broken).is_err());
        assert!(split_multipart(&[1, 0, 0, 0]).is_err());
        assert!(!is_multipart(
            b"\x03\x01\x6a\x00\x45\x01\x02\x03\x04\x05\x06\x07"
        ));
    }
}
