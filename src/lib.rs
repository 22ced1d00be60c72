//! easync: an Exchange ActiveSync client that mirrors a mailbox into SQLite.
//!
//! The layers, bytes flowing down (see `../shared/STYLE.md` and the README):
//!
//! ```text
//! cli  →  http / sync / store / export  →  proto  →  wbxml (crate)
//! ```
//!
//! Today the crate holds the command-line front end over the [`wbxml`] codec; the protocol,
//! HTTP, sync, store and export layers arrive with their issues.

pub mod cli;
pub mod http;
pub mod proto;
