//! The outbox (migration 8, docs/schema.md): messages `easync send` accepted, kept whole until
//! the server has taken them. Each write is one statement (one transaction): a message is
//! queued before any attempt, an attempt is counted before its request goes out, and the row
//! leaves only once the server's acceptance is known — so a crash anywhere leaves the message
//! either on the server or here, and its `client_id` lets the server drop a second copy.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError};

/// What a reply or forward refers to (MS-ASCMD 2.2.3.168 Source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxSource {
    pub folder: String,
    pub item: String,
    /// The mirror's id of the original.
    pub item_id: Option<i64>,
}

/// How a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxCommand {
    Send,
    Reply,
    Forward,
}

impl OutboxCommand {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Reply => "reply",
            Self::Forward => "forward",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "reply" => Self::Reply,
            "forward" => Self::Forward,
            _ => Self::Send,
        }
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub command: OutboxCommand,
    pub source: Option<OutboxSource>,
    pub replace_mime: bool,
    pub save_in_sent: bool,
    pub message_id: Option<String>,
    pub mime: Vec<u8>,
    pub recipients: Vec<String>,
    pub subject: Option<String>,
}

/// A queued or failed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub client_id: String,
    pub command: OutboxCommand,
    pub source: Option<OutboxSource>,
    pub replace_mime: bool,
    pub save_in_sent: bool,
    pub message_id: Option<String>,
    pub recipients: Vec<String>,
    pub subject: Option<String>,
    /// `queued` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub size: i64,
    pub created_at: i64,
}

/// What queueing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// A new row.
    New(i64),
    /// A message with the same Message-ID was queued already (a client that sent again after
    /// a deferral): that row stands, nothing was added.
    Already(i64),
}

impl Queued {
    pub fn id(self) -> i64 {
        match self {
            Self::New(id) | Self::Already(id) => id,
        }
    }
}

const SELECT: &str = "SELECT id, client_id, command, source_folder, source_item, source_item_id, \
     replace_mime, save_in_sent, message_id, recipients, subject, state, attempts, status, \
     error, length(mime), created_at FROM outbox";

fn entry(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let folder: Option<String> = r.get(3)?;
    let item: Option<String> = r.get(4)?;
    let recipients: String = r.get(9)?;
    Ok(OutboxEntry {
        id: r.get(0)?,
        client_id: r.get(1)?,
        command: OutboxCommand::parse(&r.get::<_, String>(2)?),
        source: folder.zip(item).map(|(folder, item)| OutboxSource {
            folder,
            item,
            item_id: r.get(5).ok().flatten(),
        }),
        replace_mime: r.get(6)?,
        save_in_sent: r.get(7)?,
        message_id: r.get(8)?,
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        subject: r.get(10)?,
        state: r.get(11)?,
        attempts: r.get(12)?,
        status: r.get(13)?,
        error: r.get(14)?,
        size: r.get(15)?,
        created_at: r.get(16)?,
    })
}

