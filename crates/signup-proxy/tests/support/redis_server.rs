//! A `redis-server` for the tests and benchmarks that need one (included by `#[path]`: the
//! proxy's benchmarks and the `signup` command's tests).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

/// A `redis-server` of a test's or benchmark's own: no persistence, on a unix socket in `dir` (no port to
/// race for), stopped when dropped. `cargo xtask setup` installs it.
pub struct RedisServer {
    child: Option<Child>,
    socket: PathBuf,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts one in `dir` and waits until it answers.
    pub fn start(dir: &Path) -> RedisServer {
        let mut server = RedisServer {
            child: None,
            socket: dir.join("redis.sock"),
            dir: dir.to_owned(),
        };
        server.restart();
        server
    }

    /// The URL `signup serve --redis` takes.
    pub fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// A connection of the test's own, to look at the keys.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }

    /// Kills it (as a crash would): every connection to it breaks.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A paused server dies of SIGKILL too.
            child.kill().unwrap();
            child.wait().unwrap();
        }
        let _ = std::fs::remove_file(&self.socket);
    }

    /// Stops it without closing its socket (SIGSTOP), as a stalled server: nothing answers.
    pub fn pause(&self) {
        self.signal("STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("CONT");
    }

    fn signal(&self, name: &str) {
        signal(self.child.as_ref().expect("redis-server is running"), name);
    }

    /// Starts it again on the same socket, empty, and waits until it answers.
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            .arg("--unixsocket")
            .arg(&self.socket)
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot run redis-server ({error}): run `cargo xtask setup` first")
            });
        self.child = Some(child);
        for _ in 0..200 {
            let answered = redis::Client::open(self.url())
                .and_then(|client| client.get_connection())
                .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection));
            if answered.is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("redis-server did not answer on {}", self.socket.display());
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends `signal` (`TERM`, `INT`, `STOP`, `CONT`) to `child`, as a supervisor or Ctrl-C would.
pub fn signal(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} failed");
}
