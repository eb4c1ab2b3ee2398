//! CPU time per thread from /proc, shared by the benchmarks of several crates (`#[path]`; in a
//! folder, so cargo does not build it as a benchmark of its own).

use std::{collections::HashMap, time::Duration};

/// CPU used by some threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Time on a CPU (`schedstat`, nanoseconds).
    pub on_cpu: Duration,
    /// Of which in user space and in the kernel, in clock ticks (`stat`): coarse, so only their
    /// ratio is used.
    user_ticks: u64,
    kernel_ticks: u64,
}

impl Usage {
    /// The share of it spent in the kernel (0..=1).
    #[allow(dead_code, reason = "the import benchmark reads only `on_cpu`")]
    pub fn kernel_share(&self) -> f64 {
        self.kernel_ticks as f64 / (self.user_ticks + self.kernel_ticks).max(1) as f64
    }

    fn add(mut self, other: Usage) -> Usage {
        self.on_cpu += other.on_cpu;
        self.user_ticks += other.user_ticks;
        self.kernel_ticks += other.kernel_ticks;
        self
    }

    fn minus(&self, before: &Usage) -> Usage {
        Usage {
            on_cpu: self.on_cpu.saturating_sub(before.on_cpu),
            user_ticks: self.user_ticks.saturating_sub(before.user_ticks),
            kernel_ticks: self.kernel_ticks.saturating_sub(before.kernel_ticks),
        }
    }
}

/// What some threads have used so far, by thread id.
#[derive(Debug, Clone, Default)]
pub struct Threads(HashMap<String, Usage>);

impl Threads {
    /// What these threads used since `before`. By thread: a thread that ended in between
    /// takes its time with it, and a sum over the threads alive at each end would miss it.
    pub fn since(&self, before: &Threads) -> Usage {
        self.0
            .iter()
            .map(|(tid, now)| now.minus(before.0.get(tid).unwrap_or(&Usage::default())))
            .fold(Usage::default(), Usage::add)
    }

    /// Both sets of threads (of two processes).
    #[allow(dead_code, reason = "the import benchmark reads only `on_cpu`")]
    pub fn and(mut self, other: Threads) -> Threads {
        self.0.extend(other.0);
        self
    }
}

/// What the threads of process `pid` (`self` for this one) whose name `matches` have used so
/// far, from `/proc/PID/task/*/{schedstat,stat}`.
pub fn usage(pid: &str, matches: impl Fn(&str) -> bool) -> Threads {
    let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| matches(comm.trim_end()))
        })
        .map(|task| {
            let read = |file| std::fs::read_to_string(task.path().join(file)).unwrap_or_default();
            let nanos = read("schedstat")
                .split_whitespace()
                .next()
                .and_then(|nanos| nanos.parse().ok())
                .unwrap_or(0);
            // After the name in parentheses: state is the first field, utime the 12th, stime
            // the 13th.
            let stat = read("stat");
            let fields: Vec<u64> = stat
                .rsplit_once(')')
                .map(|(_, rest)| {
                    rest.split_whitespace()
                        .map(|f| f.parse().unwrap_or(0))
                        .collect()
                })
                .unwrap_or_default();
            let usage = Usage {
                on_cpu: Duration::from_nanos(nanos),
                user_ticks: fields.get(11).copied().unwrap_or(0),
                kernel_ticks: fields.get(12).copied().unwrap_or(0),
            };
            // Thread ids are unique across processes.
            (task.file_name().to_string_lossy().into_owned(), usage)
        });
    Threads(threads.collect())
}
