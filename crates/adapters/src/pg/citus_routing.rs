//! Static proof that each statement of the catalogue (`catalogue.rs`) runs where the catalogue
//! says: on one Citus shard, on every shard, or on the coordinator only (calls delegated to
//! one worker are checked by `citus_delegation.rs`, with this module's walker on their bodies).
//!
//! The fast half of the proof (the citus tier's `EXPLAIN` on a real cluster is the other): it
//! reads the statements themselves, parsed with `sqlparser`: every reference to a distributed table (in a SELECT, an UPDATE, or as an INSERT
//! target) must be pinned to the statement's routing parameter: an `alias.column = $n` conjunct
//! on its distribution column in the WHERE or JOIN ON of its own scope, or `$n` as the inserted
//! value of that column. All distributed tables of one statement must be co-located. That is
//! what Citus' router planner needs to send the whole statement, CTEs included, to one shard.
//! The distribution columns come from `citus/distribute.sql`, the script an operator runs.
//!
//! The walker knows the shapes these statements use and fails closed: a distributed table it
//! did not check (inside an expression subquery, say) is itself a violation.

use super::catalogue::{Routing, ALL, LIST_USERS};
use sqlparser::ast::{
    BinaryOperator, Expr, FromTable, JoinConstraint, JoinOperator, Query, Select, SelectItem,
    SetExpr, Statement, TableFactor, TableObject, TableWithJoins, UpdateTableFromKind, Value,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::ControlFlow;

/// Table -> (distribution column, co-location group), as the operator's script sets them.
pub(super) struct Distribution(BTreeMap<String, (String, String)>);

impl Distribution {
    fn from_script(script: &str) -> Self {
        let mut tables = BTreeMap::new();
        for call in script.split("create_distributed_table(").skip(1) {
            let args = &call[..call.find(')').expect("a closing parenthesis")];
            let quoted: Vec<&str> = args.split('\'').skip(1).step_by(2).collect();
            let (table, column) = (quoted[0].to_owned(), quoted[1].to_owned());
            let group = if args.contains("colocate_with") {
                quoted[2].to_owned()
            } else {
                table.clone()
            };
            tables.insert(table, (column, group));
        }
        Self(tables)
    }

    /// The distributed tables.
    pub(super) fn tables(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The co-location group of a distributed table.
    pub(super) fn group(&self, table: &str) -> Option<&str> {
        self.0.get(table).map(|(_, group)| group.as_str())
    }

    pub(super) fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../citus/distribute.sql");
        Self::from_script(&std::fs::read_to_string(path).expect("citus/distribute.sql"))
    }
}

/// Walks one statement, collecting what keeps it off a single shard.
struct Router<'d> {
    dist: &'d Distribution,
    param: &'d str,
    checked: usize,
    groups: BTreeSet<String>,
    violations: Vec<String>,
}

/// The routing violations of `sql` for shard parameter `param`; empty when it routes.
pub(super) fn violations(sql: &str, dist: &Distribution, param: &str) -> Vec<String> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect("the statement parses");
    let [statement] = statements.as_slice() else {
        return vec!["expected exactly one statement".into()];
    };
    let mut router = Router {
        dist,
        param,
        checked: 0,
        groups: BTreeSet::new(),
        violations: Vec::new(),
    };
    router.statement(statement);
    let ctes = cte_names(statement);
    let mut distributed_refs = 0;
    let _ = sqlparser::ast::visit_relations(statement, |name| {
        let name = name.to_string();
        if dist.0.contains_key(&name) {
            distributed_refs += 1;
        } else if !ctes.contains(&name) {
            router
                .violations
                .push(format!("{name} is neither distributed nor a CTE"));
        }
        ControlFlow::<()>::Continue(())
    });
    if distributed_refs != router.checked {
        router.violations.push(format!(
            "{distributed_refs} distributed table references, {} checked",
            router.checked
        ));
    }
    if router.groups.len() > 1 {
        router.violations.push(format!(
            "tables of different co-location groups: {:?}",
            router.groups
        ));
    }
    router.violations
}

