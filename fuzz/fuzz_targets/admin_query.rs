//! The admin listing's query string as a client sends it (`&`-separated `name=value` pairs,
//! decoded): never a panic, and whatever is accepted is exactly what may reach SQL: dates of
//! the form YYYY-MM-DD, a phone prefix of `+` and digits, page and limit within their bounds.
#![no_main]

use auth_core::domain::admin::{UserQuery, MAX_LIMIT};
use libfuzzer_sys::fuzz_target;

fn is_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fuzz_target!(|input: &str| {
    let pairs = input.split('&').filter_map(|pair| pair.split_once('='));
    if let Ok(query) = UserQuery::parse(pairs) {
        assert!(query.page >= 1);
        assert!((1..=MAX_LIMIT).contains(&query.limit));
        for date in [&query.date_from, &query.date_to].into_iter().flatten() {
            assert!(is_date(date), "{date:?}");
        }
        // Nothing in the pattern is a LIKE metacharacter but the `%` the parser adds.
        if let Some(like) = &query.phone_like {
            assert!(like.bytes().all(|b| b == b'+' || b == b'%' || b.is_ascii_digit()));

        }
    }
});
