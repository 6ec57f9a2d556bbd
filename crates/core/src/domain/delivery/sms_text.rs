//! The SMS that carries a code: a template in the recipient's language, and the lines a phone
//! reads to fill the code in by itself. Each costs money per segment, so the defaults are kept
//! to one (a test checks each against the GSM-7 limit).
//!
//! - The origin-bound line of the WICG SMS one-time-codes format, `@example.com #123456`, last:
//!   Safari (iOS, macOS) and Chrome (Android, WebOTP) offer the code to a page of that origin
//!   only (`SMS_ORIGIN_DOMAIN`).
//! - The Android SMS Retriever app hash (`SMS_ANDROID_APP_HASH`, 11 characters), on its own line
//!   before it: an Android app reads the message without asking for SMS permission.

use std::collections::BTreeMap;

/// The templates this service ships, by language (ISO 639-1). `{code}` and `{minutes}` are
/// filled in. Written with GSM-7 characters only (no `ó`, `í`, `á`, `ç`: each would turn the
/// whole message into UCS-2, 70 characters per segment), so each fits one segment with room for
/// the autofill lines (`tests::every_default_template_fits_one_segment_with_both_autofill_lines`).
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "en",
        "Your code is {code}. It expires in {minutes} minutes.",
    ),
    ("es", "Tu codigo es {code}. Caduca en {minutes} minutos."),
    (
        "fr",
        "Votre code est {code}. Il expire dans {minutes} minutes.",
    ),
    (
        "de",
        "Ihr Code lautet {code}. Er läuft in {minutes} Minuten ab.",
    ),
    ("it", "Il tuo codice è {code}. Scade tra {minutes} minuti."),
    ("pt", "Seu codigo é {code}. Expira em {minutes} minutos."),
];

/// The templates of a code that moves an account to the number it goes to (a number change),
/// by language: worded apart from a login code's, so its user can tell the two apart (a login
/// code sent by someone else must not be mistaken for this, nor the other way round). Held to
/// one segment with the autofill lines by the same test as the login templates.
pub const CHANGE_TEMPLATES: &[(&str, &str)] = &[
    (
        "en",
        "Your code to move your account to this number is {code}. It expires in {minutes} minutes.",
    ),
    (
        "es",
        "Tu codigo para mover tu cuenta a este numero es {code}. Caduca en {minutes} minutos.",
    ),
    (
        "fr",
        "Code pour transférer votre compte sur ce numéro : {code}. Expire dans {minutes} minutes.",
    ),
    (
        "de",
        "Ihr Code zum Umzug Ihres Kontos auf diese Nummer: {code}. Er läuft in {minutes} Minuten ab.",
    ),
    (
        "it",
        "Il codice per spostare il tuo account su questo numero è {code}. Scade tra {minutes} minuti.",
    ),
    (
        "pt",
        "Seu codigo para mover sua conta para este numero é {code}. Expira em {minutes} minutos.",
    ),
];

/// What the number an account left is told (an SMS with no code): the account moved, and what
/// to do if its owner did not move it. One segment each.
pub const MOVED_NOTICES: &[(&str, &str)] = &[
    (
        "en",
        "Your account was moved to another number. If you did not do this, contact the app's support now.",
    ),
    (
        "es",
        "Tu cuenta se ha movido a otro numero. Si no fuiste tu, contacta ya con el soporte de la app.",
    ),
    (
        "fr",
        "Votre compte a été transféré vers un autre numéro. Si ce n'est pas vous, contactez le support de l'app.",
    ),
    (
        "de",
        "Ihr Konto wurde auf eine andere Nummer umgezogen. Falls Sie das nicht waren, kontaktieren Sie sofort den Support.",
    ),
    (
        "it",
        "Il tuo account è stato spostato su un altro numero. Se non sei stato tu, contatta subito il supporto dell'app.",
    ),
    (
        "pt",
        "Sua conta foi movida para outro numero. Se nao foi voce, fale agora com o suporte do app.",
    ),
];

/// How the SMS is written: settings `SMS_TEMPLATE`, `SMS_TEMPLATES`, `SMS_ORIGIN_DOMAIN` and
/// `SMS_ANDROID_APP_HASH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsText {
    /// The template when no language of the request has one.
    fallback: String,
    /// By lower-case language tag (`es`, `pt-br`).
    by_language: BTreeMap<String, String>,
    origin_domain: Option<String>,
    app_hash: Option<String>,
}

