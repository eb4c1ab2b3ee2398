//! CPU time per thread from /proc, shared by the benchmarks of several crates (`#[path]`; in a
//! folder, so cargo does not build it as a benchmark of its own).

use std::time::Duration;

/// CPU time used so far by the threads of process `pid` (`self` for this one) whose name
/// `matches`, from `/proc/PID/task/*/schedstat` (nanoseconds on a CPU).
pub fn cpu_time(pid: &str, matches: impl Fn(&str) -> bool) -> Duration {
    let nanos: u64 = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| matches(comm.trim_end()))
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}