impl Store {
    /// Queues a message (one transaction). A message whose Message-ID is queued already is
    /// not queued twice; one that failed is replaced.
    pub fn queue_message(&mut self, m: &NewMessage) -> Result<Queued, StoreError> {
        let path = self.path.clone();
        let err = |e| StoreError::Sqlite {
            path: path.clone(),
            source: e,
        };
        let tx = self.transaction()?;
        if let Some(mid) = &m.message_id {
            // A failed message sent again (corrected, by the same program) replaces its record.
            tx.execute(
                "DELETE FROM outbox WHERE message_id = ?1 AND state = 'failed'",
                [mid],
            )
            .map_err(err)?;
            let found: Option<i64> = tx
                .query_row(
                    "SELECT id FROM outbox WHERE message_id = ?1 ORDER BY id LIMIT 1",
                    [mid],
                    |r| r.get(0),
                )
                .optional()
                .map_err(err)?;
            if let Some(id) = found {
                return Ok(Queued::Already(id));
            }
        }
        let source = m.source.as_ref();
        tx.execute(
            "INSERT INTO outbox (client_id, command, source_folder, source_item, source_item_id, \
             replace_mime, save_in_sent, message_id, mime, recipients, subject) \
             VALUES ('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                m.command.as_str(),
                source.map(|s| &s.folder),
                source.map(|s| &s.item),
                source.and_then(|s| s.item_id),
                m.replace_mime,
                m.save_in_sent,
                m.message_id,
                m.mime,
                serde_json::to_string(&m.recipients).unwrap_or_else(|_| "[]".into()),
                m.subject,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        // A ClientId no other install or message has: the row's id and 64 random bits
        // (MS-ASCMD 2.2.3.28.1 allows 40 characters; this is at most 36).
        tx.execute(
            "UPDATE outbox SET client_id = 'easync-' || id || '-' || lower(hex(randomblob(8))) \
             WHERE id = ?1",
            [id],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Queued::New(id))
    }

    /// The queued messages (with `failed` ones too when asked), oldest first.
    pub fn outbox(&self, with_failed: bool) -> Result<Vec<OutboxEntry>, StoreError> {
        let filter = if with_failed {
            ""
        } else {
            " WHERE state = 'queued'"
        };
        self.conn
            .prepare(&format!("{SELECT}{filter} ORDER BY id"))
            .and_then(|mut st| st.query_map([], entry)?.collect())
            .map_err(|e| self.err(e))
    }

    pub fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>, StoreError> {
        self.conn
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], entry)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The message's bytes.
    pub fn outbox_mime(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row("SELECT mime FROM outbox WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Counts an attempt, before its request goes out.
    pub fn outbox_attempt(&mut self, id: i64) -> Result<(), StoreError> {
        self.outbox_exec(
            "UPDATE outbox SET attempts = attempts + 1, updated_at = unixepoch() WHERE id = ?1",
            params![id],
        )
    }

    /// The server took it: the row goes.
    /// Its Message-ID is remembered when the server keeps the Sent Items copy (an IMAP
    /// client's own copy to Sent is then not made twice, `imap_sent`).
    pub fn outbox_sent(&mut self, id: i64) -> Result<(), StoreError> {
        self.outbox_exec(
            "INSERT OR IGNORE INTO imap_sent (message_id) SELECT message_id FROM outbox \
             WHERE id = ?1 AND save_in_sent = 1 AND message_id IS NOT NULL",
            params![id],
        )?;
        self.outbox_exec(
            "DELETE FROM imap_sent WHERE sent_at < unixepoch() - 30 * 86400",
            [],
        )?;
        self.outbox_exec("DELETE FROM outbox WHERE id = ?1", params![id])
    }

    /// Whether easync sent (or is sending) the message `message_id` with the server keeping
    /// the copy in Sent Items.
    pub fn sent_copy_kept(&self, message_id: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM imap_sent WHERE message_id = ?1) OR EXISTS \
                 (SELECT 1 FROM outbox WHERE message_id = ?1 AND save_in_sent = 1)",
                [message_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The last attempt did not get through; the message stays queued.
    pub fn outbox_deferred(&mut self, id: i64, why: &str) -> Result<(), StoreError> {
        self.outbox_exec(
            "UPDATE outbox SET error = ?2, updated_at = unixepoch() WHERE id = ?1",
            params![id, why],
        )
    }

    /// The server refused it: kept as `failed` with the reason, not sent again by itself.
    pub fn outbox_failed(
        &mut self,
        id: i64,
        status: Option<u16>,
        why: &str,
    ) -> Result<(), StoreError> {
        self.outbox_exec(
            "UPDATE outbox SET state = 'failed', status = ?2, error = ?3, \
             updated_at = unixepoch() WHERE id = ?1",
            params![id, status, why],
        )
    }

    /// A reply or forward whose original is gone, sent as a plain message instead.
    pub fn outbox_as_plain(&mut self, id: i64) -> Result<(), StoreError> {
        self.outbox_exec(
            "UPDATE outbox SET command = 'send', source_folder = NULL, source_item = NULL, \
             source_item_id = NULL, updated_at = unixepoch() WHERE id = ?1",
            params![id],
        )
    }

    /// Queues a failed message again; false when there is no such message.
    pub fn outbox_retry(&mut self, id: i64) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET state = 'queued', updated_at = unixepoch() WHERE id = ?1",
                [id],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Removes a message without sending it; false when there is no such message.
    pub fn outbox_drop(&mut self, id: i64) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM outbox WHERE id = ?1", [id])
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// The id of the newest queued message.
    pub fn latest_queued_message(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT max(id) FROM outbox WHERE state = 'queued'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// How many messages are queued and failed.
    pub fn outbox_counts(&self) -> Result<(i64, i64), StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FILTER (WHERE state = 'queued'), \
                 count(*) FILTER (WHERE state = 'failed') FROM outbox",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    fn outbox_exec(&mut self, sql: &str, p: impl rusqlite::Params) -> Result<(), StoreError> {
        self.conn.execute(sql, p).map(drop).map_err(|e| self.err(e))
    }
}

/// The right to send an account's outbox (`DB.send.lock` beside the database), so that
/// `easync send`, `sync` and `watch` never send the same message at once; released when
/// dropped (and by the kernel when a process dies).
#[derive(Debug)]
pub struct SendLock {
    _file: std::fs::File,
}

impl SendLock {
    /// Takes the lock, waiting up to `wait` for another easync to finish sending; `None` if it
    /// is still held then.
    pub fn acquire(
        db: &std::path::Path,
        wait: std::time::Duration,
    ) -> Result<Option<Self>, StoreError> {
        let path = db.with_extension("send.lock");
        super::create_parent(&path)?;
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::create(&path).map_err(io)?;
        let until = std::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(Self { _file: file })),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < until => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
            }
        }
    }
}
