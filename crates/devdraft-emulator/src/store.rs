//! The SQLite store: customers, idempotency records and the audit trail, one file (WAL).
//!
//! A create writes its customer, its idempotency record and its audit row together, so a crash
//! leaves all three or none. WAL with `synchronous=NORMAL` keeps every committed transaction
//! through a killed process (only a power loss can take the last ones).
//!
//! One thread owns the connection and takes work in arrival order (fair, unlike a mutex). It
//! runs whatever has queued up in one transaction, each write in its own savepoint, and
//! answers only after the commit: group commit, so a busy emulator pays for one commit per
//! batch, never acknowledges what is not committed, and keeps latency even.

use std::{
    path::Path,
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use devdraft_api::Customer;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use tokio::sync::oneshot;

/// Why the store failed. Reported as a 500 without details; the details go to the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("emulator database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database thread is gone (it only stops when the store is dropped).
    #[error("emulator database thread stopped")]
    Stopped,
    /// A batch could not commit for want of room (an in-memory database past its 1 GiB, or
    /// a full disk): every create in it is refused.
    #[error("emulator database: no room left to commit")]
    Full,
    /// A batch could not commit for another reason (the error is logged once, for the batch).
    #[error("emulator database: the batch failed to commit")]
    NotCommitted,
}

impl StoreError {
    /// Whether the database has no room left (an in-memory database past its 1 GiB, or a
    /// full disk).
    pub fn is_full(&self) -> bool {
        match self {
            StoreError::Full => true,
            StoreError::Sqlite(error) => error.sqlite_error_code() == Some(ErrorCode::DiskFull),
            _ => false,
        }
    }
}

/// A customer to insert (already validated and normalized).
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// The customer as the 201 body will show it.
    pub customer: Customer,
}

/// An idempotency key and the request it was first used with (canonical JSON).
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    /// The client key the idempotency key belongs to.
    pub client_key: String,
    /// The idempotency key.
    pub key: String,
    /// The request body, canonical JSON.
    pub request: String,
}

/// What a create leaves in the audit trail.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The client key (an identifier, never the secret).
    pub client_key: String,
    /// The caller's IP address, when known.
    pub ip: Option<String>,
    /// The caller's `User-Agent`.
    pub user_agent: Option<String>,
    /// The idempotency key, when given.
    pub idempotency_key: Option<String>,
}

/// A stored response, replayed for a repeated idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// The same request: its original status and body.
    Replay {
        /// The original status.
        status: u16,
        /// The original body.
        body: String,
    },
    /// The key was used with another request.
    Mismatch,
}

/// The outcome of an insert.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// Created.
    Created(Box<Customer>),
    /// The app already has a customer with this email (case-insensitive).
    DuplicateEmail,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    email TEXT,
    email_lower TEXT,
    phone_number TEXT NOT NULL,
    customer_type TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS customers_email ON customers (app_id, email_lower)
    WHERE email_lower IS NOT NULL;
CREATE INDEX IF NOT EXISTS customers_app ON customers (app_id, seq);
CREATE INDEX IF NOT EXISTS customers_status ON customers (app_id, status, seq);
-- Substring search on the lower-cased full name: trigrams of `name_lower` (already folded by
-- Rust, so the index folds nothing itself and matches exactly what instr() matched).
CREATE VIRTUAL TABLE IF NOT EXISTS customers_name USING fts5(
    name_lower, content='customers', content_rowid='seq', tokenize='trigram case_sensitive 1'
);
-- How far the name index has caught up: customers up to this seq are in it. It is filled
-- after the creates' own commits, in chunks (see `index_names`).
CREATE TABLE IF NOT EXISTS name_index (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    indexed_seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO name_index (id, indexed_seq) VALUES (0, 0);
-- Customers per app and status, so a list's total is one lookup, not a count of the table.
CREATE TABLE IF NOT EXISTS customer_counts (
    app_id TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (app_id, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
    client_key TEXT NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_unix INTEGER NOT NULL,
    PRIMARY KEY (client_key, key)
);
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_unix);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    client_key TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    idempotency_key TEXT,
    customer_id TEXT,
    status INTEGER NOT NULL
);
";

