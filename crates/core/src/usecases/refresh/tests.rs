//! Refresh and logout over the in-memory account store (held to the Postgres store by the
//! contract suite): each outcome and its contract code.

use super::*;
use crate::domain::account::UserId;
use crate::domain::phone::PhoneNumber;
use crate::http::error::ErrorCode;
use crate::ports::contract::settings;
use crate::ports::NewLogin;
use crate::testing::{CountingLender, FixedClock, FixedSigner, InMemoryAccounts, SeededRandom};
use futures::executor::block_on;

const SESSION: &str = "refresh-session-0123456789";

struct World {
    clock: FixedClock,
    rng: SeededRandom,
    signer: FixedSigner,
    settings: Settings,
}

fn world(overrides: &[(&str, &str)]) -> World {
    World {
        clock: FixedClock::at(1_900_000_000),
        rng: SeededRandom::new(5),
        signer: FixedSigner::default(),
        settings: settings(overrides),
    }
}

/// Logs a user in directly at the store; returns their first refresh token.
fn logged_in(w: &World, accounts: &impl AccountStore) -> String {
    logged_in_bound(w, accounts, None)
}

/// A login whose pair is bound to the DPoP key `binding` names, when it names one.
fn logged_in_bound(w: &World, accounts: &impl AccountStore, binding: Option<&str>) -> String {
    let id = UserId::parse("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f").unwrap();
    let secret = RefreshSecret([1; 32]);
    let login = NewLogin {
        phone: &PhoneNumber::parse("+14155552671", None).unwrap(),
        new_user_id: &id,
        session: &SessionId::parse(SESSION).unwrap(),
        refresh_secret: &secret,
        refresh_expires_at: w.clock.now() + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &crate::domain::account::Scope::Unscoped,
        known_account: None,
        binding,
    };
    block_on(accounts.login(&login)).unwrap();
    login.refresh_token(&id).token
}

fn refresh_with(
    w: &World,
    accounts: &impl AccountLender,
    token: Option<&str>,
    session: Option<&str>,
) -> Result<RefreshOutput, RefreshError> {
    refresh_in(None, w, accounts, token, session)
}

/// A refresh whose request proved the DPoP key `binding` names, if it names one.
fn refresh_bound(
    w: &World,
    accounts: &impl AccountLender,
    token: &str,
    binding: Option<&str>,
) -> Result<RefreshOutput, RefreshError> {
    refresh_as(None, w, accounts, (Some(token), None), binding)
}

/// A refresh by a worker serving the data region `region`.
fn refresh_in(
    region: Option<&str>,
    w: &World,
    accounts: &impl AccountLender,
    token: Option<&str>,
    session: Option<&str>,
) -> Result<RefreshOutput, RefreshError> {
    refresh_as(region, w, accounts, (token, session), None)
}

/// A refresh of (token, session) in `region`, by a request that proved `binding`'s key.
fn refresh_as(
    region: Option<&str>,
    w: &World,
    accounts: &impl AccountLender,
    (token, session): (Option<&str>, Option<&str>),
    binding: Option<&str>,
) -> Result<RefreshOutput, RefreshError> {
    let deps = RefreshDeps {
        accounts,
        signer: &w.signer,
        rng: &w.rng,
        clock: &w.clock,
        settings: &w.settings,
        region,
    };
    let input = RefreshInput {
        refresh_token: token,
        session_id: session,
        binding,
    };
    block_on(refresh(&deps, &input))
}

#[test]
fn a_refresh_rotates_and_the_old_token_then_revokes_the_session() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let first = logged_in(&w, &accounts);
    let out = refresh_with(&w, &accounts, Some(&first), Some(SESSION)).unwrap();
    assert_eq!(out.session.as_str(), SESSION);
    assert_ne!(out.refresh_token, first);
    assert_eq!(
        RefreshToken::parse(&out.refresh_token).unwrap().user_id,
        out.user.id,
        "the successor names the same user"
    );
    assert_eq!(
        out.refresh_expires_at,
        1_900_000_000 + 86_400,
        "the new token ends with its session, not 30 days from now"
    );
    let reused = refresh_with(&w, &accounts, Some(&first), None).unwrap_err();
    assert_eq!(reused, RefreshError::Reused);
    assert_eq!(
        (
            reused.problem().body.code,
            reused.problem().body.http_status()
        ),
        (ErrorCode::RefreshTokenReused, 403)
    );
    let after = refresh_with(&w, &accounts, Some(&out.refresh_token), None).unwrap_err();
    assert_eq!(
        after,
        RefreshError::Invalid,
        "the whole session was revoked"
    );
    assert_eq!(after.problem().body.http_status(), 401);
}

