//! How a code reaches its user: by SMS, WhatsApp or a voice call, and which of them a
//! deployment offers (`OTP_CHANNELS`) and tries next when a provider fails
//! (`OTP_CHANNEL_FALLBACK`). Every channel goes through the same provider setting (Twilio or
//! the webhook); the console prints them all.

pub mod sms_text;
pub mod voice_text;

/// A way to deliver a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Whatsapp,
    Voice,
}

/// Not a channel this service knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("channel must be sms, whatsapp or voice")]
pub struct UnknownChannel;

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Sms, Channel::Whatsapp, Channel::Voice];

    pub fn parse(name: &str) -> Result<Self, UnknownChannel> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == name)
            .ok_or(UnknownChannel)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Voice => "voice",
        }
    }
}

/// The channels a deployment offers, and the order it falls back in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPolicy {
    /// `OTP_CHANNELS` (default `sms`): what a client may ask for.
    pub allowed: Vec<Channel>,
    /// `OTP_CHANNEL_FALLBACK` (default empty): when the asked channel's provider fails, these
    /// are tried in order (each once, the asked one skipped; only allowed channels).
    pub fallback: Vec<Channel>,
}

impl Default for ChannelPolicy {
    fn default() -> Self {
        Self {
            allowed: vec![Channel::Sms],
            fallback: Vec::new(),
        }
    }
}

impl ChannelPolicy {
    /// From the two settings' values (comma-separated channel names).
    pub fn parse(allowed: Option<&str>, fallback: Option<&str>) -> Result<Self, String> {
        let list = |setting: &str, raw: Option<&str>| -> Result<Vec<Channel>, String> {
            let mut channels = Vec::new();
            for name in raw
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                let channel = Channel::parse(name)
                    .map_err(|_| format!("{setting}: {name:?} is not sms, whatsapp or voice"))?;
                if !channels.contains(&channel) {
                    channels.push(channel);
                }
            }
            Ok(channels)
        };
        let mut policy = Self::default();
        let allowed = list("OTP_CHANNELS", allowed)?;
        if !allowed.is_empty() {
            policy.allowed = allowed;
        }
        policy.fallback = list("OTP_CHANNEL_FALLBACK", fallback)?;
        if let Some(stray) = policy.fallback.iter().find(|c| !policy.allowed.contains(c)) {
            return Err(format!(
                "OTP_CHANNEL_FALLBACK: {} is not in OTP_CHANNELS",
                stray.as_str()
            ));
        }
        Ok(policy)
    }

    pub fn allows(&self, channel: Channel) -> bool {
        self.allowed.contains(&channel)
    }

    /// The channels to try for a code asked on `asked`, in order.
    pub fn attempts(&self, asked: Channel) -> Vec<Channel> {
        let mut order = vec![asked];
        order.extend(self.fallback.iter().copied().filter(|c| *c != asked));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_name_known_channels_and_fall_back_only_to_allowed_ones() {
        assert_eq!(
            ChannelPolicy::parse(None, None),
            Ok(ChannelPolicy::default())
        );
        let policy =
            ChannelPolicy::parse(Some("whatsapp, sms,voice"), Some("sms,whatsapp")).unwrap();
        assert!(policy.allows(Channel::Voice));
        assert_eq!(
            policy.attempts(Channel::Whatsapp),
            [Channel::Whatsapp, Channel::Sms]
        );
        assert_eq!(
            policy.attempts(Channel::Voice),
            [Channel::Voice, Channel::Sms, Channel::Whatsapp]
        );
        assert!(ChannelPolicy::parse(Some("sms,telegram"), None)
            .unwrap_err()
            .contains("telegram"));
        assert!(ChannelPolicy::parse(Some("sms"), Some("voice"))
            .unwrap_err()
            .contains("not in OTP_CHANNELS"));
        assert_eq!(
            Channel::parse("SMS"),
            Err(UnknownChannel),
            "names are lower-case"
        );
    }
}
