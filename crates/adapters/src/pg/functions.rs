//! The account functions: the writes that change several rows (a login, a rotation, a logout, a
//! revocation, a block, a deletion, a number change, a passkey's registration, sign-in and
//! removal) as PL/pgSQL functions, one round trip and
//! one transaction each, and on Citus a call delegated whole to the worker that holds the user
//! (docs/citus.md). Each function's current body is one file,
//! `sql/functions/NAME.sql` (`CREATE OR REPLACE FUNCTION`), beside the statement that calls it
//! (`sql/*.sql`); the migrator applies every one after the migrations (`migrate::apply`), so
//! changing a body is an edit of its file, and nothing redefines it elsewhere. Migrations hold
//! only what a file cannot: tables, and dropping a function (a changed signature is a new
//! function, so that workers of the previous release keep theirs during a deploy).
//!
//! Rules for a body, which the routing proof (`citus_delegation.rs`) checks: every statement
//! addresses each table by the user id (`$1`, or `id` of users); one table per statement, no
//! data-modifying CTE; variables are named `v_*`; a rule several functions share is a function
//! of its own (`account_recent_session`), called with the user id first and held to the same
//! rules. PL/pgSQL, not SQL: Citus cannot plan a
//! SQL-language function's statements that use its parameters. `#variable_conflict
//! use_column`: a name such as `phone` means the table's column, not the output column.

/// One function: its name and its `CREATE OR REPLACE FUNCTION` statement.
pub struct Function {
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! function {
    ($name:literal) => {
        Function {
            name: $name,
            sql: include_str!(concat!("sql/functions/", $name, ".sql")),
        }
    };
}

/// Every account function, by name.
pub const FUNCTIONS: &[Function] = &[
    function!("account_add_passkey"),
    function!("account_admin_set_blocked"),
    function!("account_admin_set_scope"),
    function!("account_admin_user_sessions"),
    function!("account_begin_phone_change"),
    function!("account_delete"),
    function!("account_finish_phone_change"),
    function!("account_logout"),
    function!("account_passkey_sign_in"),
    function!("account_recent_session"),
    function!("account_remove_passkey"),
    function!("account_revoke_own_session"),
    function!("account_revoke_session"),
    function!("account_rotate"),
    function!("account_set_scope"),
    function!("account_sign_in"),
];

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::FUNCTIONS;

    #[test]
    fn every_function_file_is_listed_and_defines_its_own_name() {
        let dir = format!("{}/src/pg/sql/functions", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let listed: Vec<String> = FUNCTIONS
            .iter()
            .map(|f| format!("{}.sql", f.name))
            .collect();
        assert_eq!(
            files, listed,
            "sql/functions/ and FUNCTIONS name the same files"
        );
        for f in FUNCTIONS {
            let head = format!("CREATE OR REPLACE FUNCTION {}(", f.name);
            assert_eq!(
                f.sql.matches("CREATE ").count(),
                1,
                "{}: one statement",
                f.name
            );
            assert!(f.sql.contains(&head), "{} defines itself", f.name);
        }
    }
}
