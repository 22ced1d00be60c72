//! GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes wait in each collection.

use wbxml::tags::{air_sync as s, get_item_estimate as gie};

use super::classes::ItemClass;
use super::read::Reader;
use super::status::status_enum;
use super::sync::FilterType;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, SyncKey};

status_enum! {
    /// GetItemEstimate `Status` (MS-ASCMD 2.2.3.177.7).
    EstimateStatus {
        Success = 1 => "success",
        InvalidCollection = 2 => "a collection is invalid or does not exist",
        NotPrimed = 3 => "the sync state is not primed: Sync with key 0 first",
        InvalidSyncKey = 4 => "the synchronization key is invalid",
    }
}

/// One collection to estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstimateCollection {
    pub sync_key: SyncKey,
    pub collection_id: CollectionId,
    /// The collection's class; sent on 12.1, where it is required.
    pub class: Option<ItemClass>,
    /// Must match the FilterType of the collection's Sync.
    pub filter_type: Option<FilterType>,
}

/// The GetItemEstimate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetItemEstimate {
    pub collections: Vec<EstimateCollection>,
}

/// The estimate for one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    pub status: EstimateStatus,
    pub class: Option<ItemClass>,
    pub collection_id: Option<CollectionId>,
    /// The number of changes waiting.
    pub estimate: Option<u32>,
}

impl Command for GetItemEstimate {
    const NAME: &'static str = "GetItemEstimate";
    const IDEMPOTENT: bool = true;
    type Response = Vec<Estimate>;

    fn encode(&self, version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(gie::GET_ITEM_ESTIMATE)?;
        w.start(gie::COLLECTIONS)?;
        for c in &self.collections {
            w.start(gie::COLLECTION)?;
            if version < ProtocolVersion::V14_0 {
                // 12.1: Class, CollectionId, FilterType, SyncKey, all in this order.
                w.opt_leaf(gie::CLASS, c.class.map(ItemClass::as_str))?;
                w.leaf(gie::COLLECTION_ID, c.collection_id.as_str())?;
                w.opt_leaf(s::FILTER_TYPE, c.filter_type.map(|f| f.code()))?;
                w.leaf(s::SYNC_KEY, c.sync_key.as_str())?;
            } else {
                w.leaf(s::SYNC_KEY, c.sync_key.as_str())?;
                w.leaf(gie::COLLECTION_ID, c.collection_id.as_str())?;
                if let Some(f) = c.filter_type {
                    w.start(s::OPTIONS)?;
                    w.leaf(s::FILTER_TYPE, &f.code().to_string())?;
                    w.end()?;
                }
            }
            w.end()?;
        }
        w.end()?;
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _version: ProtocolVersion) -> Result<Vec<Estimate>, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(gie::GET_ITEM_ESTIMATE)?;
        let mut out = Vec::new();
        while let Some(el) = r.child()? {
            if el.tag != gie::RESPONSE {
                r.skip(&el)?;
                continue;
            }
            let mut est = Estimate {
                status: EstimateStatus::Unknown(0),
                class: None,
                collection_id: None,
                estimate: None,
            };
            while let Some(c) = r.child()? {
                match c.tag {
                    gie::STATUS => est.status = r.parse(&c)?,
                    gie::COLLECTION => read_collection(&mut r, &mut est)?,
                    _ => r.skip(&c)?,
                }
            }
            out.push(est);
        }
        r.finish()?;
        Ok(out)
    }
}

fn read_collection(r: &mut Reader<'_>, est: &mut Estimate) -> Result<(), ProtoError> {
    while let Some(c) = r.child()? {
        match c.tag {
            gie::CLASS => est.class = ItemClass::from_name(&r.text(&c)?),
            gie::COLLECTION_ID => est.collection_id = Some(r.parse(&c)?),
            gie::ESTIMATE => est.estimate = Some(r.parse(&c)?),
            _ => r.skip(&c)?,
        }
    }
    Ok(())
}