/// The schema version this code writes (`PRAGMA user_version`): 1 added the name index and
/// the counts, 2 fills the name index after the creates' commits ([`index_names`]).
const SCHEMA_VERSION: i64 = 2;

/// Counts the customers per app and status again, from the table (one transaction).
const RECOUNT: &str = "BEGIN IMMEDIATE;
    DELETE FROM customer_counts;
    INSERT INTO customer_counts (app_id, status, n)
        SELECT app_id, status, count(*) FROM customers GROUP BY app_id, status;
    COMMIT;";

/// Brings a database written by an older emulator up to [`SCHEMA_VERSION`].
fn migrate(connection: &Connection) -> Result<(), StoreError> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version < 1 {
        // Indexed from scratch below, in chunks like any backlog.
        connection.execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO customers_name(customers_name) VALUES ('delete-all');
             UPDATE name_index SET indexed_seq = 0;
             COMMIT;",
        )?;
        connection.execute_batch(RECOUNT)?;
    } else if version < 2 {
        // Version 1 indexed each name in its create's transaction: all are in.
        connection.execute_batch(
            "UPDATE name_index SET indexed_seq = (SELECT coalesce(max(seq), 0) FROM customers);",
        )?;
    }
    if version < SCHEMA_VERSION {
        while index_names(connection)? {}
        connection.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(())
}

/// Customers the name index takes per transaction: large enough that the index gets few, big
/// segments to merge, small enough that a chunk holds the writer for a few milliseconds.
const NAME_CHUNK: i64 = 1024;

/// Adds the next chunk of customers not yet in the name index, in a transaction of its own;
/// whether any are left.
///
/// Measured at a million customers, indexing each name in its create's transaction (one FTS5
/// segment per batch, merged again and again) cut creates from 23,000-27,000/s to
/// 14,000-19,000/s and raised p99 from 7-9 ms to 23-30 ms. Chunked, the index gets a segment
/// per 1,024 names; a list by name also scans the few customers not yet indexed, so it still
/// finds a customer the moment it is created.
fn index_names(connection: &Connection) -> Result<bool, StoreError> {
    // Rolled back if anything below fails (when dropped uncommitted).
    let transaction = immediate(connection)?;
    let from: i64 =
        transaction.query_row("SELECT indexed_seq FROM name_index", [], |row| row.get(0))?;
    let to: Option<i64> = transaction
        .prepare_cached(
            "SELECT max(seq) FROM (SELECT seq FROM customers WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
        )?
        .query_row(params![from, NAME_CHUNK], |row| row.get(0))?;
    let Some(to) = to else {
        return Ok(false);
    };
    transaction
        .prepare_cached(
            "INSERT INTO customers_name (rowid, name_lower)
             SELECT seq, name_lower FROM customers WHERE seq > ?1 AND seq <= ?2",
        )?
        .execute(params![from, to])?;
    transaction
        .prepare_cached("UPDATE name_index SET indexed_seq = ?1")?
        .execute(params![to])?;
    let more: bool = transaction
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM customers WHERE seq > ?1)")?
        .query_row(params![to], |row| row.get(0))?;
    transaction.commit()?;
    Ok(more)
}

/// A write transaction of its own (the writer lock taken at once), for upkeep between batches.
fn immediate(connection: &Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    rusqlite::Transaction::new_unchecked(connection, rusqlite::TransactionBehavior::Immediate)
}

/// A unit of work for the database thread: it runs on the connection (inside the batch's
/// transaction) and returns what to do once the batch is committed or has failed.
type Job = Box<dyn FnOnce(&Connection) -> Reply + Send>;
/// Told how its batch ended: committed, or why not.
type Reply = Box<dyn FnOnce(Result<(), Uncommitted>) + Send>;

/// Why a batch did not commit.
#[derive(Debug, Clone, Copy)]
enum Uncommitted {
    /// No room (SQLite's "database or disk is full"), which memdb reports at commit.
    Full,
    /// Anything else.
    Failed,
}

/// The most jobs one transaction takes.
const BATCH: usize = 256;

