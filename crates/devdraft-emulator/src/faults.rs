//! Fault injection: what real networks and servers do to a create, on purpose and seedable.
//!
//! `--faults "drop-after-commit=0.15,error-500=0.1,delay-ms=50@0.1,seed=7"` applies each fault
//! to that fraction of create requests; a request can also ask for one with the header
//! `x-emulator-fault: drop-after-commit|error-500|delay-ms=N` (only when faults are on).
//! `first=N` limits the dice to the first N creates, for "fails once, then works" scenarios:
//! `error-500=1,first=1` fails the first create and no other.

use std::{sync::Mutex, time::Duration};

/// The request header that asks for a fault.
pub const FAULT_HEADER: &str = "x-emulator-fault";

/// What can happen to a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// Answer 500 without doing anything.
    pub error_500: bool,
    /// Wait this long before handling the request (while holding its idempotency key).
    pub delay: Option<Duration>,
    /// Commit, then close the connection without answering.
    pub drop_after_commit: bool,
}

/// The configured faults and their random source.
#[derive(Debug)]
pub struct Faults {
    drop_after_commit: f64,
    error_500: f64,
    delay: Option<(Duration, f64)>,
    /// The random source, and how many creates may still roll the dice (`None`: all).
    rng: Mutex<(fastrand::Rng, Option<u64>)>,
}

/// A `--faults` specification that cannot be read; the message says what is expected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid fault `{item}`: {why} (expected e.g. drop-after-commit=0.15,error-500=0.1,delay-ms=50@0.1,seed=7,first=100)"
)]
pub struct FaultSpecError {
    item: String,
    why: &'static str,
}

impl Faults {
    /// Reads a specification; an empty one turns faults on for the header only.
    pub fn parse(spec: &str) -> Result<Faults, FaultSpecError> {
        let (mut drop_after_commit, mut error_500, mut delay) = (0.0, 0.0, None);
        let (mut rng, mut first) = (fastrand::Rng::new(), None);
        for item in spec
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let error = |why| FaultSpecError {
                item: item.to_owned(),
                why,
            };
            let (name, value) = item.split_once('=').ok_or_else(|| error("missing `=`"))?;
            let fraction = |text: &str| match text.parse::<f64>() {
                Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
                _ => Err(error("the fraction must be a number from 0 to 1")),
            };
            match name {
                "drop-after-commit" => drop_after_commit = fraction(value)?,
                "error-500" => error_500 = fraction(value)?,
                "delay-ms" => {
                    let (ms, rate) = value
                        .split_once('@')
                        .ok_or_else(|| error("write delay-ms=MILLISECONDS@FRACTION"))?;
                    let ms = ms
                        .parse()
                        .map_err(|_| error("the delay must be whole milliseconds"))?;
                    delay = Some((Duration::from_millis(ms), fraction(rate)?));
                }
                "seed" => {
                    let seed = value
                        .parse()
                        .map_err(|_| error("the seed must be a whole number"))?;
                    rng = fastrand::Rng::with_seed(seed);
                }
                "first" => {
                    first = Some(
                        value
                            .parse()
                            .map_err(|_| error("first must be a whole number of creates"))?,
                    );
                }
                _ => return Err(error("unknown fault")),
            }
        }
        Ok(Faults {
            drop_after_commit,
            error_500,
            delay,
            rng: Mutex::new((rng, first)),
        })
    }

    /// What happens to one create: the header's fault if it names one, else the dice.
    pub fn plan(&self, header: Option<&str>) -> Plan {
        if let Some(header) = header {
            return Self::from_header(header);
        }
        let mut state = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (rng, remaining) = &mut *state;
        match remaining {
            Some(0) => return Plan::default(),
            Some(left) => *left -= 1,
            None => {}
        }
        let mut roll = |fraction: f64| fraction > 0.0 && rng.f64() < fraction;
        Plan {
            error_500: roll(self.error_500),
            delay: self
                .delay
                .and_then(|(delay, fraction)| roll(fraction).then_some(delay)),
            drop_after_commit: roll(self.drop_after_commit),
        }
    }

    fn from_header(header: &str) -> Plan {
        let mut plan = Plan::default();
        for fault in header.split(',').map(str::trim) {
            match fault.split_once('=') {
                None if fault == "drop-after-commit" => plan.drop_after_commit = true,
                None if fault == "error-500" => plan.error_500 = true,
                Some(("delay-ms", ms)) => plan.delay = ms.parse().ok().map(Duration::from_millis),
                _ => {}
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_specification() {
        let faults = Faults::parse("drop-after-commit=0.15,error-500=0.1,delay-ms=50@0.1").unwrap();
        assert_eq!(faults.drop_after_commit, 0.15);
        assert_eq!(faults.error_500, 0.1);
        assert_eq!(faults.delay, Some((Duration::from_millis(50), 0.1)));
    }

    #[test]
    fn first_limits_faults_to_the_first_creates() {
        let faults = Faults::parse("error-500=1,first=2").unwrap();
        let failed: Vec<bool> = (0..4).map(|_| faults.plan(None).error_500).collect();
        assert_eq!(failed, [true, true, false, false]);
    }

    #[test]
    fn rejects_bad_specifications_with_a_reason() {
        for spec in [
            "drop=0.1",
            "error-500=2",
            "delay-ms=50",
            "error-500",
            "seed=x",
        ] {
            assert!(Faults::parse(spec).is_err(), "{spec}");
        }
        let message = Faults::parse("error-500=2").unwrap_err().to_string();
        assert!(message.contains("from 0 to 1"), "{message}");
    }

    #[test]
    fn applies_each_fault_to_about_its_fraction_and_repeats_with_a_seed() {
        let plans = |spec: &str| {
            let faults = Faults::parse(spec).unwrap();
            (0..10_000).map(|_| faults.plan(None)).collect::<Vec<_>>()
        };
        let first = plans("error-500=0.1,drop-after-commit=0.3,seed=42");
        assert_eq!(first, plans("error-500=0.1,drop-after-commit=0.3,seed=42"));
        let errors = first.iter().filter(|plan| plan.error_500).count();
        let drops = first.iter().filter(|plan| plan.drop_after_commit).count();
        assert!((800..1200).contains(&errors), "{errors}");
        assert!((2700..3300).contains(&drops), "{drops}");
    }

    #[test]
    fn obeys_the_fault_header() {
        let faults = Faults::parse("").unwrap();
        assert_eq!(faults.plan(None), Plan::default());
        assert!(faults.plan(Some("drop-after-commit")).drop_after_commit);
        assert!(faults.plan(Some("error-500")).error_500);
        assert_eq!(
            faults.plan(Some("delay-ms=20")).delay,
            Some(Duration::from_millis(20))
        );
    }
}
