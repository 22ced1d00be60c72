//! MoveItems (MS-ASCMD 2.2.1.12): moves items between folders. Not idempotent: after a lost
//! answer, the next Sync of both folders tells where the item is.

use wbxml::tags::move_items as mv;

use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{CollectionId, Command, ProtoError, ProtocolVersion, ServerId};

status_enum! {
    /// MoveItems `Status` (MS-ASCMD 2.2.3.177.10). Note that 3, not 1, is success.
    MoveStatus {
        InvalidSource = 1 => "invalid source collection or item id",
        InvalidDestination = 2 => "invalid destination collection id",
        Success = 3 => "success",
        SameFolder = 4 => "source and destination are the same folder",
        Failure = 5 => "the move failed (for example, the item is locked or too large)",
        Locked = 7 => "the source or destination item was locked",
    }
}

/// One item to move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub src_msg_id: ServerId,
    pub src_fld_id: CollectionId,
    pub dst_fld_id: CollectionId,
}

/// The MoveItems request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveItems {
    pub moves: Vec<Move>,
}

/// The result of one move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveResult {
    pub status: MoveStatus,
    pub src_msg_id: Option<ServerId>,
    /// The item's id in the destination folder.
    pub dst_msg_id: Option<ServerId>,
}

impl Command for MoveItems {
    const NAME: &'static str = "MoveItems";
    const IDEMPOTENT: bool = false;
    type Response = Vec<MoveResult>;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(mv::MOVE_ITEMS)?;
        for m in &self.moves {
            w.start(mv::MOVE)?;
            w.leaf(mv::SRC_MSG_ID, m.src_msg_id.as_str())?;
            w.leaf(mv::SRC_FLD_ID, m.src_fld_id.as_str())?;
            w.leaf(mv::DST_FLD_ID, m.dst_fld_id.as_str())?;
            w.end()?;
        }
        w.end()?;
        w.finish()
    }

    fn decode(&self, body: &[u8], _v: ProtocolVersion) -> Result<Vec<MoveResult>, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(mv::MOVE_ITEMS)?;
        let mut out = Vec::new();
        while let Some(el) = r.child()? {
            if el.tag != mv::RESPONSE {
                r.skip(&el)?;
                continue;
            }
            let (mut status, mut src, mut dst) = (None, None, None);
            while let Some(c) = r.child()? {
                match c.tag {
                    mv::STATUS => status = Some(r.parse(&c)?),
                    mv::SRC_MSG_ID => src = Some(r.parse(&c)?),
                    mv::DST_MSG_ID => dst = Some(r.parse(&c)?),
                    _ => r.skip(&c)?,
                }
            }
            let status = status.ok_or_else(|| r.missing(&el, mv::STATUS))?;
            out.push(MoveResult {
                status,
                src_msg_id: src,
                dst_msg_id: dst,
            });
        }
        r.finish()?;
        Ok(out)
    }
}
