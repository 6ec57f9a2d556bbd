//! What `import-otp-auth` tells its operator: a progress line per batch, the summary, and the
//! report file that lists every skipped row with its reason (it holds phone numbers: keep it
//! where the source database's data may be).

use super::source::Refused;
use auth_core::ports::{ImportedUser, UserImport};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The counts of one run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub users_created: i64,
    /// Here already from an earlier run.
    pub users_already: i64,
    /// Their phone or id belongs to another account here.
    pub users_skipped: i64,
    /// Rows this service cannot keep (a phone that is no valid number, a bad scope).
    pub users_refused: i64,
    pub tokens_stored: i64,
    pub tokens_already: i64,
    /// Their user was not imported, or the row is malformed.
    pub tokens_skipped: i64,
    pub expired_tokens: i64,
    pub revoked_tokens: i64,
}

impl Summary {
    pub fn print(&self, report: &Path, took: std::time::Duration) {
        println!(
            "==> import finished in {:.1}s\n    users:  {} created, {} already here, {} skipped (phone or \
             id taken here), {} refused (not importable)\n    tokens: {} stored, {} already \
             here, {} skipped; {} expired and {} revoked left behind",
            took.as_secs_f64(),
            self.users_created,
            self.users_already,
            self.users_skipped,
            self.users_refused,
            self.tokens_stored,
            self.tokens_already,
            self.tokens_skipped,
            self.expired_tokens,
            self.revoked_tokens
        );
        if self.users_skipped + self.users_refused + self.tokens_skipped > 0 {
            println!("    every skipped row and why: {}", report.display());
        }
    }
}

/// One line per batch: how far, how fast.
pub struct Progress {
    phase: &'static str,
    total: i64,
    done: i64,
    started: Instant,
    read: i64,
}

impl Progress {
    pub fn new(phase: &'static str, total: i64, done: i64) -> Self {
        Self {
            phase,
            total,
            done,
            started: Instant::now(),
            read: 0,
        }
    }

    pub fn batch(&mut self, rows: i64, sum: &Summary) {
        self.done += rows;
        self.read += rows;
        let percent = match self.total {
            0 => 100.0,
            total => 100.0 * self.done as f64 / total as f64,
        };
        let rate = self.read as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let counts = match self.phase {
            "users" => format!(
                "created {}, already {}, skipped {}, refused {}",
                sum.users_created, sum.users_already, sum.users_skipped, sum.users_refused
            ),
            _ => format!(
                "stored {}, already {}, skipped {}",
                sum.tokens_stored, sum.tokens_already, sum.tokens_skipped
            ),
        };
        println!(
            "    {:<6} {:>9}/{:<9} {percent:>5.1}%  {counts}  ({rate:.0}/s)",
            self.phase, self.done, self.total
        );
    }
}

/// The report file: `kind<TAB>source id<TAB>reason`, one skipped row per line.
pub struct Report {
    file: std::io::BufWriter<std::fs::File>,
}

impl Report {
    /// Opens `path` for appending (a resumed run adds to its earlier lines).
    pub fn open(path: &Path) -> crate::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot write the report {}: {e}", path.display()))?;
        let mut report = Self {
            file: std::io::BufWriter::new(file),
        };
        let empty = std::fs::metadata(path)
            .map(|m| m.len() == 0)
            .unwrap_or(true);
        if empty {
            report.line("kind", "source_id", "reason")?;
        }
        Ok(report)
    }

    pub fn refused(&mut self, rows: &[Refused]) -> crate::Result<()> {
        for row in rows {
            self.line(row.what, &row.id, &row.why)?;
        }
        self.flush()
    }

    pub fn user_skipped(&mut self, user: &ImportedUser, why: UserImport) -> crate::Result<()> {
        let reason = match why {
            UserImport::PhoneTaken => "its phone belongs to another account here",
            UserImport::Deleted => "it was deleted here, and a deleted user is never brought back",
            _ => "its id belongs to another account here",
        };
        let reason = format!("{reason} ({})", user.phone.as_e164());
        self.line("user", user.id.as_str(), &reason)?;
        self.flush()
    }

    fn line(&mut self, kind: &str, id: &str, reason: &str) -> crate::Result<()> {
        // A reason quotes the stored phone: no tab or newline may break the columns.
        let reason = reason.replace(['\t', '\n', '\r'], " ");
        writeln!(self.file, "{kind}\t{id}\t{reason}").map_err(|e| e.to_string())
    }

    fn flush(&mut self) -> crate::Result<()> {
        self.file.flush().map_err(|e| e.to_string())
    }
}
