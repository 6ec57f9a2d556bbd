//! The passkey settings: the relying party, the origins whose responses count, and the apps
//! that may use the passkeys (whose association files the worker serves). Passkeys are off
//! until `PASSKEY_RP_ID` is set.
//!
//! - `PASSKEY_RP_ID`: the domain the passkeys belong to (`example.com`). Every web origin must
//!   be it or a subdomain of it (WebAuthn §5.1.3), and an app's association file must be served
//!   there.
//! - `PASSKEY_RP_NAME`: what a browser shows the user (default `PASSKEY_RP_ID`).
//! - `PASSKEY_ORIGINS`: the web origins, comma-separated (default `https://` + the RP id).
//!   `http://localhost[:port]` is accepted for development; production refuses it
//!   (`config::deployment`).
//! - `PASSKEY_ANDROID_APPS`: `package=SHA-256 fingerprint` pairs, `;`-separated
//!   (`com.example.app=AB:CD:...`). Each app's `android:apk-key-hash:` origin is allowed, and
//!   `/.well-known/assetlinks.json` names it.
//! - `PASSKEY_APPLE_APP_IDS`: `TEAMID.bundle.id`, comma-separated, for
//!   `/.well-known/apple-app-site-association` (`webcredentials`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// An Android app that may use the passkeys: its package and its signing certificate's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndroidApp {
    pub package: String,
    pub cert_sha256: [u8; 32],
}

impl AndroidApp {
    /// The origin its responses carry (`android:apk-key-hash:` + base64url of the hash).
    pub fn origin(&self) -> String {
        format!(
            "android:apk-key-hash:{}",
            URL_SAFE_NO_PAD.encode(self.cert_sha256)
        )
    }

