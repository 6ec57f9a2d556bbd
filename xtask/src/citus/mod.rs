//! Citus for real: the extension built from its release source when missing, and a cluster of
//! a coordinator and two workers on loopback for the citus test tier.

pub mod cluster;
pub mod install;

pub use cluster::Cluster;
