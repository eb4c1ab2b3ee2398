//! `cargo xtask bench`: every benchmark, with criterion. Extra arguments go to criterion
//! (`cargo xtask bench -- validate_10k` runs only that one).

use anyhow::Result;
use xshell::{Shell, cmd};

pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    cmd!(
        sh,
        "cargo bench --locked -p customer-validation --bench validate -- {args...}"
    )
    .run()?;
    cmd!(
        sh,
        "cargo bench --locked -p signup --bench validate_stream -- {args...}"
    )
    .run()?;
    Ok(())
}
