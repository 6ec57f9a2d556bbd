//! The Twilio provider, with basic auth, for every channel:
//! - SMS: `POST /2010-04-01/Accounts/{sid}/Messages.json` (`To`, `From`, `Body`);
//! - WhatsApp: the same Messages API with `whatsapp:` on both numbers; with a content template
//!   (`TWILIO_WHATSAPP_CONTENT_SID`, which WhatsApp requires for a business's first message in
//!   production) `ContentSid` and `ContentVariables` `{"1": code}` replace `Body`;
//! - voice: `POST /2010-04-01/Accounts/{sid}/Calls.json` with inline TwiML that says the words
//!   (`<Say language>`).

use super::{describe, SEND_TIMEOUT};
use auth_core::domain::delivery::Channel;
use auth_core::ports::{CodeSender, OutgoingCode, SmsError};

/// A form body: field names and values, in order.
type Form = Vec<(&'static str, String)>;

pub struct TwilioSms {
    /// `https://api.twilio.com` in production; a local stand-in in tests.
    api_base: String,
    account_sid: String,
    auth_token: String,
    from: String,
    whatsapp_from: Option<String>,
    whatsapp_content_sid: Option<String>,
    voice_from: Option<String>,
    http: reqwest::Client,
}

impl TwilioSms {
    pub fn new(api_base: &str, account_sid: &str, auth_token: &str, from: &str) -> Self {
        Self {
            api_base: api_base.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
            whatsapp_from: None,
            whatsapp_content_sid: None,
            voice_from: None,
            http: reqwest::Client::new(),
        }
    }

    /// The WhatsApp sender (`TWILIO_WHATSAPP_FROM`, E.164) and, optionally, the approved
    /// content template the code goes into.
    pub fn with_whatsapp(mut self, from: &str, content_sid: Option<&str>) -> Self {
        self.whatsapp_from = Some(from.to_owned());
        self.whatsapp_content_sid = content_sid.map(str::to_owned);
        self
    }

    /// The caller id of voice calls (`TWILIO_VOICE_FROM`); the SMS sender otherwise.
    pub fn with_voice_from(mut self, from: &str) -> Self {
        self.voice_from = Some(from.to_owned());
        self
    }

    /// The resource and the form of one code.
    fn request(&self, out: &OutgoingCode<'_>) -> Result<(&'static str, Form), SmsError> {
        let to = out.to.as_e164();
        Ok(match out.channel {
            Channel::Sms => (
                "Messages",
                vec![
                    ("To", to.to_owned()),
                    ("From", self.from.clone()),
                    ("Body", out.text.to_owned()),
                ],
            ),
            Channel::Whatsapp => {
                let from = self.whatsapp_from.as_deref().ok_or_else(|| {
                    SmsError("twilio has no WhatsApp sender (TWILIO_WHATSAPP_FROM)".into())
                })?;
                let mut form = vec![
                    ("To", format!("whatsapp:{to}")),
                    ("From", format!("whatsapp:{from}")),
                ];
                match &self.whatsapp_content_sid {
                    Some(sid) => {
                        form.push(("ContentSid", sid.clone()));
                        let code = out.code.unwrap_or_default();
                        let variables = serde_json::json!({ "1": code }).to_string();
                        form.push(("ContentVariables", variables));
                    }
                    None => form.push(("Body", out.text.to_owned())),
                }
                ("Messages", form)
            }
            Channel::Voice => {
                let locale = out.voice_locale.unwrap_or("en-US");
                let twiml = format!(
                    "<Response><Say language=\"{}\">{}</Say></Response>",
                    xml_escaped(locale),
                    xml_escaped(out.text)
                );
                let from = self.voice_from.as_deref().unwrap_or(&self.from);
                (
                    "Calls",
                    vec![
                        ("To", to.to_owned()),
                        ("From", from.to_owned()),
                        ("Twiml", twiml),
                    ],
                )
            }
        })
    }
}

/// Text safe inside an XML element or a quoted attribute.
fn xml_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

impl CodeSender for TwilioSms {
    async fn send(&self, out: &OutgoingCode<'_>) -> Result<(), SmsError> {
        let (resource, form) = self.request(out)?;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/{resource}.json",
            self.api_base, self.account_sid
        );
        let response = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form)
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