/// The database, owned by one thread.
pub struct Store {
    jobs: mpsc::Sender<Job>,
    /// Dropped with the store, which stops the checkpoint thread.
    _checkpoints: Option<mpsc::Sender<()>>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`; `:memory:` keeps it in memory.
    /// Idempotency records older than `idempotency_ttl` are purged in the background.
    pub fn open(path: &Path, idempotency_ttl: Duration) -> Result<Store, StoreError> {
        let in_memory = path.as_os_str() == ":memory:";
        let connection = if in_memory {
            open_in_memory()?
        } else {
            let connection = Connection::open(path)?;
            connection.pragma_update(None, "journal_mode", "WAL")?;
            connection
        };
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints run beside the writer (see `checkpoint`): run by the committing thread,
        // as SQLite does by default, each one stalled every create queued behind it.
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        // A log that was reset is cut back to this size rather than kept at its largest.
        connection.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        // Each filter combination of a list is a statement of its own: room for all of them
        // beside the create's, so none is prepared again and again.
        connection.set_prepared_statement_cache_capacity(64);
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.execute_batch(SCHEMA)?;
        migrate(&connection)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("emulator-db".to_owned())
            .spawn(move || work(&connection, &queue, idempotency_ttl))
            .map_err(|_| StoreError::Stopped)?;
        let checkpoints = if in_memory {
            None
        } else {
            let connection = Connection::open(path)?;
            let (stop, stopped) = mpsc::channel();
            thread::Builder::new()
                .name("emulator-checkpoint".to_owned())
                .spawn(move || checkpoint(&connection, &stopped))
                .map_err(|_| StoreError::Stopped)?;
            Some(stop)
        };
        Ok(Store {
            jobs,
            _checkpoints: checkpoints,
        })
    }

    /// Runs `f` on the database thread and waits for its batch to commit.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let result = f(connection);
            Box::new(move |committed| {
                let _ = reply.send(match committed {
                    Ok(()) => result,
                    Err(Uncommitted::Full) => Err(StoreError::Full),
                    Err(Uncommitted::Failed) => Err(StoreError::NotCommitted),
                });
            })
        });
        self.jobs.send(job).map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// The stored response for `record`'s key, if it is younger than `ttl_secs`.
    pub async fn lookup(
        &self,
        record: IdempotencyRecord,
        now_unix: i64,
        ttl_secs: i64,
    ) -> Result<Option<Stored>, StoreError> {
        self.run(move |connection| {
            let row: Option<(String, u16, String, i64)> = connection
                .prepare_cached(
                    "SELECT request, status, body, created_unix FROM idempotency WHERE client_key = ?1 AND key = ?2",
                )?
                .query_row(params![record.client_key, record.key], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .optional()?;
            Ok(match row {
                Some((_, _, _, created)) if now_unix - created >= ttl_secs => None,
                Some((request, status, body, _)) if request == record.request => Some(Stored::Replay { status, body }),
                Some(_) => Some(Stored::Mismatch),
                None => None,
            })
        })
        .await
    }

    /// Inserts a customer, its idempotency record (with the response `respond` builds) and its
    /// audit row, all or nothing.
    pub async fn insert(
        &self,
        new: NewCustomer,
        idempotency: Option<IdempotencyRecord>,
        audit: Audit,
        now_unix: i64,
        respond: fn(&Inserted) -> (u16, String),
    ) -> Result<(Inserted, String), StoreError> {
        self.run(move |connection| {
            // Each create is its own savepoint: a failure undoes it alone, not its batch.
            connection.execute_batch("SAVEPOINT create_customer")?;
            let result = insert(
                connection,
                &new,
                idempotency.as_ref(),
                &audit,
                now_unix,
                respond,
            );
            let end = match result {
                Ok(_) => "RELEASE create_customer",
                Err(_) => "ROLLBACK TO create_customer; RELEASE create_customer",
            };
            connection.execute_batch(end)?;
            result
        })
        .await
    }

    /// One customer of `app_id` by id.
    pub async fn get(&self, app_id: String, id: String) -> Result<Option<Customer>, StoreError> {
        self.run(move |connection| {
            Ok(connection
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM customers WHERE app_id = ?1 AND id = ?2"
                ))?
                .query_row(params![app_id, id], row_to_customer)
                .optional()?)
        })
        .await
    }

    /// A page of `app_id`'s customers matching `filter`, in creation order, and the total.
    pub async fn list(
        &self,
        app_id: String,
        filter: Filter,
    ) -> Result<(Vec<Customer>, u64), StoreError> {
        self.run(move |connection| list(connection, &app_id, &filter))
            .await
    }
}

/// One list query, written for the filters given so that each runs on an index: the email
/// index for an email, the name trigrams for a name of three characters or more (a shorter one
/// is searched row by row, as a trigram cannot match it), the status index for a status, and
/// creation order otherwise; the total comes from the counts when only the status (or nothing)
/// filters. Skipping is still a walk over the skipped rows of the index.
fn list(
    connection: &Connection,
    app_id: &str,
    filter: &Filter,
) -> Result<(Vec<Customer>, u64), StoreError> {
    let name = filter.name.as_deref().map(str::to_lowercase);
    let email = filter.email.as_deref().map(str::to_lowercase);
    let mut condition = String::from("app_id = :app");
    let mut values: Vec<(&str, &dyn rusqlite::ToSql)> = vec![(":app", &app_id)];
    if let Some(status) = &filter.status {
        condition.push_str(" AND status = :status");
        values.push((":status", status));
    }
    if let Some(email) = &email {
        condition.push_str(" AND email_lower = :email");
        values.push((":email", email));
    }
    // A phrase of trigrams is a substring; `"` is the only character to escape in one.
    let phrase = name
        .as_deref()
        .filter(|name| name.chars().count() >= 3)
        .map(|name| format!("\"{}\"", name.replace('"', "\"\"")));
    match (&name, &phrase) {
        (Some(name), Some(phrase)) => {
            // The index, and the few customers it has not taken in yet.
            condition.push_str(
                " AND seq IN (SELECT rowid FROM customers_name WHERE customers_name MATCH :phrase
                     UNION ALL SELECT seq FROM customers
                     WHERE seq > (SELECT indexed_seq FROM name_index) AND instr(name_lower, :name) > 0)",
            );
            values.push((":phrase", phrase));
            values.push((":name", name));
        }
        (Some(name), None) => {
            condition.push_str(" AND instr(name_lower, :name) > 0");
            values.push((":name", name));
        }
        (None, _) => {}
    }
    let total: u64 = if name.is_none() && email.is_none() {
        connection
            .prepare_cached(
                "SELECT coalesce(sum(n), 0) FROM customer_counts
                 WHERE app_id = ?1 AND (?2 IS NULL OR status = ?2)",
            )?
            .query_row(params![app_id, filter.status], |row| row.get(0))?
    } else {
        connection
            .prepare_cached(&format!("SELECT count(*) FROM customers WHERE {condition}"))?
            .query_row(values.as_slice(), |row| row.get(0))?
    };
    let (take, skip) = (filter.take, filter.skip);
    values.push((":take", &take));
    values.push((":skip", &skip));
    let page = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM customers WHERE {condition} ORDER BY seq LIMIT :take OFFSET :skip"
        ))?
        .query_map(values.as_slice(), row_to_customer)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((page, total))
}

