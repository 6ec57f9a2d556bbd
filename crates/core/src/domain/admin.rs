//! The admin user listing's query: pagination and filters, validated once at the edge.

/// `GET /api/v1/users?page=&limit=&search_phone=&date_from=&date_to=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    pub page: u32,
    pub limit: u32,
    /// The phone filter as a LIKE pattern: `+9891%` (a prefix, natively) or `%9891%` (anywhere,
    /// as the Go service matched). Built from `+` and digits only, so nothing in it is a LIKE
    /// metacharacter but the `%` added here.
    pub phone_like: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub date_from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub date_to: Option<String>,
}

pub const MAX_LIMIT: u32 = 100;
const MAX_PAGE: u32 = 1_000_000;

impl UserQuery {
    /// Parses decoded query pairs. Unknown parameters are ignored, as unknown JSON fields are.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        Self::parse_with(pairs, Rules::NATIVE)
    }

    /// As [`UserQuery::parse`], under a profile's rules.
    pub fn parse_with<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        rules: Rules,
    ) -> Result<Self, String> {
        let paging = rules.paging;
        let mut query = Self {
            page: 1,
            limit: 10,
            phone_like: None,
            date_from: None,
            date_to: None,
        };
        for (name, value) in pairs {
            match name {
                "page" if paging == Paging::Clamped => query.page = clamped(value, 1, MAX_PAGE),
                "limit" if paging == Paging::Clamped => query.limit = clamped(value, 10, MAX_LIMIT),
                "page" => query.page = bounded(name, value, 1, MAX_PAGE)?,
                "limit" => query.limit = bounded(name, value, 1, MAX_LIMIT)?,
                "search_phone" if !value.is_empty() => {
                    let ok = value.len() <= 16
                        && value
                            .char_indices()
                            .all(|(i, c)| c.is_ascii_digit() || (c == '+' && i == 0));
                    if !ok {
                        return Err("search_phone must be a phone prefix such as +9891".into());
                    }
                    query.phone_like = Some(match rules.phone {
                        PhoneMatch::Prefix if value.starts_with('+') => format!("{value}%"),
                        PhoneMatch::Prefix => format!("+{value}%"),
                        PhoneMatch::Anywhere => format!("%{value}%"),
                    });
                }
                "date_from" if !value.is_empty() => query.date_from = Some(date(name, value)?),
                "date_to" if !value.is_empty() => query.date_to = Some(date(name, value)?),
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (&query.date_from, &query.date_to) {
            if from > to {
                return Err("date_from must not be after date_to".into());
            }
        }
        Ok(query)
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.limit)
    }

    pub fn total_pages(&self, total: u64) -> u64 {
        total.div_ceil(u64::from(self.limit))
    }
}

/// Digits only: Rust's integer parsing takes a leading `+`, which no value here may carry.
fn digits(value: &str) -> Option<u32> {
    let all_digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| value.parse().ok()).flatten()
}

/// How a profile reads the listing's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub paging: Paging,
    pub phone: PhoneMatch,
}

impl Rules {
    /// This service's contract: strict paging, `search_phone` a prefix.
    pub const NATIVE: Rules = Rules {
        paging: Paging::Strict,
        phone: PhoneMatch::Prefix,
    };
    /// The Go service's (otp-auth-v1): mended paging, `search_phone` anywhere in the number.
    pub const GO_SERVICE: Rules = Rules {
        paging: Paging::Clamped,
        phone: PhoneMatch::Anywhere,
    };
}

/// Where `search_phone` must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneMatch {
    /// At the start of the number (`9891` and `+9891` both mean `+9891…`).
    Prefix,
    /// Anywhere in it (a trigram index keeps this fast: migration 0005).
    Anywhere,
}

/// How `page` and `limit` outside their range are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Refused with 400 (this service's contract).
    Strict,
    /// Mended silently, as the Go service did (otp-auth-v1): anything that is not a number
    /// from 1 up takes the default (page 1, limit 10), and a number over the cap takes the cap.
    Clamped,
}

fn clamped(value: &str, default: u32, max: u32) -> u32 {
    match value.trim().parse::<i64>() {
        Ok(v) if v >= 1 => u32::try_from(v.min(i64::from(max))).unwrap_or(max),
        _ => default,
    }
}

fn bounded(name: &str, value: &str, min: u32, max: u32) -> Result<u32, String> {
    match digits(value) {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!("{name} must be a whole number from {min} to {max}")),
    }
}

/// A calendar date `YYYY-MM-DD` with a real month and day (February 30 is refused).
fn date(name: &str, value: &str) -> Result<String, String> {
    let bad = || format!("{name} must be a date like 2024-12-31");
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |s: &str| digits(s).ok_or_else(bad);
    let (y, m, d) = (num(&value[0..4])?, num(&value[5..7])?, num(&value[8..10])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days[(m - 1) as usize] {
        return Err(bad());
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamped_paging_mends_what_strict_paging_refuses() {
        let clamped = |page: &str, limit: &str| {
            let q = UserQuery::parse_with([("page", page), ("limit", limit)], Rules::GO_SERVICE)
                .unwrap();
            (q.page, q.limit)
        };
        assert_eq!(clamped("0", "0"), (1, 10));
        assert_eq!(clamped("-3", "500"), (1, 100));
        assert_eq!(clamped("abc", ""), (1, 10));
        assert_eq!(clamped("7", "25"), (7, 25));
        assert_eq!(clamped("99999999999", "100"), (MAX_PAGE, 100));
        assert!(UserQuery::parse([("limit", "500")]).is_err());
        // Dates stay validated: the Go service refused a malformed one too.
        assert!(UserQuery::parse_with([("date_from", "2024-13-01")], Rules::GO_SERVICE).is_err());
    }

    #[test]
    fn defaults_and_valid_values_parse() {
        let q = UserQuery::parse([]).unwrap();
        assert_eq!((q.page, q.limit, q.offset()), (1, 10, 0));
        let q = UserQuery::parse([
            ("page", "3"),
            ("limit", "100"),
            ("search_phone", "9891"),
            ("date_from", "2024-01-01"),
            ("date_to", "2024-02-29"),
            ("unknown", "x"),
        ])
        .unwrap();
        assert_eq!((q.page, q.limit, q.offset()), (3, 100, 200));
        assert_eq!(q.phone_like.as_deref(), Some("+9891%"));
        let go = UserQuery::parse_with([("search_phone", "4567")], Rules::GO_SERVICE).unwrap();
        assert_eq!(go.phone_like.as_deref(), Some("%4567%"));
        assert_eq!(q.total_pages(201), 3);
    }

    #[test]
    fn hostile_values_are_refused_with_the_parameter_named() {
        for (name, value) in [
            ("page", "0"),
            ("page", "-1"),
            ("page", "99999999999"),
            ("page", "two"),
            ("limit", "101"),
            ("limit", "0"),
            ("search_phone", "98%"),
            ("search_phone", "+98_1"),
            ("search_phone", "12345678901234567"),
            ("date_from", "2024-02-30"),
            ("date_to", "2024-13-01"),
            ("date_to", "yesterday"),
            ("date_from", "2024-+1-01"),
            ("date_from", "+024-01-01"),
            ("date_to", "2024-01-+1"),
            ("page", "+2"),
            ("limit", "+10"),
        ] {
            let err = UserQuery::parse([(name, value)]).unwrap_err();
            assert!(err.contains(name), "{name}={value}: {err}");
        }
        assert!(
            UserQuery::parse([("date_from", "2024-05-01"), ("date_to", "2024-04-01")]).is_err()
        );
    }
}
