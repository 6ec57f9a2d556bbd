use super::*;

const WINDOW: u32 = 600;

fn policy() -> CounterPolicy {
    CounterPolicy::default()
}

fn at(bucket: i64, sends: i64, logins: i64) -> ScopeCounts {
    ScopeCounts {
        bucket,
        sends,
        logins,
        ..ScopeCounts::default()
    }
}

#[test]
fn the_record_rolls_into_the_next_bucket_and_forgets_older_ones() {
    let record = at(10, 7, 3);
    assert_eq!(record.rolled(10 * 600 + 599, WINDOW), record);
    let next = record.rolled(11 * 600, WINDOW);
    assert_eq!(
        (next.bucket, next.sends, next.prev_sends, next.prev_logins),
        (11, 0, 7, 3)
    );
    let later = record.rolled(12 * 600, WINDOW);
    assert_eq!((later.prev_sends, later.prev_logins), (0, 0));
}

#[test]
fn the_estimate_weighs_the_previous_bucket_by_what_is_left_of_it_in_the_window() {
    let record = at(10, 0, 0).rolled(11 * 600, WINDOW);
    let record = ScopeCounts {
        sends: 4,
        ..ScopeCounts {
            prev_sends: 10,
            ..record
        }
    };
    // A quarter into bucket 11: three quarters of bucket 10 still count.
    assert_eq!(
        record.estimate_scaled(11 * 600 + 150, WINDOW).0,
        10 * 450 + 4 * 600
    );
    assert_eq!(
        record.estimate_scaled(11 * 600 + 599, WINDOW).0,
        10 + 4 * 600
    );
}

#[test]
fn the_breaker_trips_on_enough_sends_that_do_not_convert_and_closes_after_the_cool_off() {
    let now = 10 * 600 + 300;
    let mut converting = at(10, 40, 30);
    assert_eq!(converting.breaker(now, &policy()), Verdict::Pass);
    let mut few = at(10, 19, 0);
    assert_eq!(
        few.breaker(now, &policy()),
        Verdict::Pass,
        "below the minimum"
    );

    let mut pumped = at(10, 40, 7);
    assert_eq!(
        pumped.breaker(now, &policy()),
        Verdict::Breaker {
            retry_after_secs: 900,
            tripped: true
        }
    );
    assert_eq!((pumped.sends, pumped.open_until), (0, now + 900));
    assert_eq!(
        pumped.breaker(now + 899, &policy()),
        Verdict::Breaker {
            retry_after_secs: 1,
            tripped: false
        }
    );
    // Closed again with empty counts: only new evidence trips it.
    assert_eq!(pumped.breaker(now + 900, &policy()), Verdict::Pass);
}

#[test]
fn exactly_the_minimum_conversion_keeps_the_breaker_closed() {
    let mut at_line = at(10, 50, 10);
    assert_eq!(at_line.breaker(10 * 600, &policy()), Verdict::Pass);
    let mut below = at(10, 50, 9);
    assert!(matches!(
        below.breaker(10 * 600, &policy()),
        Verdict::Breaker { tripped: true, .. }
    ));
}

#[test]
fn a_volume_budget_refuses_from_its_count_on_and_zero_means_none() {
    let record = at(10, 5, 0);
    assert_eq!(record.volume(10 * 600 + 100, WINDOW, 6), Verdict::Pass);
    assert_eq!(
        record.volume(10 * 600 + 100, WINDOW, 5),
        Verdict::Volume {
            retry_after_secs: 500
        }
    );
    assert_eq!(at(10, 1_000, 0).volume(10 * 600, WINDOW, 0), Verdict::Pass);
}

#[test]
fn the_settings_parse_with_bounds_and_defaults() {
    let get = |name: &str| match name {
        "RISK_BREAKER" => Some("refuse".to_owned()),
        "RISK_ASN_SENDS_PER_WINDOW" => Some("300".to_owned()),
        _ => None,
    };
    let parsed = CounterPolicy::from_lookup(&get).unwrap();
    assert_eq!(parsed.breaker, Action::Refuse);
    assert_eq!(parsed.asn_sends_per_window, 300);
    assert_eq!(parsed.window_secs, 600);
    let bad = |name: &'static str, value: &'static str| {
        move |n: &str| (n == name).then(|| value.to_owned())
    };
    for (name, value) in [
        ("RISK_BREAKER_MIN_CONVERSION_PERCENT", "0"),
        ("RISK_BREAKER_MIN_CONVERSION_PERCENT", "101"),
        ("RISK_WINDOW_SECONDS", "0"),
        ("RISK_BREAKER", "maybe"),
    ] {
        let err = CounterPolicy::from_lookup(&bad(name, value)).unwrap_err();
        assert!(err.contains(name), "{err}");
    }
}
