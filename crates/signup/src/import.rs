//! `signup import`: create every valid customer of a file exactly once, resumably, at the
//! upstream's rate limit.
//!
//! Every record is validated first (a whole pass over the file) and invalid ones are only
//! reported. Nothing grows with the file in memory: the file is read again to send and to
//! report, and outcomes by key are looked up in an SQLite file beside the journal. Each valid record's idempotency key is a UUID v5 of its normalized request, so
//! a rerun within Devdraft's 24 hours replays instead of creating. The journal (JSON lines,
//! appended, synced in batches) records each outcome, so a rerun after a crash, `kill -9` or
//! Ctrl-C skips what is done; whatever the journal missed is replayed upstream by its key.

use std::{
    fs::{File, OpenOptions},
    io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write},
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use customer_validation::{Errors, validate};
use devdraft_api::rate_limit::now_unix;
use devdraft_api::{
    CreateCustomerRequest, PhoneFormat,
    client::{Client, ClientConfig, CreateOutcome, RateWindow},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::records::{Format, ReadError, for_each_record};

/// The namespace of record keys: fixed, so the same record always gets the same key.
const NAMESPACE: Uuid = uuid::uuid!("6f1c2a4e-6a53-4d38-9c7e-0b5d1f6e2a91");

/// The idempotency key of a normalized request: a UUID v5 under [`NAMESPACE`], reshaped as a
/// v4 (the form Devdraft documents for keys) so the live API cannot refuse its version.
fn record_key(canonical: &[u8]) -> Uuid {
    uuid::Builder::from_random_bytes(*Uuid::new_v5(&NAMESPACE, canonical).as_bytes()).into_uuid()
}

/// What `signup import` was asked for.
#[derive(Debug)]
pub struct Options {
    /// The file.
    pub file: PathBuf,
    /// Its format, if not from the extension or content.
    pub format: Option<Format>,
    /// Devdraft (or the emulator) and its credentials; `None` for a dry run, which validates
    /// and reports only.
    pub upstream: Option<ClientConfig>,
    /// Creates in flight at once.
    pub concurrency: usize,
    /// The journal (default: beside the file).
    pub journal: Option<PathBuf>,
    /// The report (CSV or JSON Lines by extension).
    pub report: Option<PathBuf>,
    /// Which phone form goes upstream.
    pub phone_format: PhoneFormat,
}

/// The counts at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read.
    pub records: u64,
    /// Records that failed validation (never sent).
    pub invalid: u64,
    /// Created (this run, or by an earlier one per the journal).
    pub created: u64,
    /// Already existing (duplicate email).
    pub exists: u64,
    /// Failed for good this run.
    pub failed: u64,
    /// Valid records not attempted (the run was interrupted).
    pub pending: u64,
    /// 429 answers received (pacing should keep this at 0).
    pub throttled: u64,
}

impl Summary {
    /// Whether every valid record ended created or existing.
    pub fn complete(&self) -> bool {
        self.failed == 0 && self.pending == 0
    }
}

/// Why the import cannot run at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input cannot be read.
    #[error(transparent)]
    Unreadable(#[from] ReadError),
    /// Anything else: journal, report, client.
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

struct Job {
    line: u64,
    key: Uuid,
    request: CreateCustomerRequest,
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    key: Uuid,
    line: u64,
    outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// What became of one record sent upstream (the journal's `outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    /// Created, now or before (an idempotent replay).
    Created,
    /// The email was already used: the customer exists.
    Exists,
    /// Refused or unreachable on every attempt; tried again on the next run.
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Exists => "exists",
            Outcome::Failed => "failed",
        }
    }

    /// Whether the record needs nothing more.
    fn done(self) -> bool {
        self != Outcome::Failed
    }
}

/// The journal beside `file`: `customers.csv` → `customers.csv.signup-journal.jsonl`.
pub fn default_journal(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".signup-journal.jsonl");
    file.with_file_name(name)
}

