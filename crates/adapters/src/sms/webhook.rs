//! The webhook provider: JSON to a URL of the operator's, signed per the Standard Webhooks scheme
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so the
//! receiver can check that the message came from this service and is fresh.

use super::{describe, SEND_TIMEOUT};
use auth_core::domain::secrets::random_token;
use auth_core::ports::{Clock, CodeSender, OutgoingCode, SecureRandom, SmsError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub struct WebhookSms<'a, C, R> {
    url: String,
    /// The decoded signing secret (the part after `whsec_`).
    secret: Vec<u8>,
    http: reqwest::Client,
    clock: &'a C,
    rng: &'a R,
}

impl<'a, C: Clock, R: SecureRandom> WebhookSms<'a, C, R> {
    /// `secret` is in the Standard Webhooks form `whsec_<base64>`.
    pub fn new(
        url: impl Into<String>,
        secret: &str,
        clock: &'a C,
        rng: &'a R,
    ) -> Result<Self, String> {
        let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
        let secret = STANDARD
            .decode(encoded)
            .map_err(|_| "SMS_WEBHOOK_SECRET must be whsec_ followed by base64".to_owned())?;
        if secret.len() < 16 {
            return Err("SMS_WEBHOOK_SECRET must hold at least 16 bytes".to_owned());
        }
        Ok(Self {
            url: url.into(),
            secret,
            http: reqwest::Client::new(),
            clock,
            rng,
        })
    }
}

/// The `webhook-signature` value for one message: `v1,` and base64 of
/// HMAC-SHA256(secret, "{id}.{timestamp}.{body}").
pub fn sign_webhook(secret: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

impl<C: Clock, R: SecureRandom> CodeSender for WebhookSms<'_, C, R> {
    async fn send(&self, out: &OutgoingCode<'_>) -> Result<(), SmsError> {
        let id = format!(
            "msg_{}",
            random_token(self.rng, 16).map_err(|e| SmsError(e.to_string()))?
        );
        let timestamp = self.clock.now();
        // `type` stays `otp.sms` for every code, whatever its channel, so receivers written
        // before channels keep working; `channel` says how to deliver, and for a call `message`
        // is the words to say in `voice_locale`. A notice (no code) is `notice.sms`.
        let kind = match out.code {
            Some(_) => "otp.sms",
            None => "notice.sms",
        };
        let body = serde_json::json!({
            "type": kind,
            "channel": out.channel.as_str(),
            "to": out.to.as_e164(),
            "message": out.text,
            "code": out.code,
            "voice_locale": out.voice_locale,
        })
        .to_string();
        let signature = sign_webhook(&self.secret, &id, timestamp, &body);
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .timeout(SEND_TIMEOUT)
            .body(body)
            .send()
            .await
            .map_err(|e| SmsError(format!("webhook {}", describe(&e))))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SmsError(format!(
                "webhook answered HTTP {}",
                status.as_u16()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sign_webhook;
    use base64::Engine as _;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The worked example of the Standard Webhooks specification.
        let secret = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign_webhook(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