/// A database in memory, through SQLite's `memdb` VFS rather than `:memory:`.
///
/// A `:memory:` database lives in its page cache, which cannot evict, and SQLite scans the
/// whole cache at every commit (`pcache1TruncateUnsafe`, from `pager_end_transaction`), so each
/// commit cost more as the data grew: creates fell from about 21,000 to 7,000 a second within a
/// few hundred thousand customers. `memdb` keeps the database as an in-memory file under an
/// ordinary, bounded page cache, and a commit costs the same at any size. Its image is capped
/// at 1 GiB (SQLite's default for `memdb`): about two million customers; past it, creates
/// fail with "database or disk is full" (use a file database).
fn open_in_memory() -> Result<Connection, StoreError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    // One database per store: a name starting with `/` is shared by the connections of this
    // process that open it, so each store names its own.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "file:/devdraft-emulator-{}-{}?vfs=memdb",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let connection = Connection::open_with_flags(
        name,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // No file to write a journal to: rollbacks (a savepoint's, for a duplicate email) work
    // from memory.
    connection.pragma_update(None, "journal_mode", "MEMORY")?;
    Ok(connection)
}

/// The database thread: takes what has queued up, runs it in one transaction, commits, then
/// answers. Ends when the store (the only sender) is dropped.
fn work(connection: &Connection, queue: &mpsc::Receiver<Job>, idempotency_ttl: Duration) {
    let mut upkeep = Upkeep {
        unindexed: 0,
        names_behind: true,
        index_failing: false,
        index_retry: Instant::now(),
        ttl_secs: i64::try_from(idempotency_ttl.as_secs()).unwrap_or(i64::MAX),
        next_purge: Instant::now(),
    };
    loop {
        let first = match queue.recv_timeout(upkeep.wait()) {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                upkeep.idle(connection);
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(BATCH - 1));
        let jobs = batch.len();
        let began = connection.execute_batch("BEGIN IMMEDIATE");
        let replies: Vec<Reply> = batch.into_iter().map(|job| job(connection)).collect();
        let committed = match began.and_then(|()| connection.execute_batch("COMMIT")) {
            Ok(()) => Ok(()),
            Err(error) => {
                let _ = connection.execute_batch("ROLLBACK");
                tracing::error!(%error, "emulator database: a batch failed to commit");
                Err(if error.sqlite_error_code() == Some(ErrorCode::DiskFull) {
                    Uncommitted::Full
                } else {
                    Uncommitted::Failed
                })
            }
        };
        for reply in replies {
            reply(committed);
        }
        if committed.is_ok() {
            upkeep.after_batch(connection, jobs);
        }
    }
}