/// Runs the import; `interrupt` resolves on Ctrl-C (in-flight creates then finish).
///
/// Memory stays flat whatever the file's size: the file is read three times, streaming
/// (validate all; send what is not done; count and report), and the outcomes by record key
/// live on disk (an SQLite file beside the journal), not in memory.
pub async fn run(
    options: Options,
    interrupt: impl Future<Output = ()> + Send + 'static,
) -> Result<Summary, ImportError> {
    let source = Source {
        name: options.file.display().to_string(),
        file: options.file.clone(),
        format: options
            .format
            .or_else(|| Format::from_extension(&options.file)),
        phone_format: options.phone_format,
    };
    let name = &source.name;
    let journal_path = options
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(&options.file));
    // What earlier runs finished (a dry run reads no journal: it reports what it would send).
    let index = OutcomeIndex::create(&journal_path)?;
    let journal_end = match options.upstream {
        None => 0,
        Some(_) => index.load(&journal_path, 0, true)?,
    };

    // Pass 1: validate everything before anything is sent.
    let mut summary = Summary::default();
    let (mut to_send, mut done) = (0u64, 0u64);
    source.records(|_, record| {
        summary.records += 1;
        match record {
            Record::Valid { key, .. } => {
                if index.is_done(&key)? {
                    done += 1;
                } else {
                    to_send += 1;
                }
            }
            Record::Invalid(_) => summary.invalid += 1,
        }
        Ok(())
    })?;
    eprintln!(
        "signup import: {name}: {} records, {} invalid (skipped), {to_send} to send, {done} already done",
        summary.records, summary.invalid,
    );

    if let Some(mut config) = options.upstream.clone().filter(|_| to_send > 0) {
        // A bulk import can afford to wait out a rate-limit window (Retry-After up to a minute)
        // rather than give a record up after the proxy's 10 seconds.
        config.retry.deadline = config.retry.deadline.max(Duration::from_secs(180));
        config.retry.max_attempts = config.retry.max_attempts.max(20);
        let client = Arc::new(Client::new(config).context("cannot build the HTTP client")?);
        // Pass 2, on a thread of its own: the records not done yet, handed to the workers
        // through a bounded queue, so no more than a few are in memory at once.
        let concurrency = options.concurrency.max(1);
        let (jobs, queue) = tokio::sync::mpsc::channel::<Job>(concurrency * 4);
        let reader = {
            let (source, journal_path) = (source.clone(), journal_path.clone());
            std::thread::spawn(move || -> Result<(), ImportError> {
                // Its own connection to the index: lookups on this thread.
                let index = OutcomeIndex::open(&journal_path)?;
                let sent = source.records(|line, record| {
                    if let Record::Valid { key, request } = record
                        && !index.is_done(&key)?
                        && jobs.blocking_send(Job { line, key, request }).is_err()
                    {
                        // The workers stopped (interrupted): nothing more to read.
                        return Err(io::Error::other(Stopped));
                    }
                    Ok(())
                });
                match sent {
                    Err(ImportError::Unreadable(ReadError::Handler(source)))
                        if source.get_ref().is_some_and(|inner| inner.is::<Stopped>()) =>
                    {
                        Ok(())
                    }
                    other => other,
                }
            })
        };
        send(
            queue,
            to_send,
            Arc::clone(&client),
            concurrency,
            &journal_path,
            interrupt,
        )
        .await?;
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the file reader panicked"))??;
        summary.throttled = client.throttled();
        // This run's outcomes, failures included, for the count and the report.
        index.load(&journal_path, journal_end, false)?;
    }

    // Pass 3: every record's outcome, counted, and reported line by line in file order.
    let mut report = options
        .report
        .as_deref()
        .map(Report::create)
        .transpose()
        .with_context(|| {
            format!(
                "cannot write the report {}",
                options.report.as_deref().unwrap_or(Path::new("")).display()
            )
        })?;
    source.records(|line, record| {
        let row = match &record {
            Record::Invalid(errors) => Row::invalid(line, errors),
            Record::Valid { key, .. } => {
                let entry = index.get(key)?;
                match entry.as_ref().map(|entry| entry.outcome) {
                    Some(Outcome::Created) => summary.created += 1,
                    Some(Outcome::Exists) => summary.exists += 1,
                    Some(Outcome::Failed) => summary.failed += 1,
                    None => summary.pending += 1,
                }
                Row::sent(line, entry)
            }
        };
        if let Some(report) = &mut report {
            report.write(&row)?;
        }
        Ok(())
    })?;
    if let Some(report) = report {
        report.finish().with_context(|| {
            format!(
                "cannot write the report {}",
                options.report.as_deref().unwrap_or(Path::new("")).display()
            )
        })?;
    }
    Ok(summary)
}

