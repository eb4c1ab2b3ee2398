//! `cargo xtask`: every piece of automation of this workspace, in Rust.
//!
//! Run `cargo xtask help` for the list of tasks.

mod gen_phone;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use xshell::Shell;

const HELP: &str = "\
cargo xtask <task>

tasks:
  gen-phone  regenerate the phone calling-code table from libphonenumber-js metadata
";

fn main() -> Result<()> {
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    match task {
        "gen-phone" => gen_phone::run(&sh),
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown task `{other}`; run `cargo xtask help` for the list"),
    }
}

/// The workspace root: xtask lives in `crates/xtask`.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask sits two levels below the workspace root")
        .to_path_buf()
}
