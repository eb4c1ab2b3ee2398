//! The end-to-end harness: real `signup emulator` and `signup serve` processes on 127.0.0.1:0,
//! a browser of each [`Engine`] through its WebDriver server, and a page object for the
//! registration form.
//!
//! Each test runs once per engine ([`Engine::selected`]), each time building a [`Stack`] (its
//! own emulator, proxy and browser), drives the page through [`SignupPage`] and checks the
//! outcome upstream through the emulator's read API. On failure [`Stack::check`] names the
//! engine and saves a screenshot (and the console, where the driver offers it) under
//! `target/e2e-artifacts/ENGINE/`. The widget must be built first (`cargo xtask dist`);
//! `cargo xtask test` does both.

mod engine;

pub use engine::Engine;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    panic::AssertUnwindSafe,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use devdraft_api::{Customer, CustomerList, headers, paths::CUSTOMERS};
use futures::FutureExt;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// Why a scenario failed: an `ensure!` that did not hold, or a browser or HTTP error (so
/// scenarios can use `?` on thirtyfour and reqwest results).
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure(error.to_string())
    }
}

/// What a scenario returns.
pub type Outcome = Result<(), Failure>;

/// The emulator's credentials in every test; the proxy holds them, the browser must never see them.
pub const CLIENT_KEY: &str = "e2e-client-key";
/// See [`CLIENT_KEY`].
pub const CLIENT_SECRET: &str = "e2e-client-secret-5f1d9c";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The release widget (`cargo xtask dist`).
pub fn dist() -> PathBuf {
    let dist = root().join("dist");
    assert!(
        dist.join("signup-form.js").exists(),
        "no widget build in {}: run `cargo xtask dist` first",
        dist.display()
    );
    dist
}

/// The `signup` binary next to this test's own (cargo builds it for the workspace's tests).
fn signup_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let binary = dir.join("signup");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build -p signup` (cargo xtask test does)",
        binary.display()
    );
    binary
}

/// A child process killed when dropped.
pub(crate) struct Process(pub(crate) Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `signup ARGS` and returns it with the URL of its `listening on http://ADDR` line.
fn start(args: &[&str], env: &[(&str, &str)]) -> (Process, String) {
    let mut child = Command::new(signup_binary())
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DEVDRAFT_BASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start signup");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    reader.read_line(&mut line).expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?} from signup {args:?}"))
        .to_owned();
    // Keep reading what it prints: a closed pipe would kill it at its next line.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    (Process(child), url)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("free port")
}

/// What a test needs running.
#[derive(Default)]
pub struct Options<'a> {
    /// `--faults` for the emulator.
    pub faults: Option<&'a str>,
    /// `--allow-origin` for the proxy.
    pub allow_origin: Option<&'a str>,
    /// More `signup serve` flags.
    pub proxy_flags: &'a [&'a str],
    /// What the proxy serves instead of `dist/` (a changed copy of it).
    pub static_dir: Option<&'a Path>,
}

impl<'a> Options<'a> {
    /// The emulator with `--faults faults`, nothing else changed.
    pub fn faults(faults: &'a str) -> Self {
        Options {
            faults: Some(faults),
            ..Options::default()
        }
    }
}