#[test]
fn a_bound_token_rotates_only_with_its_key_and_a_thief_without_it_changes_nothing() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let first = logged_in_bound(&w, &accounts, Some("key-a"));
    // The thief has the token but not the key: as unknown a token as any, and the session
    // neither rotates nor is revoked, so the owner's next refresh works.
    for thief in [None, Some("key-b")] {
        let refused = refresh_bound(&w, &accounts, &first, thief).unwrap_err();
        assert_eq!(refused, RefreshError::Invalid, "{thief:?}");
    }
    let out = refresh_bound(&w, &accounts, &first, Some("key-a")).unwrap();
    assert_eq!(out.token_type, "DPoP");
    assert_eq!(claims_of(&out.access_token)["cnf"]["jkt"], "key-a");
    // The successor is bound to the same key.
    let stolen = refresh_bound(&w, &accounts, &out.refresh_token, None).unwrap_err();
    assert_eq!(stolen, RefreshError::Invalid);
    let next = refresh_bound(&w, &accounts, &out.refresh_token, Some("key-a")).unwrap();
    assert_eq!(claims_of(&next.access_token)["cnf"]["jkt"], "key-a");
    // A bound token ends its session only with its key, too.
    let ended = block_on(logout(&accounts, Some(&next.refresh_token), None, None));
    assert_eq!(ended, Err(LogoutError::Invalid));
    let ended = block_on(logout(
        &accounts,
        Some(&next.refresh_token),
        None,
        Some("key-a"),
    ));
    assert_eq!(ended, Ok(()));
}

#[test]
fn a_bearer_pair_stays_a_bearer_pair() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let first = logged_in(&w, &accounts);
    let out = refresh_bound(&w, &accounts, &first, None).unwrap();
    assert_eq!(out.token_type, "Bearer");
    assert!(claims_of(&out.access_token).get("cnf").is_none());
    // A proof cannot bind a session that was not bound at login: its token is not found.
    let late = refresh_bound(&w, &accounts, &out.refresh_token, Some("key-a")).unwrap_err();
    assert_eq!(late, RefreshError::Invalid);
}

/// The claims of an access token, read without checking its signature.
fn claims_of(access_token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = access_token.split('.').nth(1).unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

#[test]
fn in_a_region_both_tokens_name_it_and_a_tagged_token_rotates() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let first = logged_in(&w, &accounts);
    // A token from before the deployment had regions has no tag, and still refreshes.
    let out = refresh_in(Some("eu"), &w, &accounts, Some(&first), Some(SESSION)).unwrap();
    let (tag, _) = crate::domain::regions::split_tag(&out.refresh_token);
    assert_eq!(tag, Some("eu"));
    assert_eq!(claims_of(&out.access_token)["rgn"], "eu");
    // The tagged successor rotates in turn, and a changed tag is no other token.
    let next = refresh_in(Some("eu"), &w, &accounts, Some(&out.refresh_token), None).unwrap();
    assert!(next.refresh_token.starts_with("eu."));
    let retagged = next.refresh_token.replacen("eu.", "us.", 1);
    let rotated = refresh_in(Some("eu"), &w, &accounts, Some(&retagged), None).unwrap();
    assert!(rotated.refresh_token.starts_with("eu."));
    // Without regions nothing is tagged and no claim is added.
    let plain = refresh_with(&w, &accounts, Some(&rotated.refresh_token), None).unwrap();
    assert_eq!(
        crate::domain::regions::split_tag(&plain.refresh_token).0,
        None
    );
    assert!(claims_of(&plain.access_token).get("rgn").is_none());
}

#[test]
fn missing_malformed_or_foreign_input_is_refused_with_its_code() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let token = logged_in(&w, &accounts);
    let cases = [
        (None, None, RefreshError::Missing, ErrorCode::InvalidRequest),
        (
            Some(""),
            None,
            RefreshError::Missing,
            ErrorCode::InvalidRequest,
        ),
        (
            Some(token.as_str()),
            Some("bad"),
            RefreshError::InvalidSession,
            ErrorCode::InvalidRequest,
        ),
        (
            Some("not-a-token"),
            None,
            RefreshError::Invalid,
            ErrorCode::InvalidRefreshToken,
        ),
        (
            Some(token.as_str()),
            Some("another-session-0123456789"),
            RefreshError::Invalid,
            ErrorCode::InvalidRefreshToken,
        ),
    ];
    for (token, session, error, code) in cases {
        let refused = refresh_with(&w, &accounts, token, session).unwrap_err();
        assert_eq!(refused, error, "{token:?} {session:?}");
        assert_eq!(refused.problem().body.code, code);
    }
    assert!(
        refresh_with(&w, &accounts, Some(&token), Some(SESSION)).is_ok(),
        "none of the refusals used the token up"
    );
}

#[test]
fn logout_takes_a_scope_and_a_live_token() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let token = logged_in(&w, &accounts);
    let bad_scope = block_on(logout(&accounts, Some(&token), Some("everyone"), None)).unwrap_err();
    assert_eq!(bad_scope, LogoutError::BadScope);
    assert_eq!(bad_scope.problem().body.code, ErrorCode::InvalidRequest);
    assert_eq!(
        block_on(logout(&accounts, None, None, None)).unwrap_err(),
        LogoutError::Missing
    );
    assert_eq!(
        block_on(logout(&accounts, Some(&token), None, None)),
        Ok(())
    );
    let again = block_on(logout(&accounts, Some(&token), Some("global"), None)).unwrap_err();
    assert_eq!(again, LogoutError::Invalid);
    assert_eq!(again.problem().body.code, ErrorCode::InvalidRefreshToken);
    assert_eq!(
        refresh_with(&w, &accounts, Some(&token), None).unwrap_err(),
        RefreshError::Invalid,
        "a logged-out token does not refresh"
    );
}

