//! Which load generator drives an endpoint: oha for the ones a fixed request can load, ours for
//! the stateful flows (see `oha` for why).

use super::endpoints::Endpoint;
use super::load::{self, Sample};
use super::oha::{self, FixedRequest};
use std::time::Duration;

pub enum Driver {
    Oha(FixedRequest),
    Ours { endpoint: Endpoint, port: u16 },
}

impl Driver {
    /// oha where it can load `endpoint`, ours elsewhere.
    pub fn for_endpoint(endpoint: Endpoint, port: u16) -> crate::Result<Self> {
        Ok(match FixedRequest::of(endpoint, port)? {
            Some(request) => Driver::Oha(request),
            None => Driver::ours(endpoint, port),
        })
    }

    /// Our generator, whatever the endpoint (the cross-check of the two).
    pub fn ours(endpoint: Endpoint, port: u16) -> Self {
        Driver::Ours { endpoint, port }
    }

    pub fn saturate(&self, connections: usize, length: Duration) -> crate::Result<Sample> {
        match self {
            Driver::Oha(request) => oha::saturate(request, connections, length),
            Driver::Ours { endpoint, port } => {
                load::saturate(*endpoint, *port, connections, length)
            }
        }
    }

    pub fn fixed_rate(
        &self,
        rate: f64,
        length: Duration,
        connections: usize,
    ) -> crate::Result<Sample> {
        match self {
            Driver::Oha(request) => oha::fixed_rate(request, rate, length, connections),
            Driver::Ours { endpoint, port } => {
                load::fixed_rate(*endpoint, *port, rate, length, connections)
            }
        }
    }
}
