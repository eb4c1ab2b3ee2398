//! `cargo xtask bench`: every benchmark. Extra arguments go to the criterion benchmarks
//! (`cargo xtask bench -- validate_10k` runs only that one, and skips the load tests).

use anyhow::Result;
use xshell::{Shell, cmd};

pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    // Criterion: the rules per record, and `signup validate` on JSON Lines.
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
    // The proof of work: checking a solution, issuing a challenge, an attacker's solve.
    cmd!(
        sh,
        "cargo bench --locked -p signup-proxy --bench challenge -- {args...}"
    )
    .run()?;
    if !args.is_empty() {
        return Ok(());
    }
    // Load tests (throughput and latency percentiles, not criterion): the emulator under 64
    // connections, the proxy against the emulator direct and nginx (when installed), the
    // limits shared through Redis against in memory, and
    // `signup import` end to end with the importer's own CPU per record.
    cmd!(
        sh,
        "cargo bench --locked -p devdraft-emulator --bench creates"
    )
    .run()?;
    cmd!(
        sh,
        "cargo bench --locked -p signup-proxy --bench throughput"
    )
    .run()?;
    // The limits shared through Redis: added latency, and the budget across three instances.
    cmd!(
        sh,
        "cargo bench --locked -p signup-proxy --bench shared_limits"
    )
    .run()?;
    cmd!(sh, "cargo bench --locked -p signup --bench import").run()?;
    // A person's wait for the proof of work, in the release widget in headless Chromium.
    crate::serve::dist(sh)?;
    crate::serve::sizes(sh)?;
    cmd!(sh, "cargo build --locked --release -p signup").run()?;
    cmd!(sh, "cargo bench --locked -p e2e --bench solve").run()?;
    Ok(())
}
