use super::*;

fn text(origin: Option<&str>, hash: Option<&str>) -> SmsText {
    SmsText::new(
        None,
        None,
        origin.map(str::to_owned),
        hash.map(str::to_owned),
    )
    .unwrap()
}

fn langs(tags: &[&str]) -> Vec<String> {
    tags.iter().map(|t| (*t).to_owned()).collect()
}

/// The longest code and lifetime the settings allow: 10 digits, 10 minutes.
const CODE: &str = "0123456789";

#[test]
fn every_default_template_fits_one_segment_with_both_autofill_lines() {
    // A 40-character domain and an app hash, on the longest code: still one GSM-7 segment.
    let domain = format!("{}.example.com", "a".repeat(28));
    assert_eq!(domain.len(), 40);
    let sms = text(Some(&domain), Some("FA+9qCX9VSu"));
    for (lang, _) in DEFAULT_TEMPLATES {
        let message = sms.render(CODE, 10, &langs(&[lang]));
        assert_eq!(segments(&message), 1, "{lang}: {message:?}");
    }
    for (lang, _) in CHANGE_TEMPLATES {
        let message = sms.render_change(CODE, 10, &langs(&[lang]));
        assert_eq!(segments(&message), 1, "change, {lang}: {message:?}");
    }
    for (lang, _) in MOVED_NOTICES {
        let notice = sms.moved_notice(&langs(&[lang]));
        assert_eq!(segments(&notice), 1, "notice, {lang}: {notice:?}");
    }
}

#[test]
fn a_change_code_reads_unlike_a_login_code_in_every_language() {
    let sms = text(None, None);
    for (lang, _) in CHANGE_TEMPLATES {
        let login = sms.render(CODE, 10, &langs(&[lang]));
        let change = sms.render_change(CODE, 10, &langs(&[lang]));
        assert!(change.contains(CODE), "{change}");
        let without = |m: &str| m.replace(CODE, "");
        assert_ne!(without(&login), without(&change), "{lang}");
        assert!(
            !change.starts_with(login.split(CODE).next().unwrap()),
            "{lang}: the change code's words begin otherwise: {change:?}"
        );
    }
    assert_eq!(
        DEFAULT_TEMPLATES.len(),
        CHANGE_TEMPLATES.len(),
        "every built-in language has a change template"
    );
    let notice = sms.moved_notice(&langs(&["de-AT", "en"]));
    assert!(notice.starts_with("Ihr Konto"), "{notice}");
    assert!(
        !notice.chars().any(|c| c.is_ascii_digit()),
        "a notice carries no code"
    );
}

#[test]
fn one_letter_outside_gsm7_would_cost_a_second_segment() {
    // Why the defaults are written without ó: the same Spanish text with it is UCS-2, and no
    // longer fits one segment once the autofill lines are added.
    let accented = SmsText::new(
        None,
        Some(r#"{"es": "Tu código es {code}. Caduca en {minutes} minutos."}"#),
        Some(format!("{}.example.com", "a".repeat(28))),
        Some("FA+9qCX9VSu".into()),
    )
    .unwrap();
    let message = accented.render(CODE, 10, &langs(&["es"]));
    assert_eq!(segments(&message), 2, "{message:?}");
}

#[test]
fn segments_follow_gsm7_and_ucs2_limits() {
    assert_eq!(segments(&"a".repeat(160)), 1);
    assert_eq!(segments(&"a".repeat(161)), 2);
    assert_eq!(segments(&"a".repeat(306)), 2);
    assert_eq!(segments(&"a".repeat(307)), 3);
    assert_eq!(
        segments(&"{".repeat(80)),
        1,
        "an extension character takes two"
    );
    assert_eq!(segments(&"{".repeat(81)), 2);
    assert_eq!(segments(&"ó".repeat(70)), 1);
    assert_eq!(segments(&"ó".repeat(71)), 2);
    assert_eq!(segments(&"é".repeat(160)), 1, "é is in the GSM-7 alphabet");
}

#[test]
fn the_origin_bound_line_comes_last_and_names_the_code() {
    let message = text(Some("Example.com"), None).render("123456", 2, &[]);
    assert_eq!(
        message,
        "Your code is 123456. It expires in 2 minutes.\n\n@example.com #123456"
    );
    let both = text(Some("example.com"), Some("FA+9qCX9VSu")).render("123456", 2, &[]);
    assert!(
        both.ends_with("\n\nFA+9qCX9VSu\n@example.com #123456"),
        "{both:?}"
    );
    let plain = text(None, None).render("123456", 2, &[]);
    assert_eq!(plain, "Your code is 123456. It expires in 2 minutes.");
}

#[test]
fn the_first_language_with_a_template_wins_region_by_region_then_by_language() {
    let sms = SmsText::new(
        Some("Code: {code}".into()),
        Some(r#"{"pt-BR": "Seu codigo: {code}", "fa": "کد شما {code}"}"#),
        None,
        None,
    )
    .unwrap();
    let render = |tags: &[&str]| sms.render("42", 1, &langs(tags));
    assert_eq!(render(&["pt-BR"]), "Seu codigo: 42");
    assert_eq!(render(&["pt-PT"]), "Seu codigo é 42. Expira em 1 minutos.");
    assert_eq!(render(&["xx", "fa-IR", "en"]), "کد شما 42");
    assert_eq!(render(&["xx"]), "Code: 42", "SMS_TEMPLATE is the fallback");
    assert_eq!(render(&[]), "Code: 42");
    assert_eq!(
        render(&["DE"]),
        "Ihr Code lautet 42. Er läuft in 1 Minuten ab."
    );
}

#[test]
fn bad_settings_are_refused_with_the_setting_named() {
    let refused = |fallback: Option<&str>,
                   templates: Option<&str>,
                   domain: Option<&str>,
                   hash: Option<&str>| {
        SmsText::new(
            fallback.map(str::to_owned),
            templates,
            domain.map(str::to_owned),
            hash.map(str::to_owned),
        )
        .unwrap_err()
    };
    assert!(refused(Some("no code here"), None, None, None).contains("SMS_TEMPLATE"));
    assert!(refused(None, Some("[1]"), None, None).contains("SMS_TEMPLATES"));
    assert!(refused(None, Some(r#"{"es": "sin codigo"}"#), None, None).contains("{code}"));
    assert!(refused(None, Some(r#"{"e s": "{code}"}"#), None, None).contains("language tag"));
    for domain in [
        "https://example.com",
        "localhost",
        "exa mple.com",
        "-a.example.com",
    ] {
        assert!(
            refused(None, None, Some(domain), None).contains("SMS_ORIGIN_DOMAIN"),
            "{domain}"
        );
    }
    for hash in ["short", "FA+9qCX9VSu1", "FA+9qCX9VS-"] {
        assert!(
            refused(None, None, None, Some(hash)).contains("SMS_ANDROID_APP_HASH"),
            "{hash}"
        );
    }
}

#[test]
fn accept_language_is_read_most_preferred_first() {
    assert_eq!(
        accepted_languages("fr;q=0.4, es-MX, en;q=0.8, *;q=0.1"),
        ["es-MX", "en", "fr"]
    );
    assert!(accepted_languages("").is_empty());
}
