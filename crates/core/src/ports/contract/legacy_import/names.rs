//! The names a scenario of the import's contract uses (phones, ids, Go sessions and tokens of
//! its own run), and the two calls every scenario makes: a batch of users, a batch of tokens.

use crate::domain::account::{Scope, UserId};
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::legacy_token_hash;
use crate::domain::session::SessionId;
use crate::ports::{
    Checkpoint, ImportPhase, ImportedToken, ImportedUser, LegacyImport, TokensImported,
    UnixSeconds, UserImport,
};

pub(super) struct Names {
    pub(super) run: u32,
    pub(super) now: UnixSeconds,
}

impl Names {
    pub(super) fn phone(&self, n: u32) -> PhoneNumber {
        let number = format!("+1415556{:02}{:02}", self.run % 100, n % 100);
        PhoneNumber::parse(&number, None).expect("a valid number")
    }

    pub(super) fn id(&self, n: u32) -> UserId {
        UserId::parse(&format!("5e0a1c2d-7b3f-4c1e-9a6d-{:06}{:06}", self.run, n)).unwrap()
    }

    /// A Go session id: 64 hex characters.
    pub(super) fn go_session(&self, n: u32) -> SessionId {
        SessionId::parse(&format!("{:032x}{:032x}", self.run, n)).unwrap()
    }

    /// A Go refresh token: 32 characters of [A-Za-z0-9].
    pub(super) fn go_token(&self, n: u32) -> String {
        format!("GoToken{:05}x{:05}AbCdEfGhIjKlMn", self.run, n)
    }

    pub(super) fn user(&self, n: u32, phone: u32) -> ImportedUser {
        ImportedUser {
            id: self.id(n),
            phone: self.phone(phone),
            scope: Scope::parse("admin").unwrap(),
            created_at: self.now - 86_400 * 30,
            updated_at: self.now - 86_400,
        }
    }

    pub(super) fn token(&self, user: u32, phone: u32, n: u32, session: u32) -> ImportedToken {
        ImportedToken {
            hash: legacy_token_hash(&self.go_token(n)).unwrap(),
            user: self.id(user),
            phone: self.phone(phone),
            session: self.go_session(session),
            created_at: self.now - 3_600,
            expires_at: self.now + 86_400 * 3,
        }
    }

    pub(super) fn source(&self) -> String {
        format!("contract-{}", self.run)
    }
}

pub(super) async fn users<S: LegacyImport>(
    store: &S,
    n: &Names,
    users: &[ImportedUser],
) -> Vec<UserImport> {
    let last = users.last().map(|u| u.id.as_str().to_owned()).unwrap();
    let done = Checkpoint {
        source: &n.source(),
        phase: ImportPhase::Users,
        last_id: &last,
    };
    store
        .import_users(users, &done)
        .await
        .expect("the store answers")
}

pub(super) async fn tokens<S: LegacyImport>(
    store: &S,
    n: &Names,
    tokens: &[ImportedToken],
) -> TokensImported {
    let done = Checkpoint {
        source: &n.source(),
        phase: ImportPhase::Tokens,
        last_id: "00000000-0000-4000-8000-000000000000",
    };
    store
        .import_tokens(tokens, &done)
        .await
        .expect("the store answers")
}
