//! The JSON shapes several handlers answer with, and the token delivery of login and refresh.

use crate::cookies;
use crate::outcome::Outcome;
use crate::platform::WebCryptoRandom;
use auth_core::ports::User;
use auth_core::time::rfc3339;
use serde_json::{json, Value};

/// A user as the contract shows it.
pub fn user_json(user: &User) -> Value {
    json!({
        "id": user.id.as_str(),
        "phone_number": user.phone,
        "scope": user.scope.as_str(),
        "created_at": rfc3339(user.created_at),
        "updated_at": rfc3339(user.updated_at),
    })
}

/// What login and refresh both hand out.
pub struct Tokens<'a> {
    pub message: &'a str,
    pub access_token: &'a str,
    pub refresh_token: &'a str,
    pub expires_in: u32,
    pub expires_at: i64,
    pub refresh_expires_at: i64,
    pub refresh_ttl_secs: u32,
    pub user: &'a User,
}

impl Tokens<'_> {
    /// The token pair body shared by login and refresh.
    pub fn body(&self) -> Value {
        json!({
            "message": self.message,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "expires_at": rfc3339(self.expires_at),
            "refresh_expires_at": rfc3339(self.refresh_expires_at),
            "user": user_json(self.user),
        })
    }

    /// The answer: the body (with `extra` fields merged in), in cookie mode the token cookies
    /// with a fresh CSRF token, and the user named for the access log.
    pub fn deliver(&self, extra: Value, cookie_mode: bool) -> Result<Outcome, Outcome> {
        let mut body = self.body();
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        let mut outcome = Outcome::json(200, &body)?.for_user(self.user.id.as_str());
        if cookie_mode {
            outcome = cookies::set_tokens(
                outcome,
                self.access_token,
                self.expires_in,
                self.refresh_token,
                self.refresh_ttl_secs,
                &WebCryptoRandom,
            )?;
        }
        Ok(outcome)
    }
}