fn cte_names(statement: &Statement) -> HashSet<String> {
    let mut names = HashSet::new();
    struct Ctes<'a>(&'a mut HashSet<String>);
    impl sqlparser::ast::Visitor for Ctes<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            for cte in query.with.iter().flat_map(|w| &w.cte_tables) {
                self.0.insert(cte.alias.name.value.clone());
            }
            ControlFlow::Continue(())
        }
    }
    let _ = sqlparser::ast::Visit::visit(statement, &mut Ctes(&mut names));
    names
}

impl Router<'_> {
    fn statement(&mut self, statement: &Statement) {
        match statement {
            Statement::Query(q) => self.query(q),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            other => self
                .violations
                .push(format!("unsupported statement: {other}")),
        }
    }

    fn query(&mut self, q: &Query) {
        for cte in q.with.iter().flat_map(|w| &w.cte_tables) {
            self.query(&cte.query);
        }
        self.set_expr(&q.body);
    }

    fn set_expr(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(s) => self.select(s),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left);
                self.set_expr(right);
            }
            SetExpr::Values(_) => {}
            SetExpr::Insert(s) | SetExpr::Update(s) => self.statement(s),
            other => self
                .violations
                .push(format!("unsupported query body: {other}")),
        }
    }

    fn select(&mut self, s: &Select) {
        let mut conjuncts = Vec::new();
        if let Some(w) = &s.selection {
            split_and(w, &mut conjuncts);
        }
        self.scope(&s.from, conjuncts);
    }

    /// Checks every table of a FROM list against the conjuncts of its WHERE and JOIN ONs.
    fn scope<'a>(&mut self, from: &'a [TableWithJoins], mut conjuncts: Vec<&'a Expr>) {
        let mut factors = Vec::new();
        for twj in from {
            factors.push(&twj.relation);
            for join in &twj.joins {
                factors.push(&join.relation);
                match join_constraint(&join.join_operator) {
                    Some(JoinConstraint::On(on)) => split_and(on, &mut conjuncts),
                    Some(JoinConstraint::None) | None => {}
                    Some(other) => self
                        .violations
                        .push(format!("unsupported join constraint: {other:?}")),
                }
            }
        }
        let alone = factors.len() == 1;
        for factor in factors {
            match factor {
                TableFactor::Table { name, alias, .. } => {
                    let table = name.to_string();
                    let qualifier = alias
                        .as_ref()
                        .map_or(table.clone(), |a| a.name.value.clone());
                    self.table(&table, &qualifier, alone, &conjuncts);
                }
                TableFactor::Derived { subquery, .. } => self.query(subquery),
                other => self
                    .violations
                    .push(format!("unsupported FROM item: {other}")),
            }
        }
    }

    /// A distributed table read or updated in a scope must be pinned there.
    fn table(&mut self, table: &str, qualifier: &str, alone: bool, conjuncts: &[&Expr]) {
        let Some((column, group)) = self.dist.0.get(table) else {
            return; // a CTE
        };
        self.checked += 1;
        self.groups.insert(group.clone());
        let pinned = conjuncts.iter().any(|c| match c {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                (names_column(left, qualifier, column, alone) && is_param(right, self.param))
                    || (names_column(right, qualifier, column, alone) && is_param(left, self.param))
            }
            _ => false,
        });
        if !pinned {
            self.violations.push(format!(
                "{table} ({qualifier}) is not pinned by {qualifier}.{column} = {}",
                self.param
            ));
        }
    }

    /// The target and the FROM list share the WHERE clause: one scope.
    fn update(&mut self, u: &sqlparser::ast::Update) {
        let mut conjuncts = Vec::new();
        if let Some(w) = &u.selection {
            split_and(w, &mut conjuncts);
        }
        let mut from = vec![u.table.clone()];
        if let Some(
            UpdateTableFromKind::AfterSet(tables) | UpdateTableFromKind::BeforeSet(tables),
        ) = &u.from
        {
            from.extend(tables.iter().cloned());
        }
        self.scope(&from, conjuncts);
    }

    /// The target and the USING list share the WHERE clause: one scope.
    fn delete(&mut self, d: &sqlparser::ast::Delete) {
        let mut conjuncts = Vec::new();
        if let Some(w) = &d.selection {
            split_and(w, &mut conjuncts);
        }
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
        let mut tables = from.clone();
        tables.extend(d.using.iter().flatten().cloned());
        self.scope(&tables, conjuncts);
    }

    /// An INSERT into a distributed table must insert the routing parameter as the distribution
    /// column, in every row it can produce.
    fn insert(&mut self, i: &sqlparser::ast::Insert) {
        let TableObject::TableName(name) = &i.table else {
            self.violations.push("INSERT into a table function".into());
            return;
        };
        let table = name.to_string();
        let Some(source) = &i.source else {
            self.violations
                .push(format!("INSERT INTO {table} without a source"));
            return;
        };
        // The source's own tables (CTEs, or distributed ones pinned in their own scope).
        self.query(source);
        let Some((column, group)) = self.dist.0.get(&table).cloned() else {
            return;
        };
        self.checked += 1;
        self.groups.insert(group);
        let Some(position) = i.columns.iter().position(|c| c.to_string() == column) else {
            self.violations
                .push(format!("INSERT INTO {table} does not name {column}"));
            return;
        };
        let mut rows = Vec::new();
        inserted_rows(&source.body, &mut rows, &mut self.violations);
        if rows.is_empty() {
            self.violations
                .push(format!("INSERT INTO {table}: no rows understood"));
        }
        for row in rows {
            if !row.get(position).is_some_and(|e| is_param(e, self.param)) {
                self.violations.push(format!(
                    "INSERT INTO {table} sets {column} to something other than {}",
                    self.param
                ));
            }
        }
    }
}

