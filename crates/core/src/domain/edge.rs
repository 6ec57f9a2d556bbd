//! What the edge knows about a caller before the request reaches the worker: the country and
//! network (ASN) its address belongs to, and, on plans with Bot Management, a bot score and
//! the TLS client's JA4/JA3 fingerprints. Cloudflare puts them on `request.cf`; the worker only
//! reads them into [`EdgeSignals`], and core decides what they mean ([`crate::domain::risk`]).
//!
//! Local runtimes have no real `cf` object. With `EDGE_SIGNALS=headers` (refused in
//! production: any client could send them) the same signals come from request headers
//! instead: `x-edge-country`, `x-edge-asn`, `x-edge-bot-score`, `x-edge-ja4`, `x-edge-ja3`.

/// Where the signals come from (`EDGE_SIGNALS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EdgeSource {
    /// `request.cf`, as Cloudflare sets it (the default).
    #[default]
    Cf,
    /// The `x-edge-*` headers: local runs and tests only.
    Headers,
}

impl EdgeSource {
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw.map(str::trim) {
            None | Some("") | Some("cf") => Ok(EdgeSource::Cf),
            Some("headers") => Ok(EdgeSource::Headers),
            Some(other) => Err(format!("EDGE_SIGNALS={other:?} must be cf or headers")),
        }
    }
}

/// The header names of `EdgeSource::Headers`.
pub mod headers {
    pub const COUNTRY: &str = "x-edge-country";
    pub const ASN: &str = "x-edge-asn";
    pub const BOT_SCORE: &str = "x-edge-bot-score";
    pub const JA4: &str = "x-edge-ja4";
    pub const JA3: &str = "x-edge-ja3";
}

/// The caller as the edge sees it; every field may be missing (a plan without Bot Management,
/// an address without a country). Values that do not look like what Cloudflare sends are
/// dropped, so nothing odd reaches a counter's key or a log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeSignals {
    /// ISO 3166 alpha-2, upper case (`XX` unknown and `T1` Tor as Cloudflare sends them).
    pub country: Option<String>,
    pub asn: Option<u32>,
    /// 1 (surely a bot) to 99 (surely a human).
    pub bot_score: Option<u8>,
    pub ja4: Option<String>,
    pub ja3: Option<String>,
}

impl EdgeSignals {
    /// From raw values, each checked for shape.
    pub fn from_raw(
        country: Option<&str>,
        asn: Option<u32>,
        bot_score: Option<u32>,
        ja4: Option<&str>,
        ja3: Option<&str>,
    ) -> Self {
        let country = country
            .map(str::trim)
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphanumeric()))
            .map(str::to_ascii_uppercase);
        let fingerprint = |value: Option<&str>, max: usize| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= max)
                .filter(|v| v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .map(str::to_owned)
        };
        Self {
            country,
            asn: asn.filter(|a| *a > 0),
            bot_score: bot_score.filter(|s| (1..=99).contains(s)).map(|s| s as u8),
            ja4: fingerprint(ja4, 40),
            ja3: fingerprint(ja3, 32),
        }
    }

    /// From the `x-edge-*` headers (`EdgeSource::Headers`).
    pub fn from_headers(get: impl Fn(&str) -> Option<String>) -> Self {
        let number = |name| get(name).and_then(|v| v.trim().parse::<u32>().ok());
        Self::from_raw(
            get(headers::COUNTRY).as_deref(),
            number(headers::ASN),
            number(headers::BOT_SCORE),
            get(headers::JA4).as_deref(),
            get(headers::JA3).as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_kept_only_when_they_look_like_cloudflares() {
        let headers = |name: &str| {
            Some(
                match name {
                    headers::COUNTRY => "de",
                    headers::ASN => "3320",
                    headers::BOT_SCORE => "12",
                    headers::JA4 => "t13d1516h2_8daaf6152771_b0da82dd1658",
                    headers::JA3 => "773906b0efdefa24a7f2b8eb6985bf37",
                    _ => return None,
                }
                .to_owned(),
            )
        };
        let signals = EdgeSignals::from_headers(headers);
        assert_eq!(signals.country.as_deref(), Some("DE"));
        assert_eq!((signals.asn, signals.bot_score), (Some(3320), Some(12)));
        assert!(signals.ja4.is_some() && signals.ja3.is_some());

        let odd = EdgeSignals::from_raw(Some("DEU"), Some(0), Some(100), Some("a b"), Some("x:y"));
        assert_eq!(odd, EdgeSignals::default());
        assert_eq!(EdgeSource::parse(Some("headers")), Ok(EdgeSource::Headers));
        assert!(EdgeSource::parse(Some("spoof")).is_err());
    }
}
