//! The static proof for the catalogue's `Delegated` statements: calls of the account functions
//! (`functions.rs`). Citus sends such a call whole to one worker when the function is
//! distributed by an argument (co-located with a table) and the call passes the shard's key
//! there; the body then runs on that worker, so every table in it must be pinned by that
//! argument too. This checks all three from what an operator runs: `citus/distribute.sql` and
//! the function files the migrator applies. The citus tier's `EXPLAIN` on a real cluster backs
//! it up.

use super::citus_routing::{is_param, violations, Distribution};
use super::functions::FUNCTIONS;
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

/// The body of every account function, between its `BEGIN` and its last `END`, comments
/// dropped.
fn function_bodies() -> BTreeMap<String, String> {
    let mut bodies = BTreeMap::new();
    for function in FUNCTIONS {
        let code: String = function
            .sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let start = code.find("\nBEGIN\n").expect("a PL/pgSQL body") + 7;
        let end = code.rfind("\nEND").expect("the body's END");
        bodies.insert(function.name.to_owned(), code[start..end].to_owned());
    }
    bodies
}

/// The SQL statements of a PL/pgSQL body, as the walker can read them: each starts on a line
/// that begins with SELECT, INSERT, UPDATE, DELETE or WITH (after `RETURN QUERY` or `FOR v_x
/// IN`), and ends at a `;` or `LOOP`. PL/pgSQL's `INTO v_x` targets are dropped (the rule is that
/// variables are named v_*). Control lines (IF, ELSE, assignments, RETURN) hold no statement.
fn body_statements(body: &str) -> Vec<String> {
    const STARTS: [&str; 5] = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH "];
    let (mut statements, mut current): (Vec<String>, Option<String>) = (Vec::new(), None);
    for line in body.lines().map(str::trim) {
        let mut line = line
            .strip_prefix("RETURN QUERY")
            .unwrap_or(line)
            .trim_start();
        if current.is_none() {
            if let Some(rest) = line.strip_prefix("FOR v_") {
                line = rest.split_once(" IN").map_or("", |(_, q)| q.trim_start());
            }
            if !STARTS.iter().any(|s| line.starts_with(s)) {
                continue;
            }
        }
        let ended = line.ends_with(';') || line == "LOOP";
        let text = line.trim_end_matches(';');
        let text = if text == "LOOP" { "" } else { text };
        let sql = current.get_or_insert_with(String::new);
        sql.push_str(text);
        sql.push('\n');
        if ended {
            statements.extend(current.take().map(|s| without_into_targets(&s)));
        }
    }
    statements.extend(current.map(|s| without_into_targets(&s)));
    statements
}

/// `... INTO v_x ...` of PL/pgSQL, without the target.
fn without_into_targets(sql: &str) -> String {
    let mut out = Vec::new();
    let mut words = sql.split_whitespace().peekable();
    while let Some(word) = words.next() {
        if word == "INTO" && words.peek().is_some_and(|next| next.starts_with("v_")) {
            words.next();
            continue;
        }
        out.push(word);
    }
    out.join(" ")
}

/// The account functions a body calls (`v_x := account_f(...)`), each as `account_f(...)`.
fn nested_calls(body: &str) -> Vec<String> {
    let mut calls = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("account_") {
        let from = &rest[start..];
        let name_end = from
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(from.len());
        let mut depth = 0;
        let mut end = None;
        if from[name_end..].starts_with('(') {
            for (i, c) in from[name_end..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 1 => {
                        end = Some(name_end + i + 1);
                        break;
                    }
                    ')' => depth -= 1,
                    _ => {}
                }
            }
        }
        match end {
            Some(end) => {
                calls.push(from[..end].to_owned());
                rest = &from[end..];
            }
            None => rest = &from[name_end..],
        }
    }
    calls
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
    let Some(body) = function_bodies().remove(&name) else {
        found.push(format!("no migration creates {name}"));
        return found;
    };
    // A shared rule's function, called inside this body, runs on the same worker: it must be
    // passed this function's distribution argument, and its own body is held to the same rules.
    for call in nested_calls(&body) {
        found.extend(
            delegation_violations(&format!("SELECT * FROM {call}"), dist, arg)
                .into_iter()
                .map(|v| format!("{name} calls {call}: {v}")),
        );
    }
    let statements = body_statements(&body);
    for statement in &statements {
        found.extend(
            violations(statement, dist, arg)
                .into_iter()
                .map(|v| format!("{name}'s body: {v} in {statement}")),
        );
    }
    // Fails closed: every mention of a distributed table is inside a statement checked above.
    for table in dist.tables() {
        let mentions = |text: &str| {
            text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| *w == table)
                .count()
        };
        let checked: usize = statements.iter().map(|s| mentions(s)).sum();
        if mentions(&body) != checked {
            found.push(format!(
                "{name}'s body names {table} outside a statement it checked"
            ));
        }
    }
    found
}

#[test]
fn every_account_function_is_distributed_by_the_script() {
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
fn a_body_is_read_statement_by_statement() {
    let body = "    SELECT t.a INTO v_token\n    FROM sessions t WHERE t.user_id = $1::uuid;\n\
                IF NOT FOUND THEN\n        RETURN QUERY SELECT 0::int8;\n        RETURN;\n    END IF;\n\
                v_x := 1;\n    FOR v_s IN\n        UPDATE sessions SET a = 1 WHERE user_id = $1::uuid\n\
                RETURNING id\n    LOOP\n        DELETE FROM users WHERE id = $1::uuid;\n    END LOOP;\n\
                RETURN QUERY\n    SELECT 1 FROM users u WHERE u.id = $1::uuid;";
    assert_eq!(
        body_statements(body),
        [
            "SELECT t.a FROM sessions t WHERE t.user_id = $1::uuid",
            "SELECT 0::int8",
            "UPDATE sessions SET a = 1 WHERE user_id = $1::uuid RETURNING id",
            "DELETE FROM users WHERE id = $1::uuid",
            "SELECT 1 FROM users u WHERE u.id = $1::uuid",
        ]
    );
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

#[test]
fn a_function_called_inside_a_body_is_found_with_its_arguments() {
    let body = "    v_session := account_recent_session($1::uuid, $2, $3, $4);\n\
                IF v_session <> 'recent' THEN\n        RETURN QUERY SELECT v_session;\n    END IF;\n\
                SELECT count(*) INTO v_n FROM passkeys p WHERE p.user_id = $1::uuid;";
    assert_eq!(
        nested_calls(body),
        ["account_recent_session($1::uuid, $2, $3, $4)"]
    );
    // Passed another argument than the caller's distribution argument, the shared function
    // would run on the wrong worker's shard: the proof names it.
    let dist = Distribution::load();
    let found = delegation_violations(
        "SELECT * FROM account_recent_session($2::uuid, $1, $3, $4)",
        &dist,
        "$1",
    );
    assert!(
        found
            .iter()
            .any(|v| v.contains("distribution argument $1 is not $1")),
        "{found:#?}"
    );
}

#[test]
fn the_recent_login_rule_is_written_once_and_called_where_it_applies() {
    let bodies = function_bodies();
    let deciding: Vec<&String> = bodies
        .iter()
        .filter(|(_, body)| body.contains("'not_recent'"))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(deciding, ["account_recent_session"]);
    let callers: Vec<&String> = bodies
        .iter()
        .filter(|(_, body)| body.contains("account_recent_session("))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        callers,
        [
            "account_add_passkey",
            "account_begin_phone_change",
            "account_delete",
            "account_remove_passkey"
        ]
    );
}
