//! How a setting's text becomes a value: a bounded whole number, and the two list settings
//! (`COUNTRY_SEND_BUDGETS`, `OTP_TEST_NUMBERS`). Each error names the variable and the form it
//! wants, so a bad deployment fails on its first request with a message an operator can act on.

use crate::domain::phone::PhoneNumber;

/// A whole-number setting within `range`, `default` when unset or empty; an error naming the
/// variable and the bounds otherwise. Every numeric setting is read this way.
pub(crate) fn whole_number(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, String> {
    let Some(raw) = get(name).filter(|v| !v.trim().is_empty()) else {
        return Ok(default);
    };
    match raw.trim().parse::<u32>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(format!(
            "{name}={raw:?} must be a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// `98=500,1=20000`: calling code = codes per country window.
pub(super) fn parse_budgets(raw: Option<String>) -> Result<Vec<(u16, u32)>, String> {
    let Some(raw) = raw.filter(|v| !v.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|pair| {
            let parsed = pair.split_once('=').and_then(|(code, budget)| {
                let code = code.trim().trim_start_matches('+').parse::<u16>().ok()?;
                let budget = budget.trim().parse::<u32>().ok().filter(|b| *b >= 1)?;
                Some((code, budget))
            });
            parsed.ok_or_else(|| {
                format!("COUNTRY_SEND_BUDGETS entry {pair:?} must look like 98=500 (at least 1)")
            })
        })
        .collect()
}

/// `+15005550006=123456,+15005550007=654321`.
pub(super) fn parse_test_numbers(
    raw: &str,
    code_length: u8,
) -> Result<Vec<(PhoneNumber, String)>, String> {
    raw.split(',')
        .map(|pair| {
            let bad =
                || format!("OTP_TEST_NUMBERS entry {pair:?} must look like +15005550006=123456");
            let (phone, code) = pair.trim().split_once('=').ok_or_else(bad)?;
            let phone = PhoneNumber::parse(phone, None).map_err(|_| bad())?;
            let code = code.trim();
            if code.len() != code_length as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "OTP_TEST_NUMBERS code for {phone} must be {code_length} digits"
                ));
            }
            Ok((phone, code.to_owned()))
        })
        .collect()
}
