use super::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_declared_statement_is_in_the_catalogue_once() {
    let source = include_str!("../catalogue.rs");
    let declared: BTreeSet<&str> = source
        .split("statement!(")
        .skip(1)
        .map(|rest| rest.trim_start().split(',').next().unwrap().trim())
        .collect();
    let listed: Vec<&str> = ALL.iter().map(|s| s.name).collect();
    let unique: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "a statement is listed twice");
    assert_eq!(declared, unique, "declared statements and ALL differ");
}

#[test]
fn every_sql_file_belongs_to_a_statement() {
    let used: BTreeSet<&str> = ALL.iter().flat_map(|s| s.files.iter().copied()).collect();
    // The account functions' files (`sql/functions/`) are `functions.rs`'s to list.
    let on_disk: BTreeSet<String> = std::fs::read_dir(src_dir().join("pg/sql"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let used: BTreeSet<String> = used.into_iter().map(str::to_owned).collect();
    assert_eq!(used, on_disk, "sql/ files and the catalogue differ");
}

/// Fails closed: a statement sent from anywhere else in the crate would bypass the catalogue and
/// so the routing proof. Only `catalogue.rs` talks to the client; `migrate.rs` applies the
/// operator's migration files and the account functions.
#[test]
fn no_statement_is_sent_from_outside_the_catalogue() {
    const SENDS: [&str; 8] = [
        ".query_typed(",
        ".query(",
        ".query_one(",
        ".query_opt(",
        ".execute(",
        ".batch_execute(",
        ".simple_query(",
        ".prepare(",
    ];
    // The sender, the migrator, and the two test modules that read SQL without sending it.
    let allowed = [
        "pg/catalogue.rs",
        "pg/migrate.rs",
        "pg/citus_routing.rs",
        "pg/catalogue/tests.rs",
    ]
    .map(|p| src_dir().join(p));
    let mut offenders = Vec::new();
    let mut stack = vec![src_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !allowed.contains(&path) {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if SENDS.iter().any(|s| line.contains(s))
                        && !line.trim_start().starts_with("//")
                    {
                        offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "statements sent outside the catalogue:\n{}",
        offenders.join("\n")
    );
}

/// The live-session predicate and where it is written: the check in front of the bearer's reads
/// (`live_session.sql`), and the account functions that check a bearer's session themselves
/// (`account_recent_session`, which the changes that need a fresh login call, and the two
/// revocations: they run on a Citus worker, behind no CTE; one revoking the caller's own
/// session cannot run behind the live CTE, since a statement cannot update the caller's row
/// twice). All must say the very same words.
#[test]
fn statements_of_a_bearer_share_the_one_live_session_check() {
    for statement in [&PROFILE, &SESSIONS, &PASSKEYS] {
        assert_eq!(statement.files[0], "live_session.sql", "{}", statement.name);
    }
    let predicate = "AND ($3::float8 = 0 OR last_used_at > now()";
    let mut texts: Vec<(String, String)> = Vec::new();
    for dir in [src_dir().join("pg/sql"), src_dir().join("pg/sql/functions")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // A file may hold several statements: each occurrence counts.
            for (i, piece) in text
                .split("WHERE user_id = $1::uuid AND id = $2")
                .enumerate()
                .skip(1)
            {
                if piece.contains(predicate) && piece.find(predicate) < piece.find("RETURNING") {
                    let clause = &piece[..piece.find("RETURNING").unwrap()];
                    let words = clause.split_whitespace().collect::<Vec<_>>().join(" ");
                    texts.push((format!("{name}#{i}"), words));
                }
            }
        }
    }
    texts.sort();
    let places: Vec<&str> = texts.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        places,
        [
            "account_recent_session.sql#1",
            "account_revoke_own_session.sql#1",
            "account_revoke_session.sql#1",
            "live_session.sql#1",
        ],
        "where the live-session predicate is written"
    );
    assert!(
        texts.iter().all(|(_, words)| *words == texts[0].1),
        "one definition of a live session: {texts:#?}"
    );
}
