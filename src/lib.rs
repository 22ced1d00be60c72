//! easync: an Exchange ActiveSync client that mirrors a mailbox into SQLite.
//!
//! The layers, bytes flowing down (see `../shared/STYLE.md` and the README):
//!
//! ```text
//! cli  →  http / sync / store / export  →  proto  →  wbxml (crate)
//! ```
//!
//! - [`proto`]: typed EAS commands and `ApplicationData` classes over the [`wbxml`] codec; no I/O.
//! - [`http`]: the session that sends them (MS-ASHTTP) and Autodiscover.
//! - [`model`]: wire-independent item types the store keeps.
//! - [`sync`]: the engine (today: the folder hierarchy), generic over a transport.
//! - [`store`]: the SQLite database users query (schema in `src/store/schema`, docs/schema.md).
//! - [`config`]: the configuration file and where secrets come from.
//! - [`cli`]: the command line.
//!
//! The sync engine, store and export layers arrive with their issues.

pub mod cli;
pub mod config;
pub mod http;
pub mod model;
pub mod proto;
pub mod store;
pub mod sync;
