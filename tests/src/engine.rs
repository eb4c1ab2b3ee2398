//! The three browser engines the suite runs in, each through its own WebDriver server:
//! Chromium (chromedriver), Firefox ESR (geckodriver) and WebKitGTK's MiniBrowser
//! (WebKitWebDriver). `cargo xtask setup` installs all of them.
//!
//! WebKitGTK has no headless mode that works here (`--headless` hung), so each WebKit session
//! gets a virtual display of its own: an `Xvfb` that picks a free display number itself
//! (`-displayfd`), so parallel tests never race for one.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
};

use serde_json::{Map, Value, json};
use thirtyfour::Capabilities;

use crate::Process;

/// A browser engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Debian's Chromium, headless, through chromedriver.
    Chromium,
    /// Firefox ESR, headless, through geckodriver.
    Firefox,
    /// WebKitGTK's MiniBrowser under Xvfb, through WebKitWebDriver.
    WebKit,
}

impl Engine {
    /// Every engine, in the order the suite runs them.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// Its name in `SIGNUP_BROWSERS`, in messages and in the artifacts' folder.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The engines to run: `SIGNUP_BROWSERS` (a comma list, e.g. `chromium,firefox`) when set,
    /// else all three.
    pub fn selected() -> Vec<Engine> {
        let Ok(list) = std::env::var("SIGNUP_BROWSERS") else {
            return Engine::ALL.to_vec();
        };
        list.split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| {
                Engine::ALL
                    .into_iter()
                    .find(|engine| engine.name() == name)
                    .unwrap_or_else(|| {
                        panic!(
                            "SIGNUP_BROWSERS: unknown engine {name:?} (chromium, firefox, webkit)"
                        )
                    })
            })
            .collect()
    }

    /// Whether its driver serves the browser console (chromedriver's log endpoint; neither
    /// geckodriver nor WebKitWebDriver has one).
    pub fn has_console_log(self) -> bool {
        self == Engine::Chromium
    }

    /// Starts its WebDriver server on `port` (and the display it needs): the processes to
    /// keep while the session lives.
    pub(crate) fn start_driver(self, port: u16) -> Vec<Process> {
        let spawn = |command: &mut Command, what: &str| {
            Process(
                command
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|error| {
                        panic!("cannot start {what} ({error}): run `cargo xtask setup`")
                    }),
            )
        };
        match self {
            Engine::Chromium => vec![spawn(
                Command::new(
                    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()),
                )
                .arg(format!("--port={port}")),
                "chromedriver",
            )],
            Engine::Firefox => vec![spawn(
                Command::new(std::env::var("GECKODRIVER").unwrap_or_else(|_| "geckodriver".into()))
                    .args(["--host", "127.0.0.1", "--port", &port.to_string()]),
                "geckodriver",
            )],
            Engine::WebKit => {
                let (xvfb, display) = start_xvfb();
                let driver = spawn(
                    Command::new("WebKitWebDriver")
                        .arg(format!("--port={port}"))
                        .env("DISPLAY", format!(":{display}")),
                    "WebKitWebDriver",
                );
                // The driver first: it must end before its display does.
                vec![driver, xvfb]
            }
        }
    }

    /// What a new session asks of its driver.
    pub(crate) fn capabilities(self) -> Capabilities {
        let capabilities = match self {
            Engine::Chromium => json!({
                "browserName": "chrome",
                "goog:chromeOptions": {"args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--window-size=1024,900",
                ]},
                "goog:loggingPrefs": {"browser": "ALL"},
            }),
            Engine::Firefox => json!({
                "browserName": "firefox",
                "moz:firefoxOptions": {
                    "binary": std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()),
                    "args": ["-headless", "-width=1024", "-height=900"],
                    // Nothing but the pages under test: no update checks, telemetry or
                    // first-run pages reaching for the network.
                    "prefs": {
                        "app.update.enabled": false,
                        "browser.shell.checkDefaultBrowser": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                        "toolkit.telemetry.enabled": false,
                        "browser.startup.homepage_override.mstone": "ignore",
                        "network.captive-portal-service.enabled": false,
                        "extensions.update.enabled": false,
                    },
                },
            }),
            Engine::WebKit => json!({
                "browserName": "MiniBrowser",
                "webkitgtk:browserOptions": {
                    "binary": mini_browser().display().to_string(),
                    "args": ["--automation"],
                },
            }),
        };
        match capabilities {
            Value::Object(map) => Capabilities::from(map),
            _ => Capabilities::from(Map::new()),
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// WebKitGTK's MiniBrowser, which `libwebkit2gtk-4.1-0` installs in an architecture's folder.
fn mini_browser() -> PathBuf {
    if let Ok(path) = std::env::var("MINIBROWSER") {
        return path.into();
    }
    std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("webkit2gtk-4.1/MiniBrowser"))
        .find(|path| path.exists())
        .expect("no MiniBrowser under /usr/lib/*/webkit2gtk-4.1: run `cargo xtask setup`")
}

/// An Xvfb on a display number it picks itself, and that number.
fn start_xvfb() -> (Process, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x1024x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start Xvfb: run `cargo xtask setup`");
    let stdout = child.stdout.take().expect("Xvfb's stdout");
    let xvfb = Process(child);
    let mut display = String::new();
    BufReader::new(stdout)
        .read_line(&mut display)
        .expect("Xvfb names its display");
    let display = display.trim().to_owned();
    assert!(!display.is_empty(), "Xvfb did not start");
    (xvfb, display)
}
