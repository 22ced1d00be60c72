//! WBXML 1.3 for Exchange ActiveSync.
//!
//! EAS carries every command as WBXML (WAP-192-WBXML 1.3) with the code pages of MS-ASWBXML.
//! This crate has four parts, from the bottom up:
//!
//! - [`codepages`]: every tag of MS-ASWBXML v22.2 (protocol 16.1), the legacy tags and pages,
//!   generated from `codepages.tsv`; constant-time lookups both ways.
//! - [`Decoder`]: a zero-copy pull decoder yielding [`Event`]s that borrow from the input, with
//!   byte offsets in every error and limits on nesting and size. This is the hot path.
//! - [`Encoder`]: writes the canonical form (SWITCH_PAGE only on page changes, STR_I, no
//!   content bit on empty elements), so decode → encode returns canonical input unchanged.
//! - [`Element`]: a small owned tree for tests and debugging, and (feature `xml`, on by
//!   default) the [`xml`] bridge between WBXML and XML text.
//!
//! ```
//! use wbxml::{Decoder, Encoder, Event, Tag};
//!
//! // <FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>
//! let folder_sync = Tag::by_name(7, "FolderSync").unwrap();
//! let sync_key = Tag::by_name(7, "SyncKey").unwrap();
//! let mut enc = Encoder::new();
//! enc.start(folder_sync)?;
//! enc.leaf(sync_key, "0")?;
//! enc.end()?;
//! let bytes = enc.finish()?;
//! assert_eq!(bytes, [0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01]);
//!
//! let mut dec = Decoder::new(&bytes)?;
//! let mut texts = Vec::new();
//! while let Some(event) = dec.next()? {
//!     if let Event::Text(t) = event {
//!         texts.push(t);
//!     }
//! }
//! assert_eq!(texts, ["0"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod codepages;
mod decoder;
mod encoder;
mod error;
mod header;
#[doc(hidden)]
pub mod testing;
pub mod token;
mod tree;

/// Every tag as a constant, one module per code page: `tags::air_sync::SYNC_KEY`,
/// `tags::email::SUBJECT`, `tags::air_sync_base::BODY`. Usable in `match` patterns.
#[allow(missing_docs)]
pub mod tags {
    include!(concat!(env!("OUT_DIR"), "/tags_gen.rs"));
}
#[cfg(feature = "xml")]
pub mod xml;

pub use decoder::{Attribute, Decoder, Event, Limits, StartTag};
pub use encoder::{AttrRef, Encoder, write_mb_u32};
pub use error::{DecodeError, EncodeError};
pub use header::{CHARSET_UTF8, Header, PUBLIC_ID_UNKNOWN, PublicId};
pub use token::Tag;
pub use tree::{Attr, Element, Node};