/// The value lists an INSERT's source can produce: VALUES rows and SELECT projections.
fn inserted_rows<'a>(body: &'a SetExpr, rows: &mut Vec<Vec<&'a Expr>>, errors: &mut Vec<String>) {
    match body {
        SetExpr::Values(v) => rows.extend(v.rows.iter().map(|r| r.iter().collect())),
        SetExpr::Select(s) => {
            let mut row = Vec::new();
            for item in &s.projection {
                match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        row.push(e)
                    }
                    other => errors.push(format!("unsupported INSERT projection: {other}")),
                }
            }
            rows.push(row);
        }
        SetExpr::SetOperation { left, right, .. } => {
            inserted_rows(left, rows, errors);
            inserted_rows(right, rows, errors);
        }
        SetExpr::Query(q) => inserted_rows(&q.body, rows, errors),
        other => errors.push(format!("unsupported INSERT source: {other}")),
    }
}

fn join_constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c) => Some(c),
        _ => None,
    }
}

fn split_and<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        Expr::Nested(inner) => split_and(inner, out),
        other => out.push(other),
    }
}

/// `qualifier.column`, or a bare `column` when the scope has a single table.
fn names_column(e: &Expr, qualifier: &str, column: &str, alone: bool) -> bool {
    match e {
        Expr::CompoundIdentifier(parts) => {
            parts.len() == 2 && parts[0].value == qualifier && parts[1].value == column
        }
        Expr::Identifier(ident) => alone && ident.value == column,
        Expr::Nested(inner) => names_column(inner, qualifier, column, alone),
        _ => false,
    }
}

/// The parameter itself, possibly cast (`$1::uuid`) or parenthesised.
pub(super) fn is_param(e: &Expr, param: &str) -> bool {
    match e {
        Expr::Value(v) => matches!(&v.value, Value::Placeholder(p) if p == param),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => is_param(expr, param),
        _ => false,
    }
}

#[test]
fn the_script_distributes_the_account_tables_by_user_and_the_lookups_by_their_key() {
    let dist = Distribution::load();
    let summary: Vec<(&str, &str, &str)> = dist
        .0
        .iter()
        .map(|(t, (c, g))| (t.as_str(), c.as_str(), g.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("audit_events", "user_id", "users"),
            ("deleted_users", "id", "users"),
            (
                "legacy_refresh_tokens",
                "token_hash",
                "legacy_refresh_tokens"
            ),
            ("passkeys", "user_id", "users"),
            ("refresh_tokens", "user_id", "users"),
            ("sessions", "user_id", "users"),
            ("user_phones", "phone", "user_phones"),
            ("users", "id", "users"),
        ]
    );
}

