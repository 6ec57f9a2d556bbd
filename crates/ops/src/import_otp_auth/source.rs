//! The source of `import-otp-auth`: a database of the Go service (MaisamV/otp-auth, v1),
//! recognised by its two tables, read in batches by id, and each row turned into what this
//! service keeps, or into the reason it cannot be.

use auth_core::domain::account::{Scope, UserId};
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::session::SessionId;
use auth_core::ports::{ImportedToken, ImportedUser};
use tokio_postgres::Client;

/// The Go service's schema (its migrations 001 and 002), column by column, as
/// `information_schema.columns` shows it: the import reads nothing else.
const GO_SCHEMA: &[(&str, &str, &str)] = &[
    ("refresh_tokens", "created_at", "timestamp with time zone"),
    ("refresh_tokens", "expires_at", "timestamp with time zone"),
    ("refresh_tokens", "id", "uuid"),
    ("refresh_tokens", "revoked_at", "timestamp with time zone"),
    ("refresh_tokens", "session_id", "character varying"),
    ("refresh_tokens", "token_hash", "character varying"),
    ("refresh_tokens", "user_id", "uuid"),
    ("users", "created_at", "timestamp with time zone"),
    ("users", "id", "uuid"),
    ("users", "phone_number", "character varying"),
    ("users", "scope", "character varying"),
    ("users", "updated_at", "timestamp with time zone"),
];

/// Where ids start: every UUID sorts after it.
pub const FIRST: &str = "00000000-0000-0000-0000-000000000000";

/// Checks that `client` is connected to a database of the Go service; otherwise says what
/// differs, so nothing is read from a database the import does not understand.
pub async fn recognise(client: &Client) -> crate::Result<()> {
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text, data_type::text
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name IN ('users', 'refresh_tokens')
             ORDER BY 1, 2",
            &[],
        )
        .await
        .map_err(|e| format!("cannot read the source's schema: {}", pg(&e)))?;
    let found: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let expected: Vec<(String, String, String)> = GO_SCHEMA
        .iter()
        .map(|(t, c, d)| ((*t).to_owned(), (*c).to_owned(), (*d).to_owned()))
        .collect();
    if found == expected {
        return Ok(());
    }
    let show = |(t, c, d): &(String, String, String)| format!("{t}.{c} {d}");
    let missing: Vec<String> = expected
        .iter()
        .filter(|e| !found.contains(e))
        .map(show)
        .collect();
    let unexpected: Vec<String> = found
        .iter()
        .filter(|f| !expected.contains(f))
        .map(show)
        .collect();
    Err(format!(
        "the source is not a database of otp-auth v1 (MaisamV/otp-auth); nothing was read.\n  \
         missing: {}\n  unexpected: {}",
        list(&missing),
        list(&unexpected)
    ))
}

fn list(items: &[String]) -> String {
    match items.is_empty() {
        true => "none".into(),
        false => items.join(", "),
    }
}

pub fn pg(e: &tokio_postgres::Error) -> String {
    crate::db::pg_message(e)
}

/// What the source holds, before anything is read.
pub struct Census {
    pub users: i64,
    pub live_tokens: i64,
    pub expired_tokens: i64,
    pub revoked_tokens: i64,
}

pub async fn census(client: &Client) -> crate::Result<Census> {
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM users),
                    count(*) FILTER (WHERE revoked_at IS NULL AND expires_at > now()),
                    count(*) FILTER (WHERE revoked_at IS NULL AND expires_at <= now()),
                    count(*) FILTER (WHERE revoked_at IS NOT NULL)
             FROM refresh_tokens",
            &[],
        )
        .await
        .map_err(|e| format!("cannot count the source's rows: {}", pg(&e)))?;
    Ok(Census {
        users: row.get(0),
        live_tokens: row.get(1),
        expired_tokens: row.get(2),
        revoked_tokens: row.get(3),
    })
}

/// How many rows of a phase's ids come at or before `after` (for the progress line of a
/// resumed run).
pub async fn done_before(client: &Client, live_tokens: bool, after: &str) -> crate::Result<i64> {
    let sql = match live_tokens {
        false => "SELECT count(*) FROM users WHERE id <= $1::text::uuid",
        true => {
            "SELECT count(*) FROM refresh_tokens
             WHERE id <= $1::text::uuid AND revoked_at IS NULL AND expires_at > now()"
        }
    };
    let row = client
        .query_one(sql, &[&after])
        .await
        .map_err(|e| format!("cannot read the source: {}", pg(&e)))?;
    Ok(row.get(0))
}

/// A source row that cannot be imported, and why.
pub struct Refused {
    pub id: String,
    pub what: &'static str,
    pub why: String,
}

