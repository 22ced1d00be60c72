//! `easync serve`: Exchange behind standard protocols on loopback — IMAP (`imap`), SMTP
//! submission (`smtp`) and CalDAV/CardDAV (`dav`) — backed by the mirror. Clients read the
//! store; what they change goes into the journal of local changes (sent once, crash-safe, by the
//! `watch` loop that runs in the same process); what they submit goes into the send queue.
//! Clients sign in with a local password ([`auth`]), never the Exchange one.

pub mod auth;
pub mod dav;

pub use auth::LocalAuth;
pub mod imap;
pub mod smtp;