#[test]
fn every_statement_runs_where_the_catalogue_says() {
    let dist = Distribution::load();
    for statement in ALL {
        let (name, sql) = (statement.name, statement.sql);
        match statement.routing {
            Routing::Shard(param) => {
                let found = violations(sql, &dist, param);
                assert!(found.is_empty(), "{name} does not route: {found:#?}");
            }
            Routing::Delegated(param) => {
                let found = super::citus_delegation::delegation_violations(sql, &dist, param);
                assert!(found.is_empty(), "{name} is not delegated: {found:#?}");
            }
            Routing::FansOut | Routing::Batch => {
                let found = violations(sql, &dist, "$1");
                assert!(!found.is_empty(), "{name} routes to one shard: say so");
            }
            Routing::Coordinator => {
                let found = violations(sql, &dist, "$1");
                assert!(
                    !found.is_empty()
                        && found
                            .iter()
                            .all(|v| v.contains("neither distributed nor a CTE")),
                    "{name} touches a distributed table: {found:#?}"
                );
            }
        }
    }
}

#[test]
fn the_admin_listing_is_the_one_statement_that_spans_shards() {
    let fanning: Vec<&str> = ALL
        .iter()
        .filter(|s| s.routing == Routing::FansOut)
        .map(|s| s.name)
        .collect();
    assert_eq!(fanning, ["LIST_USERS"]);
    // Listing all users reads every shard by nature; it is an operator call, not a hot path.
    let found = violations(LIST_USERS.sql, &Distribution::load(), "$1");
    assert!(
        found
            .iter()
            .any(|v| v.contains("users (users) is not pinned")),
        "{found:?}"
    );
}

#[test]
fn the_check_catches_a_statement_that_would_fan_out() {
    let dist = Distribution::load();
    let cases = [
        // The old refresh lookup: by token hash alone.
        (
            "SELECT user_id FROM refresh_tokens WHERE token_hash = $2",
            "refresh_tokens (refresh_tokens) is not pinned",
        ),
        // Pinned through a join only, not by the parameter.
        (
            "SELECT 1 FROM refresh_tokens t JOIN sessions s ON s.user_id = t.user_id \
             WHERE t.user_id = $1::uuid",
            "sessions (s) is not pinned",
        ),
        // The wrong parameter.
        (
            "UPDATE sessions SET revoked_at = now() WHERE user_id = $2::uuid",
            "sessions (sessions) is not pinned",
        ),
        // An OR does not pin.
        (
            "SELECT 1 FROM users WHERE id = $1::uuid OR phone = $2",
            "users (users) is not pinned",
        ),
        // An insert whose distribution column comes from elsewhere.
        (
            "WITH a AS (SELECT id FROM users WHERE id = $1::uuid) \
             INSERT INTO sessions (id, user_id, expires_at) SELECT $2, id, now() FROM a",
            "INSERT INTO sessions sets user_id to something other than $1",
        ),
        // A distributed table hidden in an expression subquery.
        (
            "SELECT 1 FROM users WHERE id = $1::uuid \
             AND EXISTS (SELECT 1 FROM sessions WHERE revoked_at IS NULL)",
            "1 checked",
        ),
        // Tables of two co-location groups, even when both are pinned.
        (
            "SELECT 1 FROM users u, user_phones p WHERE u.id = $1::uuid AND p.phone = $1",
            "different co-location groups",
        ),
        // A table the script does not distribute.
        (
            "SELECT 1 FROM schema_migrations",
            "neither distributed nor a CTE",
        ),
    ];
    for (sql, expected) in cases {
        let found = violations(sql, &dist, "$1");
        assert!(
            found.iter().any(|v| v.contains(expected)),
            "{sql}\nexpected a violation containing {expected:?}, got {found:#?}"
        );
    }
}