impl SmsText {
    /// `fallback` replaces the English default; `templates` (`{"es": "..."}`) adds languages or
    /// replaces defaults. Refuses a template without `{code}`, a domain that is not a plain
    /// host name, and an app hash that is not 11 base64 characters.
    pub fn new(
        fallback: Option<String>,
        templates: Option<&str>,
        origin_domain: Option<String>,
        app_hash: Option<String>,
    ) -> Result<Self, String> {
        let mut by_language: BTreeMap<String, String> = DEFAULT_TEMPLATES
            .iter()
            .map(|(lang, t)| ((*lang).to_owned(), (*t).to_owned()))
            .collect();
        if let Some(raw) = templates.filter(|t| !t.trim().is_empty()) {
            let extra: BTreeMap<String, String> = serde_json::from_str(raw).map_err(|_| {
                "SMS_TEMPLATES must be a JSON object of language to template, e.g. {\"es\": \"Tu codigo es {code}\"}".to_owned()
            })?;
            for (lang, template) in extra {
                let lang = lang.to_ascii_lowercase();
                if !is_language_tag(&lang) {
                    return Err(format!("SMS_TEMPLATES: {lang:?} is not a language tag"));
                }
                by_language.insert(lang, checked("SMS_TEMPLATES", template)?);
            }
        }
        let fallback = match fallback {
            Some(t) => checked("SMS_TEMPLATE", t)?,
            None => DEFAULT_TEMPLATES[0].1.to_owned(),
        };
        let origin_domain = origin_domain.map(|d| d.to_ascii_lowercase());
        if let Some(domain) = &origin_domain {
            if !is_host(domain) {
                return Err(format!(
                    "SMS_ORIGIN_DOMAIN must be a host name such as example.com, not {domain:?}"
                ));
            }
        }
        let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/');
        if let Some(hash) = &app_hash {
            if hash.chars().count() != 11 || !hash.chars().all(base64) {
                return Err("SMS_ANDROID_APP_HASH must be the 11-character app hash".into());
            }
        }
        Ok(Self {
            fallback,
            by_language,
            origin_domain,
            app_hash,
        })
    }

    /// The message for `code`, valid for `minutes`, in the first of `languages` (most preferred
    /// first: a tag such as `pt-BR`, or its language `pt`) that has a template.
    pub fn render(&self, code: &str, minutes: u32, languages: &[String]) -> String {
        let template = languages
            .iter()
            .find_map(|tag| self.template_for(tag))
            .unwrap_or(&self.fallback);
        self.filled(template, code, minutes)
    }

    /// The message of a code that moves an account to the number it goes to (built-in
    /// templates, [`CHANGE_TEMPLATES`]), with the same autofill lines.
    pub fn render_change(&self, code: &str, minutes: u32, languages: &[String]) -> String {
        self.filled(built_in(CHANGE_TEMPLATES, languages), code, minutes)
    }

    /// What the number an account left is told, in the first of `languages` with a notice.
    pub fn moved_notice(&self, languages: &[String]) -> String {
        built_in(MOVED_NOTICES, languages).to_owned()
    }

    /// `template` with the code and the minutes filled in, and the autofill lines after it.
    fn filled(&self, template: &str, code: &str, minutes: u32) -> String {
        let mut text = template
            .replace("{code}", code)
            .replace("{minutes}", &minutes.to_string());
        if let Some(hash) = &self.app_hash {
            text.push_str("\n\n");
            text.push_str(hash);
        }
        if let Some(domain) = &self.origin_domain {
            // The WICG format: the last line, `@domain #code`.
            text.push_str(if self.app_hash.is_some() {
                "\n"
            } else {
                "\n\n"
            });
            text.push_str(&format!("@{domain} #{code}"));
        }
        text
    }

    fn template_for(&self, tag: &str) -> Option<&String> {
        let tag = tag.to_ascii_lowercase();
        let language = tag.split('-').next().unwrap_or(&tag);
        self.by_language
            .get(&tag)
            .or_else(|| self.by_language.get(language))
    }
}

/// The first of `languages` (or its language) that `table` has; English otherwise.
fn built_in<'t>(table: &'t [(&str, &'t str)], languages: &[String]) -> &'t str {
    languages
        .iter()
        .find_map(|tag| {
            let tag = tag.to_ascii_lowercase();
            let language = tag.split('-').next().unwrap_or(&tag).to_owned();
            table.iter().find(|(lang, _)| *lang == language)
        })
        .unwrap_or(&table[0])
        .1
}

fn checked(setting: &str, template: String) -> Result<String, String> {
    match template.contains("{code}") {
        true => Ok(template),
        false => Err(format!("{setting}: a template must contain {{code}}")),
    }
}

/// `es`, `pt-br`, `zh-hant-tw`: letters, digits and dashes, 2 to 35 characters.
pub fn is_language_tag(tag: &str) -> bool {
    (2..=35).contains(&tag.len())
        && tag.split('-').all(|part| {
            (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        && tag.as_bytes()[0].is_ascii_alphabetic()
}

fn is_host(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The languages of an `Accept-Language` header, most preferred first (`q=0` ones dropped).
pub fn accepted_languages(header: &str) -> Vec<String> {
    accept_language::parse(header)
        .into_iter()
        .filter(|tag| is_language_tag(&tag.to_ascii_lowercase()))
        .collect()
}

/// How many SMS segments `text` costs: GSM-7 (160 characters alone, 153 per part of a longer
/// message; `^{}\[~]|€` take two) when every character is in the GSM-7 alphabet, otherwise UCS-2
/// (70 UTF-16 units alone, 67 per part).
pub fn segments(text: &str) -> u32 {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                         ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENDED: &str = "^{}\\[~]|€\u{c}";
    let mut septets = 0u32;
    for c in text.chars() {
        if BASIC.contains(c) {
            septets += 1;
        } else if EXTENDED.contains(c) {
            septets += 2;
        } else {
            let units = text.encode_utf16().count() as u32;
            return if units <= 70 { 1 } else { units.div_ceil(67) };
        }
    }
    if septets <= 160 {
        1
    } else {
        septets.div_ceil(153)
    }
}

#[cfg(test)]
mod tests;
