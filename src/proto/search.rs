//! Search (MS-ASCMD 2.2.1.16): the global address list (GAL) and, on servers that allow it,
//! the mailbox. (Exchange answers free-text mailbox searches with 110: use Find on 16.1.)

use wbxml::Element;
use wbxml::tags::{air_sync as s, gal, search as sr};

use super::classes::{ApplicationData, ItemClass, class};
use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion};

status_enum! {
    /// Search `Status` (MS-ASCMD 2.2.3.177.13).
    SearchStatus {
        Success = 1 => "success",
        InvalidRequest = 2 => "the request is invalid",
        ServerError = 3 => "server error",
        BadLink = 4 => "bad link",
        AccessDenied = 5 => "access denied",
        NotFound = 6 => "not found",
        ConnectionFailed = 7 => "connection failed",
        TooComplex = 8 => "the query is too complex",
        TimedOut = 10 => "the search timed out",
        FolderSyncRequired = 11 => "run FolderSync first",
        EndOfRange = 12 => "the end of the retrievable range was reached",
        AccessBlocked = 13 => "access blocked",
        CredentialsRequired = 14 => "credentials are required",
    }
}

class! {
    /// A `Picture` of a GAL entry (14.1+).
    GalPicture {
        status: u16 = gal::STATUS,
        data: String = gal::DATA,
    }
}

class! {
    /// A GAL entry (MS-ASCMD 2.2.3.129.x, Gal page).
    GalEntry {
        display_name: String = gal::DISPLAY_NAME,
        phone: String = gal::PHONE,
        office: String = gal::OFFICE,
        title: String = gal::TITLE,
        company: String = gal::COMPANY,
        alias: String = gal::ALIAS,
        first_name: String = gal::FIRST_NAME,
        last_name: String = gal::LAST_NAME,
        home_phone: String = gal::HOME_PHONE,
        mobile_phone: String = gal::MOBILE_PHONE,
        email_address: String = gal::EMAIL_ADDRESS,
        picture: GalPicture = gal::PICTURE,
    }
}

/// What to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The directory, by a prefix of names and addresses.
    Gal(String),
    /// Free text in the mailbox, optionally within folders and classes.
    Mailbox {
        free_text: String,
        collection_ids: Vec<CollectionId>,
        classes: Vec<ItemClass>,
        deep_traversal: bool,
    },
}

/// The Search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub query: Query,
    /// `first-last`, zero-based (e.g. `0-9`).
    pub range: Option<String>,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchResult {
    Gal(Box<GalEntry>),
    Item {
        class: Option<ItemClass>,
        long_id: Option<String>,
        collection_id: Option<CollectionId>,
        item: ApplicationData,
    },
}

/// The Search response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResponse {
    pub status: Option<SearchStatus>,
    pub store_status: Option<SearchStatus>,
    pub results: Vec<SearchResult>,
    pub range: Option<String>,
    pub total: Option<u32>,
}

impl Command for Search {
    const NAME: &'static str = "Search";
    const IDEMPOTENT: bool = true;
    type Response = SearchResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(sr::SEARCH)?;
        w.start(sr::STORE)?;
        let deep = match &self.query {
            Query::Gal(text) => {
                w.leaf(sr::NAME, "GAL")?;
                w.leaf(sr::QUERY, text)?;
                false
            }
            Query::Mailbox {
                free_text,
                collection_ids,
                classes,
                deep_traversal,
            } => {
                w.leaf(sr::NAME, "Mailbox")?;
                w.start(sr::QUERY)?;
                w.start(sr::AND)?;
                for c in classes {
                    w.leaf(s::CLASS, c.as_str())?;
                }
                for id in collection_ids {
                    w.leaf(s::COLLECTION_ID, id.as_str())?;
                }
                w.leaf(sr::FREE_TEXT, free_text)?;
                w.end()?;
                w.end()?;
                *deep_traversal
            }
        };
        if self.range.is_some() || deep {
            w.start(sr::OPTIONS)?;
            w.opt_leaf(sr::RANGE, self.range.as_deref())?;
            if deep {
                w.empty(sr::DEEP_TRAVERSAL)?;
            }
            w.end()?;
        }
        w.end()?;
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<SearchResponse, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(sr::SEARCH)?;
        let mut resp = SearchResponse::default();
        while let Some(el) = r.child()? {
            match el.tag {
                sr::STATUS => resp.status = Some(r.parse(&el)?),
                sr::RESPONSE => {
                    while let Some(store) = r.child()? {
                        let tree = r.capture(&store)?;
                        read_store(&tree, &mut resp)?;
                    }
                }
                _ => r.skip(&el)?,
            }
        }
        r.finish()?;
        Ok(resp)
    }
}

fn read_store(store: &Element<'_>, resp: &mut SearchResponse) -> Result<(), ProtoError> {
    for c in store.elements() {
        match c.tag {
            sr::STATUS => resp.store_status = c.text().trim().parse().ok(),
            sr::RANGE => resp.range = Some(c.text()),
            sr::TOTAL => resp.total = c.text().trim().parse().ok(),
            sr::RESULT => {
                if let Some(result) = read_result(c)? {
                    resp.results.push(result);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_result(result: &Element<'_>) -> Result<Option<SearchResult>, ProtoError> {
    let mut class = None;
    let mut long_id = None;
    let mut collection_id = None;
    let mut properties = None;
    for c in result.elements() {
        match c.tag {
            s::CLASS => class = ItemClass::from_name(&c.text()),
            sr::LONG_ID => long_id = Some(c.text()),
            s::COLLECTION_ID => collection_id = CollectionId::try_from(c.text()).ok(),
            sr::PROPERTIES => properties = Some(c),
            _ => {}
        }
    }
    let Some(props) = properties else {
        return Ok(None);
    };
    if props
        .elements()
        .next()
        .is_some_and(|e| e.tag.page == gal::DISPLAY_NAME.page)
    {
        let bytes = props.encode().map_err(|source| ProtoError::Encode {
            command: "Search",
            error: source,
        })?;
        let mut r = Reader::new("Search", &bytes)?;
        r.root(sr::PROPERTIES)?;
        return Ok(Some(SearchResult::Gal(Box::new(GalEntry::read_fields(
            &mut r,
        )?))));
    }
    let class = class.or(Some(ItemClass::Email));
    let item = ApplicationData::from_elements("Search", props.elements(), class)?;
    Ok(Some(SearchResult::Item {
        class,
        long_id,
        collection_id,
        item,
    }))
}