/// The reader thread's way to stop reading once the workers are gone.
#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the import stopped")
    }
}

impl std::error::Error for Stopped {}

/// One record of the file, validated.
enum Record {
    /// Valid: its normalized request and its idempotency key.
    Valid {
        key: Uuid,
        request: CreateCustomerRequest,
    },
    /// Invalid, never sent.
    Invalid(Errors),
}

/// The input file, as each pass reads it.
#[derive(Clone)]
struct Source {
    /// How messages name it.
    name: String,
    file: PathBuf,
    format: Option<Format>,
    phone_format: PhoneFormat,
}

impl Source {
    /// Reads the file from the start, calling `each` with every record's line and verdict.
    fn records(
        &self,
        mut each: impl FnMut(u64, Record) -> io::Result<()>,
    ) -> Result<(), ImportError> {
        let input = File::open(&self.file).map_err(|source| ReadError::Io {
            file: self.name.clone(),
            source,
        })?;
        let input = BufReader::with_capacity(1 << 16, input);
        for_each_record(&self.name, input, self.format, |line, raw| {
            let record = match validate(raw) {
                Ok(customer) => {
                    let request =
                        CreateCustomerRequest::from_validated(&customer, self.phone_format);
                    let canonical = serde_json::to_vec(&request).map_err(io::Error::other)?;
                    Record::Valid {
                        key: record_key(&canonical),
                        request,
                    }
                }
                Err(errors) => Record::Invalid(errors),
            };
            each(line, record)
        })?;
        Ok(())
    }
}

/// The outcome of every record sent, by key, in an SQLite file beside the journal: built from
/// the journal when an import starts and removed when it ends. On disk, with SQLite's small
/// page cache, so a ten-million-record import keeps its memory flat; looked up once per
/// record per pass.
struct OutcomeIndex {
    connection: rusqlite::Connection,
    path: PathBuf,
    /// Whether this handle made the file (and removes it when dropped).
    owner: bool,
}

impl OutcomeIndex {
    fn path(journal: &Path) -> PathBuf {
        let mut name = journal.as_os_str().to_os_string();
        // One per process: a dry run or a second import of the same file beside a running
        // one must not touch its index.
        name.push(format!(".index-{}.sqlite3", std::process::id()));
        PathBuf::from(name)
    }

