//! What a voice call says: the code read digit by digit, twice, in the recipient's language,
//! with the voice locale a text-to-speech engine needs for it (Twilio's `<Say language>`).

/// Spoken templates by language: (language, voice locale, template with `{digits}`).
pub const DEFAULT_SPOKEN: &[(&str, &str, &str)] = &[
    (
        "en",
        "en-US",
        "Your code is {digits}. Again, your code is {digits}.",
    ),
    (
        "es",
        "es-ES",
        "Tu código es {digits}. Repito, tu código es {digits}.",
    ),
    (
        "fr",
        "fr-FR",
        "Votre code est {digits}. Je répète, votre code est {digits}.",
    ),
    (
        "de",
        "de-DE",
        "Ihr Code lautet {digits}. Noch einmal, Ihr Code lautet {digits}.",
    ),
    (
        "it",
        "it-IT",
        "Il tuo codice è {digits}. Ripeto, il tuo codice è {digits}.",
    ),
    (
        "pt",
        "pt-BR",
        "Seu código é {digits}. Repetindo, seu código é {digits}.",
    ),
];

/// The words of a code that moves an account to the number called (a number change), worded
/// apart from a login code's as its SMS is.
pub const CHANGE_SPOKEN: &[(&str, &str, &str)] = &[
    (
        "en",
        "en-US",
        "Your code to move your account is {digits}. Again, your code is {digits}.",
    ),
    (
        "es",
        "es-ES",
        "Tu código para mover tu cuenta es {digits}. Repito, tu código es {digits}.",
    ),
    (
        "fr",
        "fr-FR",
        "Votre code pour transférer votre compte est {digits}. Je répète, votre code est {digits}.",
    ),
    (
        "de",
        "de-DE",
        "Ihr Code zum Umzug Ihres Kontos lautet {digits}. Noch einmal, Ihr Code lautet {digits}.",
    ),
    (
        "it",
        "it-IT",
        "Il codice per spostare il tuo account è {digits}. Ripeto, il tuo codice è {digits}.",
    ),
    (
        "pt",
        "pt-BR",
        "Seu código para mover sua conta é {digits}. Repetindo, seu código é {digits}.",
    ),
];

/// The words of the call and their voice locale, in the first of `languages` (most preferred
/// first) with a template; English otherwise. Digits are separated by `, ` so each is read
/// alone ("1, 2, 3", not "one hundred twenty-three"). `changing`: a number change's code.
pub fn spoken(code: &str, languages: &[String], changing: bool) -> (String, &'static str) {
    let table = if changing {
        CHANGE_SPOKEN
    } else {
        DEFAULT_SPOKEN
    };
    let (_, locale, template) = languages
        .iter()
        .find_map(|tag| {
            let tag = tag.to_ascii_lowercase();
            let language = tag.split('-').next().unwrap_or(&tag).to_owned();
            table.iter().find(|(lang, _, _)| *lang == language)
        })
        .unwrap_or(&table[0]);
    let digits = code
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ");
    (template.replace("{digits}", &digits), locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_read_digit_by_digit_twice_in_the_asked_language() {
        let (words, locale) = spoken("4071", &["pt-BR".into(), "en".into()], false);
        assert_eq!(locale, "pt-BR");
        assert_eq!(words.matches("4, 0, 7, 1").count(), 2, "{words}");
        let (words, locale) = spoken("12", &["ja".into()], false);
        assert_eq!(
            (words.as_str(), locale),
            ("Your code is 1, 2. Again, your code is 1, 2.", "en-US")
        );
    }

    #[test]
    fn a_change_code_is_said_otherwise_in_every_language() {
        assert_eq!(CHANGE_SPOKEN.len(), DEFAULT_SPOKEN.len());
        for (lang, _, _) in DEFAULT_SPOKEN {
            let asked = [(*lang).to_owned()];
            let (login, locale) = spoken("12", &asked, false);
            let (change, change_locale) = spoken("12", &asked, true);
            assert_eq!(locale, change_locale, "{lang}");
            assert_ne!(login, change, "{lang}");
            assert_eq!(change.matches("1, 2").count(), 2, "{change}");
        }
    }
}
