//! The sync engine. It owns the small traits it needs — [`Transport`] (send a command) and the
//! store functions it calls inside one transaction per step — and plans purely before it
//! applies: every step's changes commit together with the key that acknowledges them, or not
//! at all, so a crash at any point leaves a store the next run resumes from.
//!
//! The folder hierarchy (FolderSync, with Status 9 recovery), the items of many folders per
//! Sync request (paging, Status 3/12 recovery, the no-progress and mass-deletion guards), and
//! when a failed run is tried again ([`retry`]).

pub mod account;
pub mod convert;
pub mod device;
pub mod estimate;
pub mod fetch;
pub mod files;
pub mod hierarchy;
pub mod items;
mod lane;
mod lane_setup;
pub mod local;
pub mod merge;
pub mod moves;
pub mod outgoing;
mod outgoing_answers;
mod outgoing_files;
mod outgoing_mail;
pub mod plan;
pub mod push;
pub mod retry;
pub mod run;
pub mod send;
pub mod store;
pub mod to_proto;

use thiserror::Error;

use crate::http::{HttpError, Session};
use crate::proto::Command;
use crate::store::StoreError;

/// Sends commands to the server. Implemented by [`Session`]; tests use scripted fakes.
#[allow(async_fn_in_trait)] // used with concrete types only, never as `dyn`
pub trait Transport {
    async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError>;
}

impl Transport for Session {
    async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError> {
        Session::execute(self, cmd).await
    }
}

/// Why a sync step did not complete. The store is consistent in every case.
#[derive(Debug, Error)]
pub enum SyncError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the folder hierarchy changed on the server (status 12): run FolderSync, then sync again"
    )]
    HierarchyChanged,
    #[error(
        "the server would delete {deletes} of the {held} items of {folder} in this run{}; the \
         response that would do it and the rest of {folder} were not applied, its key stays. If \
         that is right, run again with --allow-deletions",
        if *applied == 0 { String::new() } else { format!(" ({applied} already applied from earlier responses)") }
    )]
    MassDeletion {
        folder: String,
        deletes: usize,
        held: usize,
        /// Removals of this folder applied earlier in the run (before the guard tripped).
        applied: usize,
    },
    /// The server asks to try again later (Status 5/16 that persisted).
    #[error("{0}")]
    Temporary(String),
    /// Several folders failed; the others were synced.
    #[error("{} folders could not be synced (the others were): {}", .0.len(),
        .0.iter().map(|(f, e)| format!("{f}: {e}")).collect::<Vec<_>>().join("; "))]
    Folders(Vec<(String, SyncError)>),
    #[error("{0}")]
    Server(String),
    /// A local change that cannot be made (nothing was recorded).
    #[error("{0}")]
    Refused(String),
}

impl SyncError {
    /// Whether trying again later may succeed (network, throttling, Status 5/16).
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::Http(e) => e.is_temporary(),
            Self::Temporary(_) => true,
            Self::Folders(all) => all.iter().all(|(_, e)| e.is_temporary()),
            _ => false,
        }
    }
}
