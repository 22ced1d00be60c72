//! The exit codes of every command, in one table: the man page's EXIT STATUS section and
//! docs/commands.md are written from it (a test checks the document lists each code).

use super::send::{EX_DATAERR, EX_NOUSER, EX_UNAVAILABLE, EX_USAGE};
use super::{EXIT_AUTH, EXIT_CONFIG, EXIT_FAILURE, EXIT_TEMPORARY};

/// (code, meaning). sysexits(3) names where they apply, so systemd units can set
/// `RestartPreventExitStatus=77 78`.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success"),
    (
        EXIT_FAILURE,
        "failure (a folder the server refused, an item easync could not store, a check `easync doctor` found wrong)",
    ),
    (
        2,
        "usage error: an unknown option or a missing argument (clap)",
    ),
    (EX_USAGE, "easync send: usage error (EX_USAGE)"),
    (
        EX_DATAERR,
        "easync send: standard input is not a message (EX_DATAERR)",
    ),
    (
        EX_NOUSER,
        "easync send: a recipient the server does not know (EX_NOUSER)",
    ),
    (
        EX_UNAVAILABLE,
        "easync send, easync calendar respond: refused by the server, with its reason (EX_UNAVAILABLE)",
    ),
    (
        EXIT_TEMPORARY,
        "temporary: the network, a timeout, HTTP 5xx, throttling, another easync holding the account's lock; retry later (EX_TEMPFAIL)",
    ),
    (
        EXIT_AUTH,
        "a person must act: credentials refused, password expired, device blocked or quarantined, policy refused (EX_NOPERM)",
    ),
    (
        EXIT_CONFIG,
        "configuration error: the file, an unknown key, a bad value, an insecure URL (EX_CONFIG)",
    ),
];