    /// The fingerprint as Digital Asset Links write it: `AB:CD:...`.
    pub fn fingerprint(&self) -> String {
        let hex: Vec<String> = self
            .cert_sha256
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        hex.join(":")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyPolicy {
    pub rp_id: String,
    pub rp_name: String,
    /// Every origin a response may come from: the web origins, then each Android app's.
    pub origins: Vec<String>,
    pub android_apps: Vec<AndroidApp>,
    pub apple_app_ids: Vec<String>,
}

impl PasskeyPolicy {
    /// `None` when `PASSKEY_RP_ID` is not set (passkeys off); an error naming the setting when
    /// one is malformed.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let set = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(rp_id) = set("PASSKEY_RP_ID") else {
            return Ok(None);
        };
        let rp_id = rp_id.to_ascii_lowercase();
        if !is_domain(&rp_id) {
            return Err(format!("PASSKEY_RP_ID={rp_id:?} must be a domain name"));
        }
        let web = match set("PASSKEY_ORIGINS") {
            Some(list) => list.split(',').map(|o| o.trim().to_owned()).collect(),
            None => vec![format!("https://{rp_id}")],
        };
        for origin in &web {
            web_origin_host(origin)
                .filter(|host| host == &rp_id || host.ends_with(&format!(".{rp_id}")))
                .ok_or_else(|| {
                    format!(
                        "PASSKEY_ORIGINS: {origin:?} must be an https origin on {rp_id} or a \
                         subdomain of it (or http://localhost for development)"
                    )
                })?;
        }
        let android_apps = match set("PASSKEY_ANDROID_APPS") {
            Some(list) => list.split(';').map(android_app).collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let apple_app_ids = match set("PASSKEY_APPLE_APP_IDS") {
            Some(list) => list
                .split(',')
                .map(apple_app_id)
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let mut origins = web;
        origins.extend(android_apps.iter().map(AndroidApp::origin));
        Ok(Some(Self {
            rp_name: set("PASSKEY_RP_NAME").unwrap_or_else(|| rp_id.clone()),
            rp_id,
            origins,
            android_apps,
            apple_app_ids,
        }))
    }

    pub fn origins(&self) -> Vec<&str> {
        self.origins.iter().map(String::as_str).collect()
    }
}

/// Lower-case labels of letters, digits and hyphens, dot-separated: a host name, no port.
fn is_domain(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The host of a web origin as WebAuthn compares it: `https://host[:port]`, or
/// `http://localhost[:port]`; no path, no user, nothing else.
fn web_origin_host(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    let host_ok = match scheme {
        "https" => is_domain(host),
        "http" => host == "localhost",
        _ => false,
    };
    (port_ok && host_ok).then(|| host.to_owned())
}

fn android_app(entry: &str) -> Result<AndroidApp, String> {
    let bad = || {
        format!(
            "PASSKEY_ANDROID_APPS: {entry:?} must be package=AB:CD:... (a package name and the \
             32-byte SHA-256 of its signing certificate)"
        )
    };
    let (package, fingerprint) = entry.trim().split_once('=').ok_or_else(bad)?;
    let package = package.trim();
    let package_ok = package.split('.').count() >= 2
        && package.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    let bytes: Vec<u8> = fingerprint
        .trim()
        .split(':')
        .map(|hex| match hex.len() {
            2 => u8::from_str_radix(hex, 16).map_err(|_| bad()),
            _ => Err(bad()),
        })
        .collect::<Result<_, _>>()?;
    let cert_sha256: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
    if !package_ok {
        return Err(bad());
    }
    Ok(AndroidApp {
        package: package.to_owned(),
        cert_sha256,
    })
}

/// `TEAMID.bundle.id`: a ten-character team id and a bundle id.
fn apple_app_id(entry: &str) -> Result<String, String> {
    let entry = entry.trim();
    let ok = entry.split_once('.').is_some_and(|(team, bundle)| {
        team.len() == 10
            && team
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && !bundle.is_empty()
            && bundle
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    });
    match ok {
        true => Ok(entry.to_owned()),
        false => Err(format!(
            "PASSKEY_APPLE_APP_IDS: {entry:?} must be TEAMID.bundle.id"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(pairs: &[(&str, &str)]) -> Result<Option<PasskeyPolicy>, String> {
        PasskeyPolicy::from_lookup(&|name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    const FINGERPRINT: &str = "FA:C6:17:45:DC:09:03:78:6F:B9:ED:E6:2A:96:2B:39:9F:73:48:F0:BB:6F:89:9B:83:32:66:75:91:03:3B:9C";

    #[test]
    fn passkeys_are_off_until_an_rp_id_is_set_and_its_origin_is_the_default() {
        assert_eq!(policy(&[]), Ok(None));
        assert_eq!(policy(&[("PASSKEY_RP_ID", " ")]), Ok(None));
        let on = policy(&[("PASSKEY_RP_ID", "Example.COM")])
            .unwrap()
            .unwrap();
        assert_eq!(on.rp_id, "example.com");
        assert_eq!(on.rp_name, "example.com");
        assert_eq!(on.origins(), ["https://example.com"]);
    }

    #[test]
    fn origins_are_https_on_the_rp_id_or_localhost_and_apps_add_theirs() {
        let on = policy(&[
            ("PASSKEY_RP_ID", "example.com"),
            ("PASSKEY_RP_NAME", "Example"),
            (
                "PASSKEY_ORIGINS",
                "https://example.com, https://login.example.com:8443",
            ),
            (
                "PASSKEY_ANDROID_APPS",
                &format!("com.example.app={FINGERPRINT}"),
            ),
            ("PASSKEY_APPLE_APP_IDS", "ABCDE12345.com.example.app"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(on.rp_name, "Example");
        assert_eq!(
            on.origins(),
            [
                "https://example.com",
                "https://login.example.com:8443",
                "android:apk-key-hash:-sYXRdwJA3hvue3mKpYrOZ9zSPC7b4mbgzJmdZEDO5w",
            ]
        );
        assert_eq!(on.android_apps[0].fingerprint(), FINGERPRINT);
        assert_eq!(on.apple_app_ids, ["ABCDE12345.com.example.app"]);
        let local = policy(&[
            ("PASSKEY_RP_ID", "localhost"),
            ("PASSKEY_ORIGINS", "http://localhost:8787"),
        ]);
        assert_eq!(local.unwrap().unwrap().origins(), ["http://localhost:8787"]);
    }

    #[test]
    fn a_malformed_passkey_setting_is_refused_by_name() {
        let cases: [&[(&str, &str)]; 9] = [
            &[("PASSKEY_RP_ID", "https://example.com")],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_ORIGINS", "http://example.com"),
            ],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_ORIGINS", "https://evil.com"),
            ],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_ORIGINS", "https://notexample.com"),
            ],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_ORIGINS", "https://example.com/path"),
            ],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_ORIGINS", "https://example.com:99999"),
            ],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_ANDROID_APPS", "com.example=AB:CD"),
            ],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_ANDROID_APPS", "nopackage=AB"),
            ],
            &[
                ("PASSKEY_RP_ID", "example.com"),
                ("PASSKEY_APPLE_APP_IDS", "short.com.app"),
            ],
        ];
        for case in cases {
            let refused = policy(case).unwrap_err();
            let named = case.last().unwrap().0;
            assert!(refused.contains(named), "{case:?}: {refused}");
        }
    }
}