    /// A fresh, empty index beside `journal` (a stale one from a crash is replaced).
    fn create(journal: &Path) -> Result<OutcomeIndex> {
        let path = Self::path(journal);
        let _ = std::fs::remove_file(&path);
        let index = Self::connect(&path, true)?;
        index
            .connection
            .execute_batch(
                "CREATE TABLE outcomes (
                     key BLOB PRIMARY KEY, line INTEGER NOT NULL, outcome TEXT NOT NULL,
                     customer_id TEXT, error TEXT
                 ) WITHOUT ROWID;",
            )
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(index)
    }

    /// Another connection to the index [`OutcomeIndex::create`] made.
    fn open(journal: &Path) -> Result<OutcomeIndex> {
        Self::connect(&Self::path(journal), false)
    }

    fn connect(path: &Path, owner: bool) -> Result<OutcomeIndex> {
        let connection = rusqlite::Connection::open(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        // Rebuilt from the journal on every run: nothing here needs to survive a crash.
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "OFF")?;
        connection.busy_timeout(Duration::from_secs(30))?;
        Ok(OutcomeIndex {
            connection,
            path: path.to_owned(),
            owner,
        })
    }

    /// Adds the journal's entries from byte `from` on (only those done, if `only_done`), the
    /// latest for a key winning; returns the journal's length.
    fn load(&self, journal: &Path, from: u64, only_done: bool) -> Result<u64> {
        use std::io::Seek;
        let mut file = match File::open(journal) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot read the journal {}", journal.display()));
            }
        };
        file.seek(io::SeekFrom::Start(from))?;
        let mut reader = BufReader::new(file);
        let transaction = self.connection.unchecked_transaction()?;
        let mut end = from;
        let mut line = String::new();
        {
            let mut insert = transaction.prepare_cached(
                "INSERT OR REPLACE INTO outcomes (key, line, outcome, customer_id, error)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            loop {
                line.clear();
                let read = reader
                    .read_line(&mut line)
                    .with_context(|| format!("cannot read the journal {}", journal.display()))?;
                if read == 0 {
                    break;
                }
                end += read as u64;
                // A line cut off by a crash is ignored: its record is replayed upstream by
                // its key.
                let Ok(entry) = serde_json::from_str::<Entry>(&line) else {
                    continue;
                };
                if only_done && !entry.outcome.done() {
                    continue;
                }
                insert.execute(rusqlite::params![
                    entry.key.as_bytes().as_slice(),
                    entry.line,
                    entry.outcome.as_str(),
                    entry.customer_id,
                    entry.error,
                ])?;
            }
        }
        transaction.commit()?;
        Ok(end)
    }

    /// Whether `key` ended created or existing.
    fn is_done(&self, key: &Uuid) -> io::Result<bool> {
        Ok(self.get(key)?.is_some_and(|entry| entry.outcome.done()))
    }

    /// What became of `key`, if it was sent.
    fn get(&self, key: &Uuid) -> io::Result<Option<Entry>> {
        use rusqlite::OptionalExtension;
        self.connection
            .prepare_cached("SELECT line, outcome, customer_id, error FROM outcomes WHERE key = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([key.as_bytes().as_slice()], |row| {
                        let outcome: String = row.get(1)?;
                        Ok(Entry {
                            key: *key,
                            line: row.get(0)?,
                            outcome: match outcome.as_str() {
                                "created" => Outcome::Created,
                                "exists" => Outcome::Exists,
                                _ => Outcome::Failed,
                            },
                            customer_id: row.get(2)?,
                            error: row.get(3)?,
                        })
                    })
                    .optional()
            })
            .map_err(io::Error::other)
    }
}

