//! Find (16.1, MS-ASCMD 2.2.1.2): free-text search of the mailbox or the GAL; the search that
//! works on Exchange Online where Search answers 110.

use wbxml::tags::{air_sync as s, find as f, item_operations as io};

use super::classes::{ApplicationData, ItemClass};
use super::read::Reader;
use super::search::GalEntry;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, ServerId};

status_enum! {
    /// Find `Status` (MS-ASCMD 2.2.3.177.2), of the `Find` element and of its `Response`. The
    /// causes are those Microsoft's MS-ASCMD test suite checks (`S23_Find`); other codes (and
    /// the common ones) are kept by number.
    FindStatus {
        Success = 1 => "success",
        InvalidRequest = 2 => "one or more of the search parameters is invalid",
        FolderSyncRequired = 3 => "the folder hierarchy is out of date: run FolderSync",
        InvalidRange = 4 => "the requested range does not begin with 0",
    }
}

/// A new SearchId: a random GUID (version 4), the form the FindRequest schema requires
/// (MS-ASCMD 6.7), from the system's random source.
pub fn random_search_id() -> Result<String, std::io::Error> {
    use std::io::Read;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// What to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindQuery {
    Mailbox {
        free_text: String,
        class: ItemClass,
        collection_id: Option<CollectionId>,
        deep_traversal: bool,
    },
    Gal {
        free_text: String,
    },
}

/// The Find request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Find {
    /// A client-chosen id (a GUID) naming the search.
    pub search_id: String,
    pub query: FindQuery,
    pub range: Option<String>,
}

/// A Find result's summary properties (16.1: Preview, HasAttachments, DisplayCc/Bcc on top of
/// the class's elements).
#[derive(Debug, Clone, PartialEq)]
pub struct FindResult {
    pub class: Option<ItemClass>,
    pub server_id: Option<ServerId>,
    pub collection_id: Option<CollectionId>,
    pub preview: Option<String>,
    pub has_attachments: Option<bool>,
    pub display_cc: Option<String>,
    pub display_bcc: Option<String>,
    /// The class elements (subject, sender…) of a mailbox result.
    pub item: Option<ApplicationData>,
    /// A GAL result.
    pub gal: Option<GalEntry>,
}

/// The Find response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FindResponse {
    pub status: Option<FindStatus>,
    pub store: Option<String>,
    pub response_status: Option<FindStatus>,
    pub results: Vec<FindResult>,
    pub range: Option<String>,
    pub total: Option<u32>,
}

impl Command for Find {
    const NAME: &'static str = "Find";
    const IDEMPOTENT: bool = true;
    type Response = FindResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(f::FIND)?;
        w.leaf(f::SEARCH_ID, &self.search_id)?;
        w.start(f::EXECUTE_SEARCH)?;
        let deep = match &self.query {
            FindQuery::Mailbox {
                free_text,
                class,
                collection_id,
                deep_traversal,
            } => {
                w.start(f::MAIL_BOX_SEARCH_CRITERION)?;
                w.start(f::QUERY)?;
                w.leaf(s::CLASS, class.as_str())?;
                w.opt_leaf(s::COLLECTION_ID, collection_id.as_ref())?;
                w.leaf(f::FREE_TEXT, free_text)?;
                w.end()?;
                *deep_traversal
            }
            FindQuery::Gal { free_text } => {
                // The GAL criterion's Query is the text itself (MS-ASCMD 2.2.3.142.1: no
                // child elements, a string).
                w.start(f::GAL_SEARCH_CRITERION)?;
                w.leaf(f::QUERY, free_text)?;
                false
            }
        };
        w.start(f::OPTIONS)?;
        w.opt_leaf(f::RANGE, self.range.as_deref())?;
        if deep {
            w.empty(f::DEEP_TRAVERSAL)?;
        }
        w.end()?;
        w.end()?;
        w.end()?;
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<FindResponse, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(f::FIND)?;
        let mut resp = FindResponse::default();
        while let Some(el) = r.child()? {
            match el.tag {
                f::STATUS => resp.status = Some(r.parse(&el)?),
                f::RESPONSE => {
                    let tree = r.capture(&el)?;
                    for c in tree.elements() {
                        match c.tag {
                            io::STORE => resp.store = Some(c.text()),
                            f::STATUS => resp.response_status = c.text().trim().parse().ok(),
                            f::RANGE => resp.range = Some(c.text()),
                            f::TOTAL => resp.total = c.text().trim().parse().ok(),
                            f::RESULT => resp.results.push(read_result(c)?),
                            _ => {}
                        }
                    }
                }
                _ => r.skip(&el)?,
            }
        }
        r.finish()?;
        Ok(resp)
    }
}

fn read_result(result: &wbxml::Element<'_>) -> Result<FindResult, ProtoError> {
    let mut out = FindResult {
        class: None,
        server_id: None,
        collection_id: None,
        preview: None,
        has_attachments: None,
        display_cc: None,
        display_bcc: None,
        item: None,
        gal: None,
    };
    for c in result.elements() {
        match c.tag {
            s::CLASS => out.class = ItemClass::from_name(&c.text()),
            s::SERVER_ID => out.server_id = ServerId::try_from(c.text()).ok(),
            s::COLLECTION_ID => out.collection_id = CollectionId::try_from(c.text()).ok(),
            f::PROPERTIES => {
                let mut class_elements = Vec::new();
                for p in c.elements() {
                    match p.tag {
                        f::PREVIEW => out.preview = Some(p.text()),
                        f::HAS_ATTACHMENTS => out.has_attachments = Some(p.text().trim() == "1"),
                        f::DISPLAY_CC => out.display_cc = Some(p.text()),
                        f::DISPLAY_BCC => out.display_bcc = Some(p.text()),
                        _ => class_elements.push(p),
                    }
                }
                if class_elements.first().is_some_and(|e| e.tag.page == 16) {
                    let bytes = c.encode().map_err(|source| ProtoError::Encode {
                        command: "Find",
                        error: source,
                    })?;
                    let mut r = Reader::new("Find", &bytes)?;
                    r.root(f::PROPERTIES)?;
                    out.gal = Some(GalEntry::read_fields(&mut r)?);
                } else if !class_elements.is_empty() {
                    let class = out.class.or(Some(ItemClass::Email));
                    out.item = Some(ApplicationData::from_elements(
                        "Find",
                        class_elements,
                        class,
                    )?);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
