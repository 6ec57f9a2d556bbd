//! Parameters of the right types for each statement of the catalogue, as the service sends
//! them: for the citus tier's `EXPLAIN` of every statement and for running every statement
//! (`statements.rs`).

use auth_adapters::pg::catalogue::Statement;
use tokio_postgres::types::{ToSql, Type};

/// The user the samples name, with a live session `SESSION` (where a test seeds them).
pub const USER: &str = "5b0e3c1a-9d2f-4e8b-a7c6-0f1e2d3c4b5a";
/// A second user.
pub const OTHER: &str = "6c1f4d2b-0e3a-4f9c-b8d7-1a2b3c4d5e6f";
pub const SESSION: &str = "explain-session-0123456789";

/// Parameters of the right types for a statement, so the planner sees what the service sends.
pub fn sample_params(statement: &Statement) -> Vec<(Box<dyn ToSql + Sync>, Type)> {
    let text = |v: &str| (Box::new(v.to_owned()) as Box<dyn ToSql + Sync>, Type::TEXT);
    let null = || {
        (
            Box::new(None::<String>) as Box<dyn ToSql + Sync>,
            Type::TEXT,
        )
    };
    let float = |v: f64| (Box::new(v) as Box<dyn ToSql + Sync>, Type::FLOAT8);
    let bytes = |v: u8| (Box::new(vec![v; 32]) as Box<dyn ToSql + Sync>, Type::BYTEA);
    let boolean = |v: bool| (Box::new(v) as Box<dyn ToSql + Sync>, Type::BOOL);
    let int = |v: i64| (Box::new(v) as Box<dyn ToSql + Sync>, Type::INT8);
    let texts = |v: &[&str]| {
        let owned: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
        (Box::new(owned) as Box<dyn ToSql + Sync>, Type::TEXT_ARRAY)
    };
    let floats = || {
        let at = vec![1_900_000_000.0_f64];
        (Box::new(at) as Box<dyn ToSql + Sync>, Type::FLOAT8_ARRAY)
    };
    let hashes = || {
        let one = vec![vec![4_u8; 32]];
        (Box::new(one) as Box<dyn ToSql + Sync>, Type::BYTEA_ARRAY)
    };
    let (user, other, session) = (USER, OTHER, SESSION);
    match statement.name {
        "CLAIM_PHONE" => vec![text("+14155552671"), text(user)],
        "PHONE_OWNER" => vec![text("+14155552671")],
        "LOGIN" => vec![
            text(user),
            text("+14155552671"),
            text("explain-login-0123456789"),
            bytes(5),
            float(4_102_444_800.0),
            null(),
            null(),
            text(""),
        ],
        "PROFILE" | "SESSIONS" => vec![text(user), text(session), float(0.0)],
        "REVOKE_SESSION" => vec![
            text(user),
            text(session),
            float(0.0),
            text("other-session-0123456789"),
            null(),
            null(),
        ],
        "REVOKE_OWN_SESSION" => vec![text(user), text(session), float(0.0), null(), null()],
        "ROTATE" => vec![
            text(user),
            bytes(1),
            bytes(2),
            null(),
            float(4_102_444_800.0),
            float(0.0),
            float(0.0),
            null(),
            null(),
        ],
        "LOGOUT" => vec![text(user), bytes(1), text("others"), null(), null()],
        "GET_USER" => vec![text(user)],
        "SET_SCOPE" => vec![text(user), text("superadmin")],
        "ADMIN_SET_SCOPE" => vec![text(user), text("admin"), text(other)],
        "USER_SESSIONS" => vec![text(user), text(other)],
        "ADMIN_SET_BLOCKED" => vec![text(user), boolean(true), text(other)],
        "DELETE_ACCOUNT" => vec![text(user), text(session), float(0.0), float(600.0), null()],
        "RELEASE_PHONE" => vec![text("+14155552671"), text(user)],
        "PHONE_CHANGE_BEGIN" => vec![
            text(user),
            text(session),
            float(0.0),
            text("+14155552673"),
            float(600.0),
        ],
        "PHONE_CHANGE_FINISH" => vec![
            text(user),
            text("+14155552673"),
            text(session),
            boolean(true),
            null(),
            null(),
        ],
        "ADD_PASSKEY" => vec![
            text(user),
            text(session),
            float(0.0),
            float(600.0),
            bytes(6),
            bytes(7),
            int(-7),
            int(0),
            text("internal"),
            text("explain key"),
            int(20),
            null(),
            null(),
        ],
        "PASSKEY_KEY" => vec![text(user), bytes(8)],
        "PASSKEY_SIGN_IN" => vec![
            text(user),
            bytes(8),
            int(1),
            text("explain-passkey-0123456789"),
            bytes(9),
            float(4_102_444_800.0),
            null(),
            null(),
        ],
        "PASSKEYS" => vec![text(user), text(session), float(0.0)],
        "REMOVE_PASSKEY" => vec![
            text(user),
            text(session),
            float(0.0),
            float(600.0),
            bytes(8),
            null(),
            null(),
        ],
        "LIST_USERS" => vec![null(), null(), null(), int(10), int(0)],
        "SCHEMA_VERSION" => vec![],
        "LEGACY_TOKEN_OWNER" => vec![bytes(3)],
        "IMPORT_USERS_FOUND" | "IMPORT_USERS_DELETED" => vec![texts(&[user, other])],
        "IMPORT_PHONE_OWNERS" => vec![texts(&["+14155552671", "+14155552672"])],
        "IMPORT_CLAIM_PHONES" => vec![texts(&["+14155552671"]), texts(&[user]), floats()],
        "IMPORT_USERS" => vec![
            texts(&[user]),
            texts(&["+14155552671"]),
            texts(&["user"]),
            floats(),
            floats(),
        ],
        "IMPORT_AUDIT" => vec![texts(&[user])],
        "IMPORT_SESSIONS" => vec![texts(&[user]), texts(&[session]), floats(), floats()],
        "IMPORT_TOKENS" => vec![
            hashes(),
            texts(&[user]),
            texts(&[session]),
            floats(),
            floats(),
        ],
        "IMPORT_TOKENS_FOUND" => vec![texts(&[user]), hashes()],
        "IMPORT_TOKEN_OWNERS" => vec![hashes(), texts(&[user]), floats()],
        "IMPORT_CHECKPOINT" => vec![text("explain"), text("users")],
        "IMPORT_SAVE_CHECKPOINT" => vec![text("explain"), text("users"), text(user)],
        "IMPORT_FINISH" => vec![text("explain")],
        other => panic!("no sample parameters for {other}: add them here"),
    }
}