#[test]
fn logout_with_a_rotated_token_is_a_reuse_that_revokes_the_session() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let first = logged_in(&w, &accounts);
    let rotated = refresh_with(&w, &accounts, Some(&first), None).unwrap();
    let reused = block_on(logout(&accounts, Some(&first), Some("local"), None)).unwrap_err();
    assert_eq!(reused, LogoutError::Reused);
    assert_eq!(
        (
            reused.problem().body.code,
            reused.problem().body.http_status()
        ),
        (ErrorCode::RefreshTokenReused, 403)
    );
    assert_eq!(
        refresh_with(&w, &accounts, Some(&rotated.refresh_token), None).unwrap_err(),
        RefreshError::Invalid,
        "the session the stolen token belonged to is over"
    );
}

/// A user and a live token of the Go service, imported as `auth-ops import-otp-auth` does;
/// returns the Go token.
fn imported(w: &World, accounts: &InMemoryAccounts<'_, FixedClock>) -> String {
    use crate::ports::{Checkpoint, ImportPhase, ImportedToken, ImportedUser, LegacyImport};
    let id = UserId::parse("2c9d7e1a-4b3f-4e8a-9d6c-0a1b2c3d4e5f").unwrap();
    let phone = PhoneNumber::parse("+989121234567", None).unwrap();
    let done = |phase| Checkpoint {
        source: "go",
        phase,
        last_id: "2c9d7e1a-4b3f-4e8a-9d6c-0a1b2c3d4e5f",
    };
    let user = ImportedUser {
        id: id.clone(),
        phone: phone.clone(),
        scope: crate::domain::account::Scope::parse("user").unwrap(),
        created_at: w.clock.now() - 86_400,
        updated_at: w.clock.now() - 86_400,
    };
    block_on(accounts.import_users(&[user], &done(ImportPhase::Users))).unwrap();
    let go_token = "Zq8xWv3tUs7rQp2oNm6lKj1iHg5fEd9c";
    let token = ImportedToken {
        hash: crate::domain::secrets::legacy_token_hash(go_token).unwrap(),
        user: id,
        phone,
        session: SessionId::parse(&"ab".repeat(32)).unwrap(),
        created_at: w.clock.now() - 3_600,
        expires_at: w.clock.now() + 86_400,
    };
    block_on(accounts.import_tokens(&[token], &done(ImportPhase::Tokens))).unwrap();
    go_token.to_owned()
}

#[test]
fn a_go_token_refreshes_once_into_one_of_ours_then_counts_as_reused() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let go = imported(&w, &accounts);
    let go_session = "ab".repeat(32);
    let out = refresh_with(&w, &accounts, Some(&go), Some(&go_session)).unwrap();
    assert_eq!(out.user.id.as_str(), "2c9d7e1a-4b3f-4e8a-9d6c-0a1b2c3d4e5f");
    assert_eq!(out.session.as_str(), go_session);
    let ours = RefreshToken::parse(&out.refresh_token).expect("the successor is ours");
    assert_eq!(ours.user_id, out.user.id);
    assert_eq!(
        refresh_with(&w, &accounts, Some(&go), None).unwrap_err(),
        RefreshError::Reused
    );
    // A Go-shaped token that was never imported is simply invalid.
    let stranger = "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk";
    assert_eq!(
        refresh_with(&w, &accounts, Some(stranger), None).unwrap_err(),
        RefreshError::Invalid
    );
}

#[test]
fn a_go_token_logs_its_session_out() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let go = imported(&w, &accounts);
    assert_eq!(block_on(logout(&accounts, Some(&go), None, None)), Ok(()));
    assert_eq!(
        refresh_with(&w, &accounts, Some(&go), None).unwrap_err(),
        RefreshError::Invalid,
        "the logged-out Go session is over"
    );
}

#[test]
fn a_refresh_and_a_logout_each_borrow_one_connection_even_for_a_go_token() {
    let w = world(&[]);
    let accounts = InMemoryAccounts::new(&w.clock);
    let ours = logged_in(&w, &accounts);
    let go = imported(&w, &accounts);
    let lender = CountingLender::new(&accounts);
    let rotated = refresh_with(&w, &lender, Some(&ours), None).unwrap();
    assert_eq!(lender.lends(), 1);
    // The Go token's owner is looked up by its hash, then it rotates: two statements, one
    // connection.
    refresh_with(&w, &lender, Some(&go), None).unwrap();
    assert_eq!(lender.lends(), 2);
    assert_eq!(
        block_on(logout(&lender, Some(&rotated.refresh_token), None, None)),
        Ok(())
    );
    assert_eq!(lender.lends(), 3);
    // Refused before any store is needed: no connection.
    assert_eq!(
        refresh_with(&w, &lender, None, None).unwrap_err(),
        RefreshError::Missing
    );
    assert_eq!(lender.lends(), 3);
}