impl Drop for OutcomeIndex {
    fn drop(&mut self) {
        if self.owner {
            for suffix in ["", "-wal", "-shm"] {
                let mut name = self.path.as_os_str().to_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Paces requests by the upstream's rate-limit headers: one probe until a window is known,
/// then no more than its `remaining` (less what is in flight), waiting for `reset` at zero.
#[derive(Default)]
struct Pacer {
    state: Mutex<PacerState>,
}

#[derive(Default)]
struct PacerState {
    remaining: Option<u32>,
    reset_unix: u64,
    in_flight: u32,
    unlimited: bool,
}

impl Pacer {
    async fn acquire(&self) {
        loop {
            let wait = {
                let mut state = lock(&self.state);
                if state.unlimited {
                    state.in_flight += 1;
                    return;
                }
                if state.remaining.is_some() && now_unix() >= state.reset_unix {
                    // A new window: learn it again with one probe.
                    state.remaining = None;
                }
                match state.remaining {
                    None if state.in_flight == 0 => {
                        state.in_flight += 1;
                        return;
                    }
                    None => Duration::from_millis(10),
                    Some(0) => {
                        // At most a minute at a time: a reset far away is a broken header (and
                        // `UNIX_EPOCH + reset` could overflow).
                        let left = state.reset_unix.saturating_sub(now_unix()).min(60);
                        Duration::from_secs(left) + Duration::from_millis(50)
                    }
                    Some(left) => {
                        state.remaining = Some(left - 1);
                        state.in_flight += 1;
                        return;
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Ends a request; `answered` is whether it got an answer (a request that got none says
    /// nothing about the upstream's limits).
    fn release(&self, window: Option<RateWindow>, answered: bool) {
        let mut state = lock(&self.state);
        state.in_flight = state.in_flight.saturating_sub(1);
        let Some(window) = window else {
            // Answers without rate-limit headers: the upstream does not limit.
            state.unlimited = answered;
            return;
        };
        state.unlimited = false;
        let server = window.remaining.saturating_sub(state.in_flight);
        state.remaining = Some(match state.remaining {
            Some(local) if window.reset_unix == state.reset_unix => local.min(server),
            _ => server,
        });
        state.reset_unix = window.reset_unix;
    }
}

/// Sends the jobs that come through `queue` (`total` of them) with `concurrency` workers,
/// journaling each outcome.
async fn send(
    queue: tokio::sync::mpsc::Receiver<Job>,
    total: u64,
    client: Arc<Client>,
    concurrency: usize,
    journal_path: &Path,
    interrupt: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let mut journal = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(journal_path)
        .with_context(|| format!("cannot open the journal {}", journal_path.display()))?;
    // A line cut off by a crash is ended first, so this run's first entry is a line of its own.
    if ends_mid_line(&mut journal)? {
        journal.write_all(b"\n")?;
    }
    let journal = Arc::new(Mutex::new(BufWriter::new(journal)));
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            interrupt.await;
            eprintln!("signup import: interrupted; letting the requests in flight finish");
            stop.store(true, Ordering::SeqCst);
        });
    }
    let queue = Arc::new(tokio::sync::Mutex::new(queue));
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let pacer = Arc::new(Pacer::default());
    let progress = Progress::new(total);
    let started = Instant::now();

    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (queue, counts, pacer, client, journal, stop, progress) = (
                Arc::clone(&queue),
                Arc::clone(&counts),
                Arc::clone(&pacer),
                Arc::clone(&client),
                Arc::clone(&journal),
                Arc::clone(&stop),
                progress.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let Some(job) = queue.lock().await.recv().await else {
                        break;
                    };
                    // Interrupted while waiting for it: not sent.
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    pacer.acquire().await;
                    let outcome = client
                        .create_customer(&job.request, &job.key.to_string())
                        .await;
                    let answered = !matches!(outcome, CreateOutcome::Failed(_));
                    pacer.release(client.rate_window(), answered);
                    let (kind, customer_id, error) = match outcome {
                        CreateOutcome::Created(customer) => {
                            (Outcome::Created, Some(customer.id), None)
                        }
                        CreateOutcome::CreatedUnreadable { id } => (Outcome::Created, id, None),
                        CreateOutcome::DuplicateEmail => (Outcome::Exists, None, None),
                        CreateOutcome::Invalid(body) => (
                            Outcome::Failed,
                            None,
                            Some(format!("rejected by Devdraft: {}", body.message.join("; "))),
                        ),
                        CreateOutcome::IdempotencyMismatch => (
                            Outcome::Failed,
                            None,
                            Some("idempotency key used with another body".to_owned()),
                        ),
                        CreateOutcome::Failed(failure) => {
                            (Outcome::Failed, None, Some(format!("{failure:?}")))
                        }
                    };
                    // `counts` is indexed in the order of `Outcome`'s variants.
                    counts[kind as usize].fetch_add(1, Ordering::Relaxed);
                    let entry = Entry {
                        key: job.key,
                        line: job.line,
                        outcome: kind,
                        customer_id,
                        error,
                    };
                    if let Ok(line) = serde_json::to_string(&entry) {
                        // One write for the line and its end: a flush never splits them.
                        let _ = lock(&journal).write_all(format!("{line}\n").as_bytes());
                    }
                    progress.tick(&counts);
                }
            })
        })
        .collect();
    // Sync the journal in batches while the workers run (one fsync per record would cap the
    // import at the disk's sync rate; a record the journal missed is replayed by its key).
    let syncing = {
        let journal = Arc::clone(&journal);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                sync(&journal);
            }
        })
    };
    for worker in workers {
        let _ = worker.await;
    }
    // Interrupted: the reader thread, blocked on a full queue, learns that nobody reads on.
    queue.lock().await.close();
    syncing.abort();
    sync(&journal);
    progress.finish(&counts, started.elapsed());
    Ok(())
}