/// The next batch of users after `after`, ascending by id: (last id read, the users that can
/// be imported, the rows that cannot).
pub async fn users_after(
    client: &Client,
    after: &str,
    limit: i64,
) -> crate::Result<(Option<String>, Vec<ImportedUser>, Vec<Refused>)> {
    let rows = client
        .query(
            "SELECT id::text, phone_number::text, scope::text,
                    extract(epoch FROM created_at)::int8, extract(epoch FROM updated_at)::int8
             FROM users WHERE id > $1::text::uuid ORDER BY id LIMIT $2",
            &[&after, &limit],
        )
        .await
        .map_err(|e| format!("cannot read the source's users: {}", pg(&e)))?;
    let last = rows.last().map(|r| r.get::<_, String>(0));
    let (mut users, mut refused) = (Vec::new(), Vec::new());
    for r in &rows {
        let (id, stored): (String, String) = (r.get(0), r.get(1));
        let scope: String = r.get(2);
        let user = (|| -> crate::Result<ImportedUser> {
            Ok(ImportedUser {
                id: UserId::parse(&id).map_err(|e| e.to_string())?,
                phone: phone(&stored)?,
                scope: Scope::parse(&scope).map_err(|e| format!("scope {scope:?}: {e}"))?,
                created_at: r.get(3),
                updated_at: r.get(4),
            })
        })();
        match user {
            Ok(user) => users.push(user),
            Err(why) => refused.push(Refused {
                id,
                what: "user",
                why,
            }),
        }
    }
    Ok((last, users, refused))
}

/// The next batch of live refresh tokens after `after`, ascending by id, with their user's
/// phone: (last id read, the tokens, the rows that cannot be imported).
pub async fn live_tokens_after(
    client: &Client,
    after: &str,
    limit: i64,
) -> crate::Result<(Option<String>, Vec<ImportedToken>, Vec<Refused>)> {
    let rows = client
        .query(
            "SELECT t.id::text, t.user_id::text, t.session_id::text, t.token_hash::text,
                    extract(epoch FROM t.created_at)::int8, extract(epoch FROM t.expires_at)::int8,
                    u.phone_number::text
             FROM refresh_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.id > $1::text::uuid AND t.revoked_at IS NULL AND t.expires_at > now()
             ORDER BY t.id LIMIT $2",
            &[&after, &limit],
        )
        .await
        .map_err(|e| format!("cannot read the source's refresh tokens: {}", pg(&e)))?;
    let last = rows.last().map(|r| r.get::<_, String>(0));
    let (mut tokens, mut refused) = (Vec::new(), Vec::new());
    for r in &rows {
        let id: String = r.get(0);
        let (user, session, hash): (String, String, String) = (r.get(1), r.get(2), r.get(3));
        let token = (|| -> crate::Result<ImportedToken> {
            Ok(ImportedToken {
                hash: sha256_hex(&hash)
                    .ok_or_else(|| "token_hash is not 64 hex characters".to_owned())?,
                user: UserId::parse(&user).map_err(|e| e.to_string())?,
                phone: phone(&r.get::<_, String>(6))
                    .map_err(|_| "its user was not imported".to_owned())?,
                session: SessionId::parse(&session).map_err(|e| format!("session_id: {e}"))?,
                created_at: r.get(4),
                expires_at: r.get(5),
            })
        })();
        match token {
            Ok(token) => tokens.push(token),
            Err(why) => refused.push(Refused {
                id,
                what: "token",
                why,
            }),
        }
    }
    Ok((last, tokens, refused))
}

/// A phone as the Go service stored it, in E.164. It kept numbers as `+<code><number>` and
/// turned a national `09…` into `+989…` (Iran); a row written without the `+` gets one, as its
/// CHECK constraint allowed.
fn phone(stored: &str) -> Result<PhoneNumber, String> {
    let e164 = match stored.strip_prefix('0') {
        Some(national) => format!("+98{national}"),
        None if stored.starts_with('+') => stored.to_owned(),
        None => format!("+{stored}"),
    };
    PhoneNumber::parse(&e164, None).map_err(|e| format!("phone {stored:?}: {e}"))
}

/// The Go service's token hash: lower-case hex of SHA-256.
fn sha256_hex(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_read_as_the_go_service_wrote_them() {
        for (stored, e164) in [
            ("+989121234567", "+989121234567"),
            ("09121234567", "+989121234567"),
            ("989121234567", "+989121234567"),
            ("+14155552671", "+14155552671"),
        ] {
            assert_eq!(phone(stored).unwrap().as_e164(), e164, "{stored}");
        }
        // Its pattern let through numbers that belong to no country's plan.
        assert!(phone("+9991234567890").is_err());
        assert!(phone("+1912345678").is_err());
    }

    #[test]
    fn token_hashes_are_hex_sha256() {
        let hex = "ba1e7f62a2422efd0c9d40ce7ab996402f0539cd0ec56c7fcf7944ddfa6f9a92";
        let bytes = sha256_hex(hex).unwrap();
        assert_eq!(bytes[0], 0xba);
        assert_eq!(bytes[31], 0x92);
        assert_eq!(sha256_hex(&hex[..62]), None);
        assert_eq!(sha256_hex(&hex.replace('a', "g")), None);
    }
}
