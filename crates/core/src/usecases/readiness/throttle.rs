//! At most one probe per backend per interval in an isolate: `/ready` is public, and without
//! this every call would cost a database connection and a paid Redis request, so a caller
//! could use it to multiply load on both. Calls inside the interval get the last result; calls
//! while a probe runs wait for it rather than start another.
//!
//! Only results are shared, never a running probe: on Workers, I/O started by one request
//! cannot be driven from another, so each probe runs to its end in the request that began it.

use std::cell::RefCell;

/// What a caller should do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn<T> {
    /// A probe started less than the interval ago gave this.
    Reuse(T),
    /// Probe now, then `finish` with the result and the time given here.
    Probe { started_ms: u64 },
    /// Another caller is probing: ask again in a moment.
    Wait,
}

struct State<T> {
    last: Option<(u64, T)>,
    running_since: Option<u64>,
}

pub struct ProbeThrottle<T> {
    interval_ms: u64,
    /// A probe still running after this long counts as abandoned (its request went away).
    abandon_ms: u64,
    state: RefCell<State<T>>,
}

impl<T: Clone> ProbeThrottle<T> {
    pub const fn new(interval_ms: u64, abandon_ms: u64) -> Self {
        Self {
            interval_ms,
            abandon_ms,
            state: RefCell::new(State {
                last: None,
                running_since: None,
            }),
        }
    }

    pub fn turn(&self, now_ms: u64) -> Turn<T> {
        let mut state = self.state.borrow_mut();
        let within = |since: u64, span: u64| now_ms >= since && now_ms - since < span;
        if let Some((started, result)) = &state.last {
            if within(*started, self.interval_ms) {
                return Turn::Reuse(result.clone());
            }
        }
        if state
            .running_since
            .is_some_and(|since| within(since, self.abandon_ms))
        {
            return Turn::Wait;
        }
        state.running_since = Some(now_ms);
        Turn::Probe { started_ms: now_ms }
    }

    /// Records the result of the probe that `turn` asked for at `started_ms`.
    pub fn finish(&self, started_ms: u64, result: T) {
        let mut state = self.state.borrow_mut();
        if state.running_since == Some(started_ms) {
            state.running_since = None;
        }
        let newer = state.last.as_ref().is_none_or(|(at, _)| *at <= started_ms);
        if newer {
            state.last = Some((started_ms, result));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ProbeThrottle, Turn};

    #[test]
    fn one_probe_per_interval_however_many_calls() {
        let throttle = ProbeThrottle::new(1_000, 3_000);
        let Turn::Probe { started_ms } = throttle.turn(10_000) else {
            panic!("the first call probes");
        };
        for now in [10_001, 10_300, 10_900] {
            assert_eq!(throttle.turn(now), Turn::Wait, "a probe is running");
        }
        throttle.finish(started_ms, "ok");
        let answers: Vec<_> = (0..200).map(|i| throttle.turn(10_000 + i * 4)).collect();
        assert!(answers.iter().all(|a| *a == Turn::Reuse("ok")));
        assert_eq!(throttle.turn(10_999), Turn::Reuse("ok"));
        assert_eq!(throttle.turn(11_000), Turn::Probe { started_ms: 11_000 });
    }

    #[test]
    fn an_abandoned_probe_does_not_block_forever_and_a_clock_going_back_probes_again() {
        let throttle: ProbeThrottle<&str> = ProbeThrottle::new(1_000, 3_000);
        assert_eq!(throttle.turn(0), Turn::Probe { started_ms: 0 });
        assert_eq!(throttle.turn(2_999), Turn::Wait);
        assert_eq!(throttle.turn(3_000), Turn::Probe { started_ms: 3_000 });
        throttle.finish(3_000, "down");
        throttle.finish(0, "late and older: ignored");
        assert_eq!(throttle.turn(3_500), Turn::Reuse("down"));
        assert_eq!(throttle.turn(100), Turn::Probe { started_ms: 100 });
    }
}
