//! `signup import`: create every valid customer of a file exactly once, resumably, at the
//! upstream's rate limit.
//!
//! Every record is validated first (a whole pass over the file) and invalid ones are only
//! reported. Each valid record's idempotency key is a UUID v5 of its normalized request, so
//! a rerun within Devdraft's 24 hours replays instead of creating. The journal (JSON lines,
//! appended, synced in batches) records each outcome, so a rerun after a crash, `kill -9` or
//! Ctrl-C skips what is done; whatever the journal missed is replayed upstream by its key.

use std::{
    collections::HashMap,
    fs::{File, OpenOptions},
    io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write},
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
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
pub async fn run(
    options: Options,
    interrupt: impl Future<Output = ()> + Send + 'static,
) -> Result<Summary, ImportError> {
    let name = options.file.display().to_string();
    let input = File::open(&options.file).map_err(|source| ReadError::Io {
        file: name.clone(),
        source,
    })?;
    let input = BufReader::with_capacity(1 << 16, input);
    let format = options
        .format
        .or_else(|| Format::from_extension(&options.file));

    // Pass 1: validate everything before anything is sent.
    let mut jobs = Vec::new();
    let mut invalid: Vec<(u64, Errors)> = Vec::new();
    let mut records = 0;
    for_each_record(&name, input, format, |line, raw| {
        records += 1;
        match validate(raw) {
            Ok(customer) => {
                let request =
                    CreateCustomerRequest::from_validated(&customer, options.phone_format);
                let canonical = serde_json::to_vec(&request).map_err(io::Error::other)?;
                jobs.push(Job {
                    line,
                    key: record_key(&canonical),
                    request,
                });
            }
            // Kept as they are; written out only if a report is asked for.
            Err(errors) => invalid.push((line, errors)),
        }
        Ok(())
    })?;

    let journal_path = options
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(&options.file));
    let done = match options.upstream {
        None => HashMap::new(),
        Some(_) => read_journal(&journal_path)?,
    };
    let mut summary = Summary {
        records,
        invalid: invalid.len() as u64,
        ..Summary::default()
    };
    let outcomes: Arc<Mutex<HashMap<Uuid, Entry>>> = Arc::new(Mutex::new(done));
    // The records still to send, by index: the jobs themselves stay in one place.
    let jobs = Arc::new(jobs);
    let todo: Vec<usize> = {
        let known = lock(&outcomes);
        (0..jobs.len())
            .filter(|&i| !known.contains_key(&jobs[i].key))
            .collect()
    };
    eprintln!(
        "signup import: {name}: {records} records, {} invalid (skipped), {} to send, {} already done",
        invalid.len(),
        todo.len(),
        jobs.len() - todo.len()
    );

    if let Some(mut config) = options.upstream.clone().filter(|_| !todo.is_empty()) {
        // A bulk import can afford to wait out a rate-limit window (Retry-After up to a minute)
        // rather than give a record up after the proxy's 10 seconds.
        config.retry.deadline = config.retry.deadline.max(Duration::from_secs(180));
        config.retry.max_attempts = config.retry.max_attempts.max(20);
        let client = Arc::new(Client::new(config).context("cannot build the HTTP client")?);
        send(
            Arc::clone(&jobs),
            todo,
            Arc::clone(&client),
            options.concurrency.max(1),
            &journal_path,
            Arc::clone(&outcomes),
            interrupt,
        )
        .await?;
        summary.throttled = client.throttled();
    }

    let outcomes = lock(&outcomes);
    for job in jobs.iter() {
        match outcomes.get(&job.key).map(|entry| entry.outcome) {
            Some(Outcome::Created) => summary.created += 1,
            Some(Outcome::Exists) => summary.exists += 1,
            Some(Outcome::Failed) => summary.failed += 1,
            None => summary.pending += 1,
        }
    }
    if let Some(path) = &options.report {
        write_report(path, &jobs, &invalid, &outcomes)
            .with_context(|| format!("cannot write the report {}", path.display()))?;
    }
    Ok(summary)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Outcomes already journaled as done (created or existing); failures are tried again.
