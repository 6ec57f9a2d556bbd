//! The static proof for the catalogue's `Delegated` statements: calls of the account functions of
//! migration 0004. Citus sends such a call whole to one worker when the function is distributed
//! by an argument (co-located with a table) and the call passes the shard's key there; the body
//! then runs on that worker, so every table in it must be pinned by that argument too. This
//! checks all three from the files an operator runs: `citus/distribute.sql` and `migrations/`.
//! The citus tier's `EXPLAIN` on a real cluster backs it up.

use super::citus_routing::{is_param, violations, Distribution};
use super::split;
use sqlparser::ast::{FunctionArg, FunctionArgExpr, SetExpr, Statement, TableFactor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::collections::BTreeMap;

fn project_file(path: &str) -> String {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Function name -> (distribution argument as `$n`, table it is co-located with), from the
/// `create_distributed_function` calls of the operator's script.
fn distributed_functions(script: &str) -> BTreeMap<String, (String, String)> {
    let mut functions = BTreeMap::new();
    for call in script.split("create_distributed_function(").skip(1) {
        let args = &call[..call.find(");").expect("a call ends with );")];
        let quoted: Vec<&str> = args.split('\'').skip(1).step_by(2).collect();
        let name = quoted[0].split('(').next().unwrap_or_default().trim();
        let colocated = quoted.get(2).copied().unwrap_or(name);
        functions.insert(
            name.to_owned(),
            (quoted[1].to_owned(), colocated.to_owned()),
        );
    }
    functions
}

/// The statement in the body of every function as the migrations leave it (each is PL/pgSQL
/// around one `RETURN QUERY`); a later `CREATE OR REPLACE FUNCTION` replaces an earlier one.
fn function_bodies() -> BTreeMap<String, String> {
    let dir = format!("{}/../../migrations", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut bodies = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for statement in split::statements(&text).unwrap() {
            let code: String = statement
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n");
            let code = code.trim();
            let Some(rest) = code
                .strip_prefix("CREATE FUNCTION ")
                .or_else(|| code.strip_prefix("CREATE OR REPLACE FUNCTION "))
            else {
                continue;
            };
            let name = rest.split('(').next().unwrap().trim().to_owned();
            // The one statement of the PL/pgSQL body: `RETURN QUERY <statement>;`.
            let start = code.find("RETURN QUERY").expect("a RETURN QUERY body") + 12;
            let end = start + code[start..].rfind(';').expect("the statement's semicolon");
            bodies.insert(name, code[start..end].trim().to_owned());
        }
    }
    bodies
}

/// The one function a statement calls (`SELECT * FROM f(...)`) and its arguments.
fn called_function(sql: &str) -> Result<(String, Vec<FunctionArg>), String> {
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| e.to_string())?;
    let [Statement::Query(query)] = parsed.as_slice() else {
        return Err("not one SELECT".into());
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Err("not a plain SELECT".into());
    };
    let from = match select.from.as_slice() {
        [one] if one.joins.is_empty() && select.selection.is_none() => &one.relation,
        _ => return Err("not a call alone in FROM".into()),
    };
    match from {
        TableFactor::Table {
            name,
            args: Some(args),
            ..
        } => Ok((name.to_string(), args.args.clone())),
        _ => Err("FROM holds no function call".into()),
    }
}

/// What keeps the call `sql` from being delegated to the shard of `param`; empty when nothing.
pub(super) fn delegation_violations(sql: &str, dist: &Distribution, param: &str) -> Vec<String> {
    let (name, args) = match called_function(sql) {
        Ok(call) => call,
        Err(why) => return vec![why],
    };
    let functions = distributed_functions(&project_file("citus/distribute.sql"));
    let Some((arg, colocated)) = functions.get(&name) else {
        return vec![format!("{name} is not distributed by citus/distribute.sql")];
    };
    let mut found = Vec::new();
    if dist.group(colocated) != dist.group("users") {
        found.push(format!("{name} is co-located with {colocated}, not users"));
    }
    let index: usize = arg.trim_start_matches('$').parse().unwrap_or(0);
    let passed = args.get(index.wrapping_sub(1)).and_then(|a| match a {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
    });
    if !passed.is_some_and(|e| is_param(e, param)) {
        found.push(format!(
            "{name}'s distribution argument {arg} is not {param}"
        ));
    }
    match function_bodies().get(&name) {
        Some(body) => found.extend(
            violations(body, dist, arg)
                .into_iter()
                .map(|v| format!("{name}'s body: {v}")),
        ),
        None => found.push(format!("no migration creates {name}")),
    }
    found
}

#[test]
fn every_account_function_of_the_migrations_is_distributed_by_the_script() {
    let bodies = function_bodies();
    let distributed = distributed_functions(&project_file("citus/distribute.sql"));
    let created: Vec<&String> = bodies.keys().collect();
    let listed: Vec<&String> = distributed.keys().collect();
    assert_eq!(created, listed);
    assert!(distributed
        .values()
        .all(|(arg, with)| arg == "$1" && with == "users"));
}

#[test]
fn the_delegation_check_catches_a_call_that_would_not_be_delegated() {
    let dist = Distribution::load();
    let cases = [
        // The user id passed in the wrong place.
        (
            "SELECT * FROM account_set_scope($2::uuid, $1)",
            "distribution argument $1 is not $1",
        ),
        // A function the script does not distribute.
        (
            "SELECT * FROM some_function($1::uuid)",
            "not distributed by citus/distribute.sql",
        ),
        // Not a call at all.
        (
            "SELECT * FROM users WHERE id = $1::uuid",
            "not a call alone in FROM",
        ),
    ];
    for (sql, expected) in cases {
        let found = delegation_violations(sql, &dist, "$1");
        assert!(
            found.iter().any(|v| v.contains(expected)),
            "{sql}\nexpected a violation containing {expected:?}, got {found:#?}"
        );
    }
}
