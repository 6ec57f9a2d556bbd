//! The Twilio provider: `POST /2010-04-01/Accounts/{sid}/Messages.json` with basic auth.

use super::{describe, SEND_TIMEOUT};
use auth_core::phone::PhoneNumber;
use auth_core::ports::{SmsError, SmsSender};

pub struct TwilioSms {
    /// `https://api.twilio.com` in production; a local stand-in in tests.
    api_base: String,
    account_sid: String,
    auth_token: String,
    from: String,
    http: reqwest::Client,
}

impl TwilioSms {
    pub fn new(api_base: &str, account_sid: &str, auth_token: &str, from: &str) -> Self {
        Self {
            api_base: api_base.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
            http: reqwest::Client::new(),
        }
    }
}

impl SmsSender for TwilioSms {
    async fn send(&self, to: &PhoneNumber, message: &str, _code: &str) -> Result<(), SmsError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api_base, self.account_sid
        );
        let response = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&[
                ("To", to.as_e164()),
                ("From", self.from.as_str()),
                ("Body", message),
            ])
            .timeout(SEND_TIMEOUT)
            .send()
            .await
            .map_err(|e| SmsError(format!("twilio {}", describe(&e))))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        // Twilio's error body has a numeric `code` worth logging; its `message` may quote the
        // request, so it is left out.
        let code = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_i64()));
        Err(SmsError(match code {
            Some(code) => format!("twilio answered HTTP {status} (error {code})"),
            None => format!("twilio answered HTTP {status}"),
        }))
    }
}