fn read_journal(path: &Path) -> Result<HashMap<Uuid, Entry>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(error) => {
            return Err(error)
                .with_context(|| format!("cannot read the journal {}", path.display()));
        }
    };
    let mut done = HashMap::new();
    for line in BufReader::new(file).lines() {
        let line = line.with_context(|| format!("cannot read the journal {}", path.display()))?;
        // A line cut off by a crash is ignored: its record is replayed upstream by its key.
        if let Ok(entry) = serde_json::from_str::<Entry>(&line)
            && entry.outcome.done()
        {
            done.insert(entry.key, entry);
        }
    }
    Ok(done)
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

async fn send(
    jobs: Arc<Vec<Job>>,
    todo: Vec<usize>,
    client: Arc<Client>,
    concurrency: usize,
    journal_path: &Path,
    outcomes: Arc<Mutex<HashMap<Uuid, Entry>>>,
    interrupt: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let journal = OpenOptions::new()
        .create(true)
        .append(true)
        .open(journal_path)
        .with_context(|| format!("cannot open the journal {}", journal_path.display()))?;
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
    let total = todo.len() as u64;
    let todo = Arc::new(todo);
    let next = Arc::new(AtomicUsize::new(0));
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let pacer = Arc::new(Pacer::default());
    let progress = Progress::new(total);
    let started = Instant::now();

    let workers: Vec<_> = (0..concurrency.min(todo.len()))
        .map(|_| {
            let (jobs, todo, next, counts, pacer, client, journal, outcomes, stop, progress) = (
                Arc::clone(&jobs),
                Arc::clone(&todo),
                Arc::clone(&next),
                Arc::clone(&counts),
                Arc::clone(&pacer),
                Arc::clone(&client),
                Arc::clone(&journal),
                Arc::clone(&outcomes),
                Arc::clone(&stop),
                progress.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let Some(&index) = todo.get(next.fetch_add(1, Ordering::SeqCst)) else {
                        break;
                    };
                    let job = &jobs[index];
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
                        let _ = writeln!(lock(&journal), "{line}");
                    }
                    lock(&outcomes).insert(job.key, entry);
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
    syncing.abort();
    sync(&journal);
    progress.finish(&counts, started.elapsed());
    Ok(())
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

/// Every input line and what became of it: CSV (`.csv`) or JSON Lines (anything else).
fn write_report(
    path: &Path,
    jobs: &[Job],
    invalid: &[(u64, Errors)],
    outcomes: &HashMap<Uuid, Entry>,
) -> Result<()> {
    /// One line of the report.
    struct Row<'a> {
        line: u64,
        status: &'a str,
        id: Option<&'a str>,
        error: &'a str,
        /// An invalid record's validation errors.
        errors: Option<&'a Errors>,
    }
    let mut rows = Vec::with_capacity(jobs.len() + invalid.len());
    for (line, errors) in invalid {
        rows.push(Row {
            line: *line,
            status: "invalid",
            id: None,
            error: "",
            errors: Some(errors),
        });
    }
    for job in jobs {
        let (status, id, error) = match outcomes.get(&job.key) {
            Some(entry) => (
                entry.outcome.as_str(),
                entry.customer_id.as_deref(),
                entry.error.as_deref().unwrap_or_default(),
            ),
            None => ("pending", None, ""),
        };
        rows.push(Row {
            line: job.line,
            status,
            id,
            error,
            errors: None,
        });
    }
    rows.sort_by_key(|row| row.line);
    let file = BufWriter::new(File::create(path)?);
    if path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"))
    {
        let mut writer = csv::Writer::from_writer(file);
        writer.write_record(["line", "status", "customer_id", "error"])?;
        for row in rows {
            let errors = row.errors.map(serde_json::to_string).transpose()?;
            let error = errors.as_deref().unwrap_or(row.error);
            let line = row.line.to_string();
            writer.write_record([line.as_str(), row.status, row.id.unwrap_or(""), error])?;
        }
        writer.flush()?;
    } else {
        let mut file = file;
        for row in rows {
            let error = (!row.error.is_empty()).then_some(row.error);
            let row = serde_json::json!({"line": row.line, "status": row.status,
                "customer_id": row.id, "errors": row.errors, "error": error});
            writeln!(file, "{row}")?;
        }
        file.flush()?;
    }
    Ok(())
}