/// A new browser session from the WebDriver server at `url`, asked again for up to 30 s: a
/// driver still starting, or busy closing the last session, refuses the connection for a
/// moment. A request the driver leaves unanswered fails after a minute (not thirtyfour's two).
async fn session(url: &str, caps: &Capabilities) -> WebDriverResult<WebDriver> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let request =
            WebDriver::builder(url, caps.clone()).request_timeout(Duration::from_secs(60));
        match request.await {
            Ok(driver) => return Ok(driver),
            Err(error) if Instant::now() > deadline => return Err(error),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// An emulator, a proxy serving `dist/` in front of it, a WebDriver server and a browser
/// session of one engine.
pub struct Stack {
    /// The emulator's base URL.
    pub emulator: String,
    /// The proxy's base URL (the demo page is at `/`).
    pub proxy: String,
    /// The browser.
    pub driver: WebDriver,
    /// For the emulator's read API and raw checks.
    pub http: reqwest::Client,
    /// The browser engine.
    pub engine: Engine,
    name: String,
    driver_port: u16,
    /// The WebDriver server (and for WebKit its Xvfb), replaced when it stops answering.
    driver_processes: std::sync::Mutex<Vec<Process>>,
    _processes: Vec<Process>,
}

impl Stack {
    /// Starts everything for the test called `name`, in `engine`.
    pub async fn start(engine: Engine, name: &str, options: Options<'_>) -> Stack {
        let mut emulator_args = vec![
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--client-key",
            CLIENT_KEY,
            "--client-secret",
            CLIENT_SECRET,
            "--rate-limit",
            "0",
        ];
        if let Some(faults) = options.faults {
            emulator_args.extend(["--faults", faults]);
        }
        let (emulator_process, emulator) = start(&emulator_args, &[]);
        let dist = options.static_dir.map_or_else(dist, Path::to_path_buf);
        let dist = dist.to_str().expect("utf-8 path");
        let mut proxy_args = vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &emulator,
            "--static-dir",
            dist,
            "--rate-limit",
            "0",
        ];
        if let Some(origin) = options.allow_origin {
            proxy_args.extend(["--allow-origin", origin]);
        }
        proxy_args.extend(options.proxy_flags);
        let env = [
            ("DEVDRAFT_CLIENT_KEY", CLIENT_KEY),
            ("DEVDRAFT_CLIENT_SECRET", CLIENT_SECRET),
        ];
        let (proxy_process, proxy) = start(&proxy_args, &env);

        let driver_port = free_port();
        let driver_processes = engine.start_driver(driver_port);
        let caps = engine.capabilities();
        let url = format!("http://127.0.0.1:{driver_port}");
        let driver = session(&url, &caps)
            .await
            .unwrap_or_else(|error| panic!("[{engine}] no browser session: {error}"));
        Stack {
            emulator,
            proxy,
            driver,
            http: reqwest::Client::new(),
            engine,
            name: name.to_owned(),
            driver_port,
            driver_processes: std::sync::Mutex::new(driver_processes),
            _processes: vec![proxy_process, emulator_process],
        }
    }

    /// Runs `scenario` (a test's body, which may fail by `Err` or by panicking); on failure
    /// saves a screenshot and the console log under `target/e2e-artifacts/ENGINE/`, then fails
    /// with the engine's name.
    pub async fn check(&self, scenario: impl Future<Output = Outcome>) {
        let outcome = match AssertUnwindSafe(scenario).catch_unwind().await {
            Ok(outcome) => outcome.map_err(|Failure(message)| message),
            Err(panic) => Err(panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
                .unwrap_or_else(|| "panicked".to_owned())),
        };
        // Saved while the browser still runs; it is quit once, whatever the outcome.
        let failure = match outcome {
            Ok(()) => None,
            Err(message) => {
                let artifacts = root()
                    .join("target")
                    .join("e2e-artifacts")
                    .join(self.engine.name());
                let _ = std::fs::create_dir_all(&artifacts);
                let shot = artifacts.join(format!("{}.png", self.name));
                let _ = self.driver.screenshot(&shot).await;
                let log_path = artifacts.join(format!("{}.console.log", self.name));
                let _ = std::fs::write(&log_path, self.console_log().await);
                Some(format!(
                    "[{}] {message}\n(screenshot: {}, console: {})",
                    self.engine,
                    shot.display(),
                    log_path.display()
                ))
            }
        };
        let _ = self.driver.clone().quit().await;
        if let Some(failure) = failure {
            panic!("{failure}");
        }
    }

    /// A new session of the stack's engine. When none comes, the driver is restarted (at most
    /// twice): WebKitWebDriver, asked for session after session on a loaded machine, has
    /// stopped answering (2 full-suite runs in 6 here), and then never does again.
    async fn fresh_session(&self) -> Result<WebDriver, Failure> {
        let url = format!("http://127.0.0.1:{}", self.driver_port);
        let mut restarts = 0;
        loop {
            match session(&url, &self.engine.capabilities()).await {
                Ok(driver) => return Ok(driver),
                Err(error) if restarts == 2 => return Err(error.into()),
                Err(error) => {
                    eprintln!(
                        "[{}] no new session ({error}): restarting the driver",
                        self.engine
                    );
                    let mut processes = self.driver_processes.lock().expect("driver processes");
                    // The old one must be gone before the new one takes its port.
                    processes.clear();
                    *processes = self.engine.start_driver(self.driver_port);
                    restarts += 1;
                }
            }
        }
    }

    /// Time to interactive of a first visit: a new browser session (empty cache), once started
    /// up, opens the demo page and reads the widget's `signup-form:ready` mark, in ms after navigation start;
    /// the session is then closed. The stack's own session must be closed first (geckodriver
    /// serves one session at a time).
    pub async fn first_visit_ready_ms(&self) -> Result<f64, Failure> {
        let driver = self.fresh_session().await?;
        let page = SignupPage {
            driver: driver.clone(),
        };
        let ready = async {
            // A visitor's browser is already running: let this one finish starting up (a
            // fresh Firefox spends its first second on its own work) before the visit.
            driver.goto("about:blank").await?;
            tokio::time::sleep(Duration::from_secs(1)).await;
            driver.goto(format!("{}/", self.proxy)).await?;
            page.wait_for_form().await;
            page.ready_ms()
                .await
                .ok_or_else(|| Failure("no signup-form:ready mark".to_owned()))
        }
        .await;
        driver.quit().await?;
        ready
    }

    /// The browser console so far, one line per message (chromedriver's log endpoint; the
    /// other drivers offer none).
    pub async fn console_log(&self) -> String {
        if !self.engine.has_console_log() {
            return format!(
                "({} offers no console log through WebDriver)\n",
                self.engine
            );
        }
        let url = format!(
            "http://127.0.0.1:{}/session/{}/se/log",
            self.driver_port,
            self.driver.session_id()
        );
        let Ok(response) = self
            .http
            .post(url)
            .json(&json!({"type": "browser"}))
            .send()
            .await
        else {
            return String::new();
        };
        let body: Value = response.json().await.unwrap_or_default();
        body["value"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| format!("{} {}\n", entry["level"], entry["message"]))
            .collect()
    }

    /// Customers upstream, read through the emulator's API (the proxy exposes no read).
    pub async fn customers(&self) -> Vec<Customer> {
        let list: CustomerList = self
            .upstream(
                self.http
                    .get(format!("{}{CUSTOMERS}?take=100", self.emulator)),
            )
            .send()
            .await
            .expect("emulator read")
            .json()
            .await
            .expect("customer list");
        list.data
    }

    /// Waits (up to 5 s) for the emulator to hold `count` customers, and returns them: creates
    /// finish after the page says so only in the drop-after-commit case, where the proxy
    /// replays.
    pub async fn customers_settled(&self, count: usize) -> Vec<Customer> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let customers = self.customers().await;
            if customers.len() >= count || Instant::now() > deadline {
                return customers;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates a customer directly upstream (to set up a duplicate email).
    pub async fn create_upstream(&self, customer: Value) {
        let status = self
            .upstream(self.http.post(format!("{}{CUSTOMERS}", self.emulator)))
            .json(&customer)
            .send()
            .await
            .expect("emulator create")
            .status();
        assert_eq!(status.as_u16(), 201);
    }

    /// `request` with the emulator's credentials.
    fn upstream(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
            .header(headers::CLIENT_KEY, CLIENT_KEY)
            .header(headers::CLIENT_SECRET, CLIENT_SECRET)
    }

    /// Opens the demo page and waits for the form.
    pub async fn open(&self) -> SignupPage {
        self.open_url(&format!("{}/", self.proxy)).await
    }

    /// Opens `url` (a page embedding the form) and waits for the form.
    pub async fn open_url(&self, url: &str) -> SignupPage {
        self.driver.goto(url).await.expect("navigate");
        self.page().await
    }

    /// The page the browser shows now, once its form is there (after a navigation or reload).
    pub async fn page(&self) -> SignupPage {
        let page = SignupPage {
            driver: self.driver.clone(),
        };
        page.wait_for_form().await;
        page.record_events().await;
        page
    }
}

/// A one-page static server for a page on another origin (`web/embed-example.html`). Bound
/// first, so its origin can be allowed before the page (which names the proxy) exists.
pub struct StaticPage {
    /// Its origin, `http://127.0.0.1:PORT`.
    pub origin: String,
    listener: TcpListener,
}

impl StaticPage {
    /// Reserves a free port.
    pub fn bind() -> StaticPage {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        StaticPage { origin, listener }
    }

    /// Serves `html` at every path until the process ends; returns the origin.
    pub fn serve(self, html: String) -> String {
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
            html.len()
        );
        let listener = self.listener;
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let _ = stream.read(&mut [0u8; 4096]);
                let _ = stream.write_all(response.as_bytes());
            }
        });
        self.origin
    }
}