/// Whether `file` ends with something other than a line break (a line cut off).
fn ends_mid_line(file: &mut File) -> Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    let mut last = [0u8];
    file.seek(SeekFrom::End(-1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

fn sync(journal: &Mutex<BufWriter<File>>) {
    let mut journal = lock(journal);
    if journal.flush().is_ok() {
        let _ = journal.get_ref().sync_data();
    }
}

/// A progress bar on a terminal, plain lines every few seconds otherwise.
#[derive(Clone)]
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last_line: Arc<Mutex<Instant>>,
    total: u64,
    started: Instant,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let style = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} {msg} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            last_line: Arc::new(Mutex::new(Instant::now())),
            total,
            started: Instant::now(),
        }
    }

    fn message(counts: &[AtomicU64; 3]) -> String {
        let [created, exists, failed] =
            counts.each_ref().map(|count| count.load(Ordering::Relaxed));
        format!("created {created}, exists {exists}, failed {failed}")
    }

    fn tick(&self, counts: &[AtomicU64; 3]) {
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(Self::message(counts));
            }
            None => {
                let mut last = lock(&self.last_line);
                if last.elapsed() >= Duration::from_secs(2) {
                    *last = Instant::now();
                    let done: u64 = counts
                        .iter()
                        .map(|count| count.load(Ordering::Relaxed))
                        .sum();
                    let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
                    let eta = self.total.saturating_sub(done) as f64 / rate.max(0.001);
                    eprintln!(
                        "signup import: {done}/{} ({}), {rate:.0}/s, eta {eta:.0}s",
                        self.total,
                        Self::message(counts)
                    );
                }
            }
        }
    }

    fn finish(&self, counts: &[AtomicU64; 3], elapsed: Duration) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let done: u64 = counts
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .sum();
        eprintln!(
            "signup import: sent {done} in {elapsed:.1?} ({:.0}/s): {}",
            done as f64 / elapsed.as_secs_f64().max(0.001),
            Self::message(counts)
        );
    }
}

/// One line of the report.
struct Row {
    line: u64,
    status: &'static str,
    id: Option<String>,
    error: Option<String>,
    /// An invalid record's validation errors.
    errors: Option<Errors>,
}

impl Row {
    fn invalid(line: u64, errors: &Errors) -> Row {
        Row {
            line,
            status: "invalid",
            id: None,
            error: None,
            errors: Some(*errors),
        }
    }

    /// A valid record's row: its outcome, or `pending` when it was not sent.
    fn sent(line: u64, entry: Option<Entry>) -> Row {
        match entry {
            Some(entry) => Row {
                line,
                status: entry.outcome.as_str(),
                id: entry.customer_id,
                error: entry.error,
                errors: None,
            },
            None => Row {
                line,
                status: "pending",
                id: None,
                error: None,
                errors: None,
            },
        }
    }
}

/// Every input line and what became of it, written as the file is read (so in line order):
/// CSV (`.csv`) or JSON Lines (anything else).
enum Report {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    JsonLines(BufWriter<File>),
}

impl Report {
    fn create(path: &Path) -> Result<Report> {
        let file = BufWriter::new(File::create(path)?);
        if path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"))
        {
            let mut writer = csv::Writer::from_writer(file);
            writer.write_record(["line", "status", "customer_id", "error"])?;
            Ok(Report::Csv(Box::new(writer)))
        } else {
            Ok(Report::JsonLines(file))
        }
    }

    fn write(&mut self, row: &Row) -> io::Result<()> {
        match self {
            Report::Csv(writer) => {
                let errors = row.errors.as_ref().map(serde_json::to_string).transpose()?;
                let error = errors
                    .as_deref()
                    .or(row.error.as_deref())
                    .unwrap_or_default();
                let line = row.line.to_string();
                writer.write_record([
                    line.as_str(),
                    row.status,
                    row.id.as_deref().unwrap_or(""),
                    error,
                ])?;
            }
            Report::JsonLines(file) => {
                let value = serde_json::json!({"line": row.line, "status": row.status,
                    "customer_id": row.id, "errors": row.errors, "error": row.error});
                writeln!(file, "{value}")?;
            }
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Report::Csv(mut writer) => writer.flush(),
            Report::JsonLines(mut file) => file.flush(),
        }
    }
}
