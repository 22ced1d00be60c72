//! Errors of the protocol layer. A decode error names the command, the element and the byte
//! offset in the response body; statuses the server reports are values, not errors.

use thiserror::Error;
use wbxml::Tag;

/// Why a request could not be encoded or a response could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtoError {
    /// The error is part of the message (not a `source`): printed once, with its offset.
    #[error("{command} response: {error}")]
    Wbxml {
        command: &'static str,
        error: wbxml::DecodeError,
    },
    #[error("{command} response: expected <{expected}> as the root element, found <{found}>")]
    UnexpectedRoot {
        command: &'static str,
        expected: Tag,
        found: Tag,
    },
    #[error("{command} response: <{parent}> at byte {offset} lacks the required <{missing}>")]
    Missing {
        command: &'static str,
        parent: Tag,
        missing: Tag,
        offset: usize,
    },
    #[error(
        "{command} response: <{element}> at byte {offset} has the invalid value {value:?} ({reason})"
    )]
    BadValue {
        command: &'static str,
        element: Tag,
        value: String,
        offset: usize,
        reason: &'static str,
    },
    #[error("{command} request: {error}")]
    Encode {
        command: &'static str,
        error: wbxml::EncodeError,
    },
    #[error("invalid {what} {value:?}: {reason}")]
    Invalid {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
}