/// The registration form as a user sees it.
pub struct SignupPage {
    /// The browser.
    pub driver: WebDriver,
}

/// A customer as typed into the form.
pub struct Entry<'a> {
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Phone number.
    pub phone_number: &'a str,
    /// Email, or empty.
    pub email: &'a str,
}

impl SignupPage {
    /// Waits until `selector` matches something (10 s at most).
    pub async fn wait_for(&self, selector: &str) -> WebElement {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(element) = self.driver.find(By::Css(selector)).await {
                return element;
            }
            assert!(Instant::now() < deadline, "nothing matches {selector}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the form is rendered (10 s at most).
    async fn wait_for_form(&self) {
        self.wait_for("form.signup-form input[name=first_name]")
            .await;
    }

    /// Runs `script` in the page (with `arguments[i]` = `args[i]`) and returns what it returns.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> WebDriverResult<Value> {
        Ok(self.driver.execute(script, args).await?.json().clone())
    }

    /// Records `customer-created` and `customer-error` events in `window.__events`.
    async fn record_events(&self) {
        self.eval(
            "window.__events = window.__events || [];
             for (const name of ['customer-created', 'customer-error']) {
               document.addEventListener(name, (e) => window.__events.push({name, detail: e.detail}));
             }",
            vec![],
        )
        .await
        .expect("record events");
    }

    /// When the form became interactive, in ms after navigation start (the widget's
    /// `signup-form:ready` mark), if it did.
    pub async fn ready_ms(&self) -> Option<f64> {
        self.eval(
            "const mark = performance.getEntriesByName('signup-form:ready')[0];
             return mark ? mark.startTime : null;",
            vec![],
        )
        .await
        .expect("ready mark")
        .as_f64()
    }

    /// Focuses the form (which starts its proof of work) and waits for the proof: the time from
    /// the challenge's fetch to its solution (the widget's `signup-form:solve` measure), in ms.
    pub async fn solve_ms(&self) -> f64 {
        self.wait_for("[name=first_name]")
            .await
            .focus()
            .await
            .expect("focus the form");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let measure = self
                .eval(
                    "const measure = performance.getEntriesByName('signup-form:solve')[0];
                     return measure ? measure.duration : null;",
                    vec![],
                )
                .await
                .expect("solve measure");
            if let Some(ms) = measure.as_f64() {
                return ms;
            }
            assert!(Instant::now() < deadline, "no proof of work within 30 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The events recorded so far.
    pub async fn events(&self) -> Vec<Value> {
        let value = self
            .eval("return window.__events || [];", vec![])
            .await
            .expect("events");
        value.as_array().cloned().unwrap_or_default()
    }

    /// From now on, records the `idempotency-key` of every create the page sends.
    pub async fn record_requests(&self) {
        self.eval(
            "window.__sent = []; const original = window.fetch;
             window.fetch = (url, init) => {
               // The creates, not the challenges fetched for their proof of work.
               if (init && init.method == 'POST') {
                 const headers = new Headers(init.headers);
                 window.__sent.push(headers.get('idempotency-key'));
                 (window.__proofs = window.__proofs || []).push(headers.get('x-altcha'));
               }
               return original(url, init);
             };",
            vec![],
        )
        .await
        .expect("record requests");
    }

    /// The idempotency keys of the requests sent since [`SignupPage::record_requests`].
    pub async fn sent_keys(&self) -> Vec<Value> {
        let sent = self
            .eval("return window.__sent || [];", vec![])
            .await
            .expect("sent keys");
        sent.as_array().cloned().unwrap_or_default()
    }

    /// The challenge cost (`parameters.cost`) of each proof of work sent with a create since
    /// [`SignupPage::record_requests`] (`null` for a create sent without one).
    pub async fn sent_proof_costs(&self) -> Vec<Value> {
        let costs = self
            .eval(
                "return (window.__proofs || [])
                   .map((proof) => proof && JSON.parse(atob(proof)).challenge.parameters.cost);",
                vec![],
            )
            .await
            .expect("sent proofs");
        costs.as_array().cloned().unwrap_or_default()
    }

    /// The idempotency key the form keeps in sessionStorage for a pending submission (`null`
    /// when there is none).
    pub async fn pending_key(&self) -> Value {
        self.eval(
            "return Object.entries(sessionStorage).find(([k]) => k.endsWith(':key'))?.[1] ?? null;",
            vec![],
        )
        .await
        .expect("pending key")
    }

    /// The input for an API field.
    pub async fn field(&self, name: &str) -> WebElement {
        self.wait_for(&format!("[name={name}]")).await
    }

    /// Types `text` into a field (after clearing it).
    pub async fn type_into(&self, name: &str, text: &str) {
        let field = self.field(name).await;
        field.clear().await.expect("clear");
        if !text.is_empty() {
            field.send_keys(text).await.expect("type");
        }
    }

    /// Fills the whole form.
    pub async fn fill(&self, entry: &Entry<'_>) {
        self.type_into("first_name", entry.first_name).await;
        self.type_into("last_name", entry.last_name).await;
        self.type_into("phone_number", entry.phone_number).await;
        self.type_into("email", entry.email).await;
        if !entry.email.is_empty()
            && let Ok(consent) = self.driver.find(By::Css("[name=consent]")).await
            && !consent.is_selected().await.unwrap_or(false)
        {
            consent.click().await.expect("consent");
        }
    }

    /// Leaves a field (moves focus to the next control).
    pub async fn leave(&self, name: &str) {
        self.field(name)
            .await
            .send_keys(Key::Tab)
            .await
            .expect("tab");
    }

    /// Clicks the submit button.
    pub async fn submit(&self) {
        self.submit_button().await.click().await.expect("submit");
    }

    /// Submits, then waits for the status line and returns it.
    pub async fn submit_for_status(&self) -> String {
        self.submit().await;
        self.wait_for_status().await
    }

    /// The submit button.
    pub async fn submit_button(&self) -> WebElement {
        self.wait_for("button[type=submit]").await
    }

    /// The error message the field's `aria-describedby` points at ("" when none).
    pub async fn error_of(&self, name: &str) -> String {
        let value = self
            .eval(
                "const input = document.querySelector(`[name=${arguments[0]}]`);
                 const ids = (input.getAttribute('aria-describedby') || '').split(' ');
                 const error = ids.map((id) => document.getElementById(id))
                   .find((el) => el && el.classList.contains('signup-error'));
                 return error ? error.textContent : '';",
                vec![json!(name)],
            )
            .await
            .expect("error of");
        value.as_str().unwrap_or_default().to_owned()
    }

    /// A field's current value (its `value` property, which typing changes), if it has one.
    pub async fn value_of(&self, name: &str) -> Option<String> {
        self.field(name)
            .await
            .prop("value")
            .await
            .unwrap_or_default()
    }

    /// An attribute of a field.
    pub async fn attr_of(&self, name: &str, attribute: &str) -> Option<String> {
        self.field(name)
            .await
            .attr(attribute)
            .await
            .expect("attribute")
    }

    /// Waits until the status region says how the submission ended, and returns it.
    pub async fn wait_for_status(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // While the form is busy the status may say that the proof of work is still being
            // solved (in whatever language): not the outcome yet. Both read at once.
            let status = self
                .eval(
                    "const form = document.querySelector('form');
                     return form && form.getAttribute('aria-busy') == 'false'
                       ? form.querySelector('.signup-status').textContent : '';",
                    vec![],
                )
                .await
                .expect("status");
            if let Some(status) = status.as_str().filter(|status| !status.is_empty()) {
                return status.to_owned();
            }
            assert!(Instant::now() < deadline, "the status stayed empty");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The URLs this page fetched (resource timing) that contain `part`.
    pub async fn fetched(&self, part: &str) -> Vec<String> {
        let urls = self
            .eval(
                "return performance.getEntriesByType('resource').map((entry) => entry.name)
                   .filter((name) => name.includes(arguments[0]));",
                vec![json!(part)],
            )
            .await
            .expect("resource timing");
        urls.as_array()
            .into_iter()
            .flatten()
            .filter_map(|url| url.as_str().map(str::to_owned))
            .collect()
    }

    /// Waits until the alert region says something, and returns it.
    pub async fn wait_for_alert(&self) -> String {
        self.wait_for_text(".signup-alert").await
    }

    async fn wait_for_text(&self, selector: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self
                .wait_for(selector)
                .await
                .text()
                .await
                .unwrap_or_default();
            if !text.is_empty() {
                return text;
            }
            assert!(Instant::now() < deadline, "{selector} stayed empty");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Runs axe-core (from `.tools/axe`, installed by `cargo xtask setup`) on the form and
    /// returns the WCAG 2.1 A/AA violations as `id: help (targets)` lines.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let axe = root().join(".tools/axe/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe)
            .unwrap_or_else(|_| panic!("{} is missing: run `cargo xtask setup`", axe.display()));
        self.eval(&source, vec![]).await.expect("inject axe");
        let result = self
            .eval(
                // A script body is not async in every driver: the promise is returned, which
                // WebDriver awaits.
                "return axe.run(document.querySelector('customer-signup-form') || document,
                   {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then((result) => result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`));",
                vec![],
            )
            .await
            .expect("axe run");
        result
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|line| line.as_str().map(str::to_owned))
            .collect()
    }
}

/// Fails the scenario with `message` unless `condition` holds.
#[macro_export]
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err($crate::Failure(format!($($message)+)));
        }
    };
}
