//! The peer's cost, measured in the same run: the Go service this replaces (MaisamV/otp-auth)
//! hashes every code with bcrypt at cost 10 when it sends it and compares the hash when the
//! code comes back. That CPU is spent per request whatever else the service does, so it is a
//! floor on its per-request cost, set beside ours as a ratio from one run on one machine.

use crate::stack::procs;

/// bcrypt's work factor in the Go service (`bcrypt.DefaultCost`).
pub const GO_COST: u32 = 10;

/// CPU per operation, in ms.
pub struct Bcrypt {
    pub hash_ms: f64,
    pub verify_ms: f64,
}

/// Hashes and verifies a six-digit code `rounds` times each, with the `bcrypt` crate (a
/// maintained implementation), and reads this process's CPU time around each phase.
pub fn measure(rounds: u32) -> crate::Result<Bcrypt> {
    let me = std::process::id();
    let code = "482915";
    let started = procs::cpu_seconds(me);
    let mut hash = String::new();
    for _ in 0..rounds {
        hash = bcrypt::hash(code, GO_COST).map_err(|e| e.to_string())?;
    }
    let hashed = procs::cpu_seconds(me);
    for _ in 0..rounds {
        if !bcrypt::verify(code, &hash).map_err(|e| e.to_string())? {
            return Err("bcrypt refused its own hash".into());
        }
    }
    let verified = procs::cpu_seconds(me);
    let per = |seconds: f64| seconds * 1000.0 / f64::from(rounds);
    Ok(Bcrypt {
        hash_ms: per(hashed - started),
        verify_ms: per(verified - hashed),
    })
}
