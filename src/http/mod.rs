//! The HTTP layer (MS-ASHTTP): a [`Session`] sends typed commands to one server, with version
//! negotiation, authentication, provisioning, redirects and throttling handled here, and
//! [`autodiscover`] finds the server's URL from an e-mail address.

pub mod autodiscover;
mod autodiscover_pox;
mod autodiscover_v2;
mod client;
mod config;
mod error;
pub mod origin;
pub mod probe;
pub mod query;
mod response;
mod retry;
mod session;
pub mod wirelog;

pub use client::build as build_client;
pub use config::{Auth, Secret, SessionConfig, TlsOptions, TokenError, TokenFuture, TokenSource};
pub use error::HttpError;
pub use retry::{DEFAULT_DELAY, MAX_DELAY, parse_retry_after};
pub use session::{LONG_POLL_MARGIN, MAX_REDIRECTS, ServerOptions, Session};
