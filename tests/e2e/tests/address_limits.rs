//! Limits an attacker spread over addresses and numbers cannot step around (hardening, point 3):
//! an IPv6 client is one bucket per /64, and sends to one country stop at its budget.

use e2e::api::{random_ip, random_phone, random_u32, Client};
use e2e::variants;

/// A random /64 in the documentation range, as its first four groups.
fn random_prefix() -> String {
    let group = || random_u32() % 0xffff;
    format!("2001:db8:{:x}:{:x}", group(), group())
}

#[tokio::test]
async fn two_hundred_addresses_inside_one_ipv6_64_share_one_bucket() {
    let worker = variants::start("ipv6", &[("IP_SENDS_PER_WINDOW", "5")]);
    let url = worker.instance.url();
    let prefix = random_prefix();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..200 {
        let group = || random_u32() % 0xffff;
        let ip = format!(
            "{prefix}:{:x}:{:x}:{:x}:{:x}",
            group(),
            group(),
            group(),
            group()
        );
        let r = Client::new(&url)
            .with_ip(&ip)
            .send_otp(&random_phone(), None)
            .await;
        match (r.status, r.code()) {
            (200, _) => accepted += 1,
            (429, "RATE_LIMITED") => {
                assert!(r.body["details"].as_str().unwrap().contains("address"));
                assert!(r.retry_after.is_some_and(|s| s >= 1));
                refused += 1;
            }
            other => panic!("{ip}: unexpected {other:?} {:?}", r.body),
        }
    }
    assert_eq!((accepted, refused), (5, 195), "one /64 is one client");
    let next = Client::new(&url).with_ip(&format!("{}::1", random_prefix()));
    let r = next.send_otp(&random_phone(), None).await;
    assert_eq!(
        r.status, 200,
        "another /64 has its own bucket: {:?}",
        r.body
    );
}

#[tokio::test]
async fn sends_spread_over_one_countrys_numbers_stop_at_its_budget() {
    let worker = variants::start("country", &[("COUNTRY_SEND_BUDGETS", "98=4")]);
    let url = worker.instance.url();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..10 {
        // A new Iranian mobile number from a new address every time.
        let phone = format!("+98912{:07}", random_u32() % 10_000_000);
        let r = Client::new(&url)
            .with_ip(&random_ip())
            .send_otp(&phone, None)
            .await;
        match (r.status, r.code()) {
            (200, _) => accepted += 1,
            (429, "RATE_LIMITED") => {
                assert!(r.body["details"].as_str().unwrap().contains("country"));
                assert!(
                    r.retry_after.is_some_and(|s| (1..=3600).contains(&s)),
                    "Retry-After is the country window's rest: {:?}",
                    r.retry_after
                );
                refused += 1;
            }
            other => panic!("{phone}: unexpected {other:?} {:?}", r.body),
        }
    }
    assert_eq!((accepted, refused), (4, 6), "the country's budget");
    let elsewhere = Client::new(&url).with_ip(&random_ip());
    let r = elsewhere.send_otp(&random_phone(), None).await;
    assert_eq!(
        r.status, 200,
        "other countries still get codes: {:?}",
        r.body
    );
}