/// The database thread's own work between batches, each step short so creates never wait
/// long behind it: the name index's backlog ([`index_names`]), the purge of expired
/// idempotency records ([`purge_expired`]) and a checkpoint that lets the log start over.
struct Upkeep {
    /// Creates since the name index last caught up (counted generously: one per job).
    unindexed: i64,
    /// Whether the name index may be behind.
    names_behind: bool,
    /// Whether indexing failed last time, and when to try again.
    index_failing: bool,
    index_retry: Instant,
    ttl_secs: i64,
    /// When to look for expired idempotency records next.
    next_purge: Instant,
}

impl Upkeep {
    /// How long the thread may wait for work before its upkeep is due.
    fn wait(&self) -> Duration {
        if self.names_behind {
            Duration::from_millis(20)
        } else {
            self.next_purge
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        }
    }

    /// Idle: a chunk of the name index, then the once-a-second work if it is due.
    fn idle(&mut self, connection: &Connection) {
        if self.names_behind {
            self.index(connection);
        }
        self.once_a_second(connection);
    }

    /// After a batch: a chunk of the name index once a chunk's worth has been created, and the
    /// once-a-second work if it is due.
    fn after_batch(&mut self, connection: &Connection, jobs: usize) {
        self.unindexed += i64::try_from(jobs).unwrap_or(i64::MAX);
        self.names_behind = true;
        if self.unindexed >= NAME_CHUNK {
            self.index(connection);
        }
        self.once_a_second(connection);
    }

    fn index(&mut self, connection: &Connection) {
        if Instant::now() < self.index_retry {
            return;
        }
        match index_names(connection) {
            Ok(more) => {
                self.index_failing = false;
                self.unindexed = if more { NAME_CHUNK } else { 0 };
                self.names_behind = more;
            }
            // A list by name still scans what is not indexed. Tried again in a second, and
            // said once, not at every try.
            Err(error) => {
                if !self.index_failing {
                    tracing::warn!(%error, "emulator database: indexing names failed");
                }
                self.index_failing = true;
                self.index_retry = Instant::now() + Duration::from_secs(1);
            }
        }
    }

    /// Once a second: the purge of expired idempotency records, and a checkpoint.
    fn once_a_second(&mut self, connection: &Connection) {
        if Instant::now() < self.next_purge {
            return;
        }
        let now = i64::try_from(devdraft_api::rate_limit::now_unix()).unwrap_or(i64::MAX);
        let more =
            purge_expired(connection, now.saturating_sub(self.ttl_secs)).unwrap_or_else(|error| {
                tracing::warn!(%error, "emulator database: purging idempotency records failed");
                false
            });
        // A backlog goes on after the next batch; otherwise once a second.
        self.next_purge = Instant::now() + if more { Duration::ZERO } else { PURGE_EVERY };
        // The checkpoint thread copies the log as it grows, but under a steady stream of
        // creates it never finds the log fully copied, and only then does the next write
        // start the log over: a ten-million-record import grew it to 58 GB. Between batches
        // the writer itself finishes the copy (what is left since the last passive
        // checkpoint, a tenth of a second's worth), so the next batch starts the log over.
        if let Err(error) = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
            tracing::warn!(%error, "emulator database checkpoint failed");
        }
    }
}

