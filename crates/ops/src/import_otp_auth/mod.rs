//! `auth-ops import-otp-auth --from URL`: moves the users and the live refresh tokens of the
//! Go service (MaisamV/otp-auth, v1) into this service's database, so its clients stay logged
//! in across the switch.
//!
//! Two passes over the source, each in batches ascending by id: users, then live tokens (the
//! expired and revoked ones are counted and left). Each batch is written in one transaction
//! with its checkpoint (`LegacyImport`, the adapters' `pg/accounts/legacy.rs`): a run that is
//! stopped resumes after its last whole batch, and a finished run's next run is a new pass that
//! changes nothing already here. Rows this service cannot keep (a phone that is no number, a
//! phone someone here has already) are skipped, counted and listed in the report file.

mod report;
mod source;

use crate::db::block_on;
use auth_adapters::pg::catalogue::SCHEMA_VERSION;
use auth_adapters::pg::PgAccountStore;
use auth_core::ports::{Checkpoint, ImportPhase, LegacyImport, UserImport};
pub use report::Summary;
use report::{Progress, Report};
use std::path::PathBuf;
use tokio_postgres::{Client, NoTls};

/// The migration that made the lookup table and the checkpoints.
const NEEDS_MIGRATION: i64 = 6;

/// Two runs on one target would race for the same checkpoints: one holds this lock (a session
/// lock of the target database, released when the run's connection closes).
const LOCK_KEY: i64 = 0x6f74_7061_7574_6801;

pub struct Options {
    /// The Go service's database.
    pub from: String,
    /// This service's database, migrated.
    pub to: String,
    /// Rows per batch (and per transaction).
    pub batch: i64,
    /// Where the skipped rows are listed (appended to by a resumed run).
    pub report: PathBuf,
}

impl Options {
    /// `--from URL [--to URL] [--batch N] [--report FILE]`; `to` defaults to `default_to`.
    pub fn parse(args: &[String], default_to: String) -> crate::Result<Self> {
        let usage =
            "usage: auth-ops import-otp-auth --from URL [--to URL] [--batch N] [--report FILE]";
        let mut options = Options {
            from: String::new(),
            to: default_to,
            batch: 5_000,
            report: PathBuf::from("import-otp-auth-skipped.tsv"),
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let value = rest
                .next()
                .ok_or_else(|| format!("{flag} needs a value\n{usage}"))?;
            match flag.as_str() {
                "--from" => options.from = value.clone(),
                "--to" => options.to = value.clone(),
                "--batch" => {
                    options.batch = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=50_000).contains(n))
                        .ok_or_else(|| format!("--batch is 1 to 50000, not {value:?}"))?
                }
                "--report" => options.report = PathBuf::from(value),
                other => return Err(format!("unknown option {other:?}\n{usage}")),
            }
        }
        if options.from.is_empty() {
            return Err(format!("--from is required\n{usage}"));
        }
        Ok(options)
    }
}

/// Runs the import; prints progress and a summary, and answers the summary.
pub fn run(options: &Options) -> crate::Result<Summary> {
    let started = std::time::Instant::now();
    block_on(async {
        let source = connect(&options.from, "source").await?;
        source::recognise(&source).await?;
        let target = connect(&options.to, "target").await?;
        check_target(&target).await?;
        let name = source_name(&options.from)?;
        let census = source::census(&source).await?;
        println!(
            "==> importing otp-auth v1 from {name}: {} users, {} live refresh tokens \
             ({} expired and {} revoked are left behind)",
            census.users, census.live_tokens, census.expired_tokens, census.revoked_tokens
        );
        let mut report = Report::open(&options.report)?;
        let mut summary = Summary {
            expired_tokens: census.expired_tokens,
            revoked_tokens: census.revoked_tokens,
            ..Summary::default()
        };
        let store = PgAccountStore::new(&target);
        let run = Pass {
            source: &source,
            store: &store,
            name: &name,
            batch: options.batch,
        };
        run.users(census.users, &mut summary, &mut report).await?;
        run.tokens(census.live_tokens, &mut summary, &mut report)
            .await?;
        store.finish(&name).await.map_err(|e| e.to_string())?;
        summary.print(&options.report, started.elapsed());
        Ok(summary)
    })
}

struct Pass<'a> {
    source: &'a Client,
    store: &'a PgAccountStore<'a>,
    name: &'a str,
    batch: i64,
}

