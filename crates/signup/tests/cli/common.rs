//! What every subcommand's tests need: the binary, a scratch folder, a started server.

use std::{
    io::{BufRead, BufReader, Lines},
    path::PathBuf,
    process::{Child, ChildStdout, Command, Output, Stdio},
};

/// The `signup` binary, with no Devdraft configuration inherited from the environment.
pub fn signup() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signup"));
    for name in [
        "DEVDRAFT_CLIENT_KEY",
        "DEVDRAFT_CLIENT_SECRET",
        "DEVDRAFT_BASE_URL",
    ] {
        command.env_remove(name);
    }
    command
}

/// A fresh, empty folder for the test `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("signup-tests-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Spawns a server `command` and reads its first line, `listening on http://ADDR`: the child,
/// its base URL, and the rest of its standard output.
pub fn start(mut command: Command) -> (Child, String, Lines<BufReader<ChildStdout>>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned();
    (child, base, lines)
}

/// A finished command's standard error, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
