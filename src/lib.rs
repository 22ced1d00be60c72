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
//! - [`oauth`]: OAuth2 sign-in to Microsoft 365 / Outlook.com and the tokens it keeps.
//! - [`model`]: wire-independent item types the store keeps.
//! - [`sync`]: the engine (hierarchy, items of many folders per request), generic over a transport.
//! - [`store`]: the SQLite database users query (schema in `src/store/schema`, docs/schema.md).
//! - [`mime`]: RFC 5322 messages on their way out (recipients, the header fields sending adds).
//! - [`config`]: the configuration file and where secrets come from.
//! - [`text`]: server text made safe to print (control characters removed).
//! - [`sim`]: the simulated EAS server (demo, reliability tests, benchmarks), on proto + wbxml.
//! - [`serve`]: the local IMAP, SMTP and CalDAV/CardDAV gateway in front of the mirror.
//! - [`cli`]: the command line.

pub mod cli;
pub mod config;
pub mod export;
pub mod http;
pub mod import;
pub mod mime;
pub mod model;
pub mod oauth;
pub mod proto;
pub mod serve;
pub mod sim;
pub mod store;
pub mod sync;
pub mod text;
