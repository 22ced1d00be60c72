//! The local store (rusqlite, bundled SQLite): schema in `.sql` files applied by `PRAGMA
//! user_version` migrations, WAL journal, foreign keys on, one writer per account (a lock
//! file). Users query the database directly: docs/schema.md describes it.
//!
//! The store knows plain values (and, later, the model types), never wire structs; every write
//! that belongs to one sync step goes through one [`rusqlite::Transaction`].

mod classes;
mod contacts;
mod dav;
mod dav_refresh;
mod diagnose;
mod events;
mod export;
mod folders;
mod imap;
mod items;
mod journal;
mod journal_lookup;
mod journal_write;
mod migrate;
mod outbox;
mod put;
mod query;
mod watch;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, params};
use thiserror::Error;

pub use contacts::ContactCard;
pub use dav::{DavBody, DavResource, DavSpan};
pub use diagnose::{Diagnosis, diagnose};
pub use events::EventFacts;
pub use export::RawItem;
pub use folders::{StoredFolder, delete_folder, set_folder_sync_key, upsert_folder};
pub use imap::{ImapFolder, ImapMessage, ImapSearchFields};
pub use items::{DELETION_JOURNAL, InstanceChange, ItemOp, RawRecord, StepCounts, SyncStep};
pub use journal::{JournalCounts, JournalEntry, JournalOutcome, NewChange, Outcome};
pub use journal_lookup::{HeldItem, MailState};
pub use migrate::{MIGRATIONS, SCHEMA_VERSION};
pub use outbox::{NewMessage, OutboxCommand, OutboxEntry, OutboxSource, Queued, SendLock};
pub use query::{FolderStatus, MailDetail, MailRow};
pub use watch::{ChangeMark, ItemEvent, ItemEventKind};

/// Why the store cannot be used.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this easync knows ({known}): \
         upgrade easync"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no item {0} in the mirror (ids are the first column of `easync mail list` and `easync mail search`)"
    )]
    NoSuchItem(i64),
    #[error(
        "another easync is already syncing this account (lock {path} is held): wait for it, or \
         stop it"
    )]
    Locked { path: PathBuf },
}

/// The account's protocol state (table `account`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountState {
    pub device_id: Option<String>,
    pub protocol_version: Option<String>,
    pub base_url: Option<String>,
    pub policy_key: Option<u32>,
    pub foldersync_key: Option<String>,
    /// Unix time before which no request may be sent.
    pub throttle_until: Option<i64>,
}

/// An open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The exclusive right to write an account's store; released when dropped.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
    path: PathBuf,
}

impl WriterLock {
    /// Takes `DB.lock` next to the database, failing at once if another process holds it.
    pub fn acquire(db: &Path) -> Result<Self, StoreError> {
        let path = db.with_extension("lock");
        create_parent(&path)?;
        let file = File::create(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked { path }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Io { path, source }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn create_parent(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        create_parent(path)?;
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        migrate::run(&mut store.conn, path)?;
        Ok(store)
    }

    /// An in-memory database (tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut store = Self { conn, path };
        store.configure()?;
        migrate::run(&mut store.conn, Path::new(":memory:"))?;
        Ok(store)
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(Duration::from_secs(10))
            .map_err(|e| self.err(e))?;
        // Switching a new database to WAL needs it alone for a moment, and SQLite answers
        // "database is locked" at once, without waiting, when another process is doing the
        // same (`watch` and `send` started together): try again for as long as the busy timeout.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match self.conn.execute_batch("PRAGMA journal_mode = WAL;") {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other.map_err(|e| self.err(e))?,
            }
        }
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| self.err(e))
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Where the database is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for the few places that query directly (tests, diagnostics).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Starts the one transaction a sync step writes in.
    pub fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        let path = self.path.clone();
        self.conn
            .transaction()
            .map_err(|source| StoreError::Sqlite { path, source })
    }

    /// The account's protocol state.
    pub fn account(&self) -> Result<AccountState, StoreError> {
        diagnose::read_account(&self.conn).map_err(|e| self.err(e))
    }

    /// When the server was told what this device is (DeviceInformation); `None`: not yet.
    pub fn device_described_at(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT device_described_at FROM account WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }

    /// Remembers that the server has the device's description (one statement: its own
    /// transaction).
    pub fn set_device_described(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE account SET device_described_at = unixepoch() WHERE id = 1",
                [],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }
}

impl Store {
    /// Writes the account's protocol state in a transaction of its own.
    pub fn save_account(&mut self, a: &AccountState) -> Result<(), StoreError> {
        let tx = self.transaction()?;
        set_account(&tx, a)
            .and_then(|()| tx.commit())
            .map_err(|e| self.err(e))
    }
}

/// Writes the account's protocol state inside a transaction.
pub fn set_account(tx: &rusqlite::Transaction<'_>, a: &AccountState) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE account SET device_id = ?1, protocol_version = ?2, base_url = ?3, policy_key = ?4, \
         foldersync_key = ?5, throttle_until = ?6, updated_at = unixepoch() WHERE id = 1",
        params![
            a.device_id,
            a.protocol_version,
            a.base_url,
            a.policy_key,
            a.foldersync_key,
            a.throttle_until
        ],
    )
    .map(|_| ())
}