/// How often expired idempotency records are looked for.
const PURGE_EVERY: Duration = Duration::from_secs(1);
/// Expired idempotency records deleted per transaction.
const PURGE_CHUNK: usize = 1000;

/// Deletes up to [`PURGE_CHUNK`] idempotency records created at or before `cutoff_unix` (a
/// lookup already treats them as absent); whether more are left.
fn purge_expired(connection: &Connection, cutoff_unix: i64) -> Result<bool, StoreError> {
    let transaction = immediate(connection)?;
    let deleted = transaction
        .prepare_cached(
            "DELETE FROM idempotency WHERE rowid IN (
                 SELECT rowid FROM idempotency WHERE created_unix <= ?1
                 ORDER BY created_unix LIMIT ?2)",
        )?
        .execute(params![cutoff_unix, PURGE_CHUNK])?;
    transaction.commit()?;
    Ok(deleted == PURGE_CHUNK)
}

/// Copies the write-ahead log into the database ten times a second, without blocking the writer
/// (PASSIVE), so the log stays small; ends when the store is dropped.
fn checkpoint(connection: &Connection, stopped: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) =
        stopped.recv_timeout(Duration::from_millis(100))
    {
        if let Err(error) = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
            tracing::warn!(%error, "emulator database checkpoint failed");
        }
    }
}

fn insert(
    connection: &Connection,
    new: &NewCustomer,
    idempotency: Option<&IdempotencyRecord>,
    audit: &Audit,
    now_unix: i64,
    respond: fn(&Inserted) -> (u16, String),
) -> Result<(Inserted, String), StoreError> {
    let c = &new.customer;
    let name_lower = format!("{} {}", c.first_name, c.last_name).to_lowercase();
    let inserted = connection
        .prepare_cached(
            "INSERT INTO customers (id, app_id, first_name, last_name, name_lower, email, email_lower,
                phone_number, customer_type, status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            c.id,
            c.app_id,
            c.first_name,
            c.last_name,
            name_lower,
            c.email,
            c.email.as_deref().map(str::to_lowercase),
            c.phone_number,
            c.customer_type.as_str(),
            c.status.as_str(),
            c.created_at,
            c.updated_at,
        ]);
    let inserted = match inserted {
        Ok(_) => {
            // The counts, in the create's savepoint like the rest (the name index follows
            // after the commit: `index_names`).
            connection
                .prepare_cached(
                    "INSERT INTO customer_counts (app_id, status, n) VALUES (?1, ?2, 1)
                     ON CONFLICT (app_id, status) DO UPDATE SET n = n + 1",
                )?
                .execute(params![c.app_id, c.status.as_str()])?;
            Inserted::Created(Box::new(c.clone()))
        }
        Err(rusqlite::Error::SqliteFailure(error, _))
            if error.code == ErrorCode::ConstraintViolation =>
        {
            Inserted::DuplicateEmail
        }
        Err(error) => return Err(error.into()),
    };
    let (status, body) = respond(&inserted);
    if let Some(record) = idempotency {
        // An expired record with the same key is replaced.
        connection
            .prepare_cached(
                "INSERT OR REPLACE INTO idempotency (client_key, key, request, status, body, created_unix)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![record.client_key, record.key, record.request, status, body, now_unix])?;
    }
    let customer_id = match &inserted {
        Inserted::Created(customer) => Some(customer.id.as_str()),
        Inserted::DuplicateEmail => None,
    };
    connection
        .prepare_cached(
            "INSERT INTO audit (time, client_key, ip, user_agent, idempotency_key, customer_id, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![c.created_at, audit.client_key, audit.ip, audit.user_agent, audit.idempotency_key, customer_id, status])?;
    Ok((inserted, body))
}

/// Fills the database at `path` with `count` generated customers of `app_id`, in bulk (large
/// transactions, no HTTP, no idempotency or audit rows), for benchmarks and trials at scale:
/// customer `i` is named `Ada|Grace|Alan|Edsger Customer{i}` with email `seed{i}@example.com`,
/// every tenth `BLACKLISTED`, numbered on from the customers already there. Returns how many
/// customers the app then holds.
pub fn seed(path: &Path, app_id: &str, count: u64) -> Result<u64, StoreError> {
    const FIRST: [&str; 4] = ["Ada", "Grace", "Alan", "Edsger"];
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.execute_batch(SCHEMA)?;
    migrate(&connection)?;
    let now = "2026-01-01T00:00:00.000Z";
    let start: u64 =
        connection.query_row("SELECT coalesce(max(seq), 0) FROM customers", [], |row| {
            row.get(0)
        })?;
    for chunk_start in (0..count).step_by(100_000) {
        let transaction = connection.unchecked_transaction()?;
        {
            let mut customer = transaction.prepare_cached(
                "INSERT INTO customers (id, app_id, first_name, last_name, name_lower, email,
                    email_lower, phone_number, customer_type, status, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, '+15551234567', 'Individual', ?7, ?8, ?8)",
            )?;
            for i in chunk_start..(chunk_start + 100_000).min(count) {
                let n = start + i;
                let first = FIRST[(n % 4) as usize];
                let last = format!("Customer{n}");
                let name_lower = format!("{first} {last}").to_lowercase();
                let status = if n.is_multiple_of(10) {
                    "BLACKLISTED"
                } else {
                    "ACTIVE"
                };
                customer.execute(params![
                    uuid::Uuid::new_v4().to_string(),
                    app_id,
                    first,
                    last,
                    name_lower,
                    format!("seed{n}@example.com"),
                    status,
                    now,
                ])?;
            }
        }
        transaction.commit()?;
    }
    while index_names(&connection)? {}
    connection.execute_batch(RECOUNT)?;
    connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(connection.query_row(
        "SELECT coalesce(sum(n), 0) FROM customer_counts WHERE app_id = ?1",
        [app_id],
        |row| row.get(0),
    )?)
}

