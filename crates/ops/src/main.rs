//! `auth-ops <command>`; see `auth-ops help`.

use auth_ops::{import_otp_auth, keygen, migrate, scope};

const HELP: &str = "\
auth-ops <command>        the operator's commands; DATABASE_URL names this service's database
                          (a direct connection, not the pooler)

  migrate                 apply the migrations and account functions built into this binary
  set-scope PHONE [SCOPE] give the user of PHONE a scope (e.g. superadmin); no SCOPE clears it
  import-otp-auth --from URL [--to URL] [--batch N] [--report FILE]
                          move the users and live refresh tokens of the Go service (otp-auth v1)
                          at URL into --to (DATABASE_URL by default), in batches of N (5000)
                          that a stopped run resumes after; skipped rows are listed in FILE
  keygen [KID]            print a new ES256 signing key and its public JWKS entry (rotation)
  help                    this text";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(why) = run(&args) {
        eprintln!("error: {why}");
        std::process::exit(1);
    }
}

fn run(args: &[String]) -> auth_ops::Result<()> {
    let database = || {
        std::env::var("DATABASE_URL")
            .map_err(|_| "set DATABASE_URL to this service's database (postgres://...)".to_owned())
    };
    match args.first().map(String::as_str) {
        Some("migrate") => migrate::migrate_url(&database()?),
        Some("set-scope") => match (args.get(1), args.get(2)) {
            (Some(phone), scope) => {
                let scope = scope.map_or("", String::as_str);
                let id = scope::set(&database()?, phone, scope)?;
                println!("user {id} ({phone}) now has scope {scope:?}");
                Ok(())
            }
            _ => Err("usage: auth-ops set-scope PHONE [SCOPE] (no SCOPE clears it)".into()),
        },
        Some("import-otp-auth") => {
            let to = std::env::var("DATABASE_URL").unwrap_or_default();
            let options = import_otp_auth::Options::parse(&args[1..], to)?;
            if options.to.is_empty() {
                return Err("name the target with --to URL or DATABASE_URL".into());
            }
            import_otp_auth::run(&options).map(|_| ())
        }
        Some("keygen") => keygen::print(args.get(1).map(String::as_str)),
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{HELP}")),
    }
}
