//! The two ways of loading an endpoint: as fast as N connections go (saturation), and at a
//! fixed rate (latency at moderate load, and the latency-versus-load curve).
//!
//! Everything runs on one thread (a current-thread runtime with a LocalSet), so the generator
//! takes at most one of the machine's two cores. In fixed-rate mode a request that could not be
//! sent when due (its connection still waiting for the last answer) counts from when it was due,
//! so a falling-behind server shows up as latency instead of hiding (no coordinated omission);
//! one sent on time counts from its send, not from the timer's late wake-up.

use super::endpoints::{Actor, Endpoint};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Which load generator measured a sample.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// This module: the stateful flows (every request depends on the last answer).
    #[default]
    Ours,
    /// `oha` from crates.io: one fixed request again and again (`super::oha`).
    Oha,
}

impl Generator {
    pub fn name(self) -> &'static str {
        match self {
            Generator::Ours => "ours",
            Generator::Oha => "oha",
        }
    }
}

#[derive(Debug, Clone)]
enum Latencies {
    /// Every successful request's latency, microseconds, sorted (ours).
    Every(Vec<u64>),
    /// The successes and the generator's own percentiles, `(percentile, ms)` (oha's report).
    Percentiles { ok: usize, ms: Vec<(f64, f64)> },
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies::Every(Vec::new())
    }
}

#[derive(Debug, Default, Clone)]
pub struct Sample {
    latencies: Latencies,
    pub errors: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub generator: Generator,
}

impl Sample {
    /// A sample as a generator that keeps no single latencies reports it.
    pub fn from_percentiles(
        ok: usize,
        percentiles_ms: Vec<(f64, f64)>,
        errors: usize,
        first_error: Option<String>,
        elapsed: Duration,
        generator: Generator,
    ) -> Self {
        Self {
            latencies: Latencies::Percentiles {
                ok,
                ms: percentiles_ms,
            },
            errors,
            first_error,
            elapsed,
            generator,
        }
    }

    pub fn ok(&self) -> usize {
        match &self.latencies {
            Latencies::Every(all) => all.len(),
            Latencies::Percentiles { ok, .. } => *ok,
        }
    }

    pub fn requests(&self) -> usize {
        self.ok() + self.errors
    }

    pub fn rate(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`-th percentile in milliseconds (nearest rank); NaN when there is none (no
    /// successes, or a percentile the generator did not report).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        match &self.latencies {
            Latencies::Every(all) if all.is_empty() => f64::NAN,
            Latencies::Every(all) => {
                let rank = ((p / 100.0) * all.len() as f64).ceil() as usize;
                all[rank.clamp(1, all.len()) - 1] as f64 / 1000.0
            }
            Latencies::Percentiles { ms, .. } => ms
                .iter()
                .find(|(q, _)| (q - p).abs() < 1e-9)
                .map_or(f64::NAN, |(_, v)| *v),
        }
    }

    fn record(&mut self, result: Result<Duration, String>) {
        match result {
            Ok(took) => {
                if let Latencies::Every(all) = &mut self.latencies {
                    all.push(took.as_micros() as u64);
                }
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn sort(&mut self) {
        if let Latencies::Every(all) = &mut self.latencies {
            all.sort_unstable();
        }
    }
}

/// Opens `connections` actors (logins included) before any timing starts.
async fn actors(endpoint: Endpoint, port: u16, connections: usize) -> Result<Vec<Actor>, String> {
    let mut all = Vec::with_capacity(connections);
    for i in 0..connections {
        all.push(Actor::start(endpoint, port, i).await?);
    }
    Ok(all)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Opens the actors, then drives each on a task of its own from one common start, and returns
/// the sample when every task is done. Logins of the actors happen before the start.
fn run<F, Fut>(
    endpoint: Endpoint,
    port: u16,
    connections: usize,
    drive: F,
) -> Result<Sample, String>
where
    F: Fn(Actor, Instant, Rc<RefCell<Sample>>) -> Fut,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let rt = runtime();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let pool = actors(endpoint, port, connections).await?;
        let sample = Rc::new(RefCell::new(Sample::default()));
        let started = Instant::now();
        let tasks: Vec<_> = pool
            .into_iter()
            .map(|actor| tokio::task::spawn_local(drive(actor, started, sample.clone())))
            .collect();
        for t in tasks {
            t.await.map_err(|e| e.to_string())?;
        }
        let mut s = sample.take();
        s.elapsed = started.elapsed();
        s.sort();
        Ok(s)
    })
}

/// Every connection sends its next request as soon as the last one is answered, for `length`.
pub fn saturate(
    endpoint: Endpoint,
    port: u16,
    connections: usize,
    length: Duration,
) -> Result<Sample, String> {
    run(
        endpoint,
        port,
        connections,
        move |mut actor, started, sample| async move {
            while started.elapsed() < length {
                let result = actor.step().await;
                sample.borrow_mut().record(result);
            }
        },
    )
}

/// `rate` requests per second for `length`, spread over `connections` connections.
pub fn fixed_rate(
    endpoint: Endpoint,
    port: u16,
    rate: f64,
    length: Duration,
    connections: usize,
) -> Result<Sample, String> {
    let total = (rate * length.as_secs_f64()).round() as usize;
    let next = Rc::new(Cell::new(0usize));
    run(
        endpoint,
        port,
        connections,
        move |mut actor, started, sample| {
            let next = next.clone();
            async move {
                loop {
                    let i = next.get();
                    if i >= total {
                        break;
                    }
                    next.set(i + 1);
                    let due = started + Duration::from_secs_f64(i as f64 / rate);
                    // Behind schedule (this connection's last answer came after this request
                    // was due): the wait counts, it is the server's. Ahead: sleep until due and
                    // count from the send, as the timer wakes up to a millisecond late and that
                    // lateness is ours (it doubled live's p50 beside oha's).
                    let late = Instant::now().saturating_duration_since(due);
                    if late.is_zero() {
                        tokio::time::sleep_until(due.into()).await;
                    }
                    let result = actor.step().await.map(|took| took + late);
                    sample.borrow_mut().record(result);
                }
            }
        },
    )
}