/// Filters and page of a list request.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Records to skip.
    pub skip: u64,
    /// Records to return.
    pub take: u64,
    /// Exact status.
    pub status: Option<&'static str>,
    /// Part of the full name, any case.
    pub name: Option<String>,
    /// The exact email, any case.
    pub email: Option<String>,
}

const COLUMNS: &str = "id, app_id, first_name, last_name, email, phone_number, customer_type, status, created_at, updated_at";

fn row_to_customer(row: &rusqlite::Row<'_>) -> rusqlite::Result<Customer> {
    let text = |i: usize| row.get::<_, String>(i);
    let parse_err = |i: usize| {
        rusqlite::Error::InvalidColumnType(i, "enum".into(), rusqlite::types::Type::Text)
    };
    let app_id = text(1)?;
    Ok(Customer {
        id: text(0)?,
        app_id_camel: app_id.clone(),
        app_id,
        first_name: text(2)?,
        last_name: text(3)?,
        email: row.get(4)?,
        phone_number: text(5)?,
        customer_type: customer_validation::CustomerType::parse(&text(6)?)
            .ok_or_else(|| parse_err(6))?,
        status: customer_validation::Status::parse(&text(7)?).ok_or_else(|| parse_err(7))?,
        last_spent: 0.into(),
        last_purchase_date: None,
        created_at: text(8)?,
        updated_at: text(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_in_memory_database_out_of_room_says_it_is_full() {
        let connection = open_in_memory().unwrap();
        connection.execute_batch(SCHEMA).unwrap();
        // The same error as past memdb's 1 GiB, sooner.
        connection
            .pragma_update(None, "max_page_count", 40)
            .unwrap();
        let error = (0..100_000)
            .find_map(|i| {
                connection
                    .execute(
                        "INSERT INTO audit (time, client_key, status) VALUES (?1, 'k', 201)",
                        params![format!("{i:0>200}")],
                    )
                    .err()
            })
            .expect("the database fills up");
        assert!(StoreError::from(error).is_full());
        assert!(!StoreError::Stopped.is_full());
    }
}