impl Pass<'_> {
    /// Where a phase starts: after its checkpoint when an earlier run stopped mid-way.
    async fn start(&self, phase: ImportPhase) -> crate::Result<String> {
        let saved = self
            .store
            .checkpoint(self.name, phase)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(id) = &saved {
            println!("    {}: resuming after {id}", phase.as_str());
        }
        Ok(saved.unwrap_or_else(|| source::FIRST.to_owned()))
    }

    async fn users(&self, total: i64, sum: &mut Summary, report: &mut Report) -> crate::Result<()> {
        let mut after = self.start(ImportPhase::Users).await?;
        let done = source::done_before(self.source, false, &after).await?;
        let mut progress = Progress::new("users", total, done);
        loop {
            let (last, users, refused) =
                source::users_after(self.source, &after, self.batch).await?;
            let Some(last) = last else { break };
            let checkpoint = Checkpoint {
                source: self.name,
                phase: ImportPhase::Users,
                last_id: &last,
            };
            let outcomes = self
                .store
                .import_users(&users, &checkpoint)
                .await
                .map_err(|e| stopped("users", &after, &e.to_string()))?;
            report.refused(&refused)?;
            for (user, outcome) in users.iter().zip(&outcomes) {
                match outcome {
                    UserImport::Created => sum.users_created += 1,
                    UserImport::AlreadyImported => sum.users_already += 1,
                    UserImport::PhoneTaken | UserImport::IdTaken | UserImport::Deleted => {
                        report.user_skipped(user, *outcome)?;
                        sum.users_skipped += 1;
                    }
                }
            }
            sum.users_refused += refused.len() as i64;
            progress.batch((users.len() + refused.len()) as i64, sum);
            after = last;
        }
        Ok(())
    }

    async fn tokens(
        &self,
        total: i64,
        sum: &mut Summary,
        report: &mut Report,
    ) -> crate::Result<()> {
        let mut after = self.start(ImportPhase::Tokens).await?;
        let done = source::done_before(self.source, true, &after).await?;
        let mut progress = Progress::new("tokens", total, done);
        loop {
            let (last, tokens, refused) =
                source::live_tokens_after(self.source, &after, self.batch).await?;
            let Some(last) = last else { break };
            let checkpoint = Checkpoint {
                source: self.name,
                phase: ImportPhase::Tokens,
                last_id: &last,
            };
            let counts = self
                .store
                .import_tokens(&tokens, &checkpoint)
                .await
                .map_err(|e| stopped("tokens", &after, &e.to_string()))?;
            report.refused(&refused)?;
            sum.tokens_stored += counts.stored as i64;
            sum.tokens_already += counts.already as i64;
            let skipped = counts.without_user + counts.of_blocked_user;
            sum.tokens_skipped += skipped as i64 + refused.len() as i64;
            progress.batch((tokens.len() + refused.len()) as i64, sum);
            after = last;
        }
        Ok(())
    }
}

fn stopped(phase: &str, after: &str, why: &str) -> String {
    format!(
        "the {phase} batch after {after} was not written: {why}\n\
         Every batch before it is. Run the same command again to resume there."
    )
}

async fn connect(url: &str, which: &str) -> crate::Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| format!("cannot connect to the {which}: {}", source::pg(&e)))?;
    tokio::spawn(connection);
    Ok(client)
}

/// The target must be this service's database, migrated far enough, and not being imported
/// into by another run.
async fn check_target(target: &Client) -> crate::Result<()> {
    let version: i64 = SCHEMA_VERSION
        .row(target, &[])
        .await
        .map_err(|e| format!("the target is not a database of this service: {e}"))?
        .get(0);
    if version < NEEDS_MIGRATION {
        return Err(format!(
            "the target is at migration {version}; the import needs {NEEDS_MIGRATION}: \
             run `auth-ops migrate` on it first"
        ));
    }
    // A run that was just stopped may hold the lock until its server process notices.
    let wait = "SET lock_timeout = '30s'";
    target
        .batch_execute(wait)
        .await
        .map_err(|e| source::pg(&e))?;
    let locked = target
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await;
    target
        .batch_execute("RESET lock_timeout")
        .await
        .map_err(|e| source::pg(&e))?;
    match locked {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
            Err("another import into this database is running; let it finish".into())
        }
        Err(e) => Err(source::pg(&e)),
    }
}

/// The source as checkpoints name it: host, port and database, never a password.
pub fn source_name(url: &str) -> crate::Result<String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|_| "--from is not a PostgreSQL URL".to_owned())?;
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().or(config.get_user()).unwrap_or("");
    Ok(format!("{host}:{port}/{db}"))
}
