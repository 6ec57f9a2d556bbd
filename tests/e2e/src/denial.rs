//! An attack on the SMS pumping defence itself: the attacker's goal is not to be paid for SMS
//! but to make the breakers lock real users out. It sends codes to unconverted numbers of one
//! calling code (+1 646), each from an address of its own, all in one network (ASN), and never
//! types a code in. Then real users ask for codes:
//! - returning users (numbers that logged in before the attack), from the attacker's network
//!   and from others;
//! - new users of other networks, with no bot check token;
//! - new users of the attacker's own network, who pass the bot check when asked.
//!
//! The e2e test (`sms_pumping::the_attackers_network_is_challenged_and_no_real_user_is_refused`)
//! runs it small, `cargo xtask bench-pumping` at the scale (1,000 attack sends). A real
//! user is refused when their send ends in anything but a sent code (a bot check they pass
//! included), which must never happen.

use crate::api::{Client, Reply};
use crate::turnstile::PASSED;
use crate::webhook::receiver;
use serde_json::json;
use std::time::{Duration, Instant};

/// How much traffic.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub attack_sends: usize,
    /// Of each kind of real user.
    pub real_users: usize,
    /// The attacker's network; each run picks its own.
    pub network: u32,
}

/// What became of the traffic.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub attack_sent: usize,
    /// Attack sends answered with a bot check (the network's breaker) or a refusal.
    pub attack_stopped: usize,
    /// Per kind of real user: how many asked, were challenged (and passed), were refused.
    pub kinds: Vec<Kind>,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct Kind {
    pub name: &'static str,
    pub asked: usize,
    pub challenged: usize,
    pub refused: usize,
}

impl Report {
    pub fn refused(&self) -> usize {
        self.kinds.iter().map(|k| k.refused).sum()
    }
}

/// Home networks of real users (not the attacker's).
const HOME_NETWORKS: [u32; 4] = [7922, 7018, 3320, 1221];

fn address(n: usize, block: usize) -> String {
    format!("100.{}.{}.{}", 64 + block, (n / 250) % 250, n % 250 + 1)
}

/// Runs the scenario against the worker at `base`; `run` keeps numbers apart between runs.
pub async fn run(base: &str, s: &Scenario, run: u32) -> Report {
    let started = Instant::now();
    let client = Client::new(base);
    let number = |kind: u32, n: usize| format!("+1646{}{:02}{:04}", 2 + kind, run % 100, n);
    let network = s.network.to_string();
    let mut report = Report::default();

    // Returning users log in once before the attack.
    let returning: Vec<String> = (0..s.real_users).map(|n| number(0, n)).collect();
    for (n, phone) in returning.iter().enumerate() {
        let home = HOME_NETWORKS[n % HOME_NETWORKS.len()].to_string();
        let from = client.clone().with_ip(&address(n, 1));
        assert_eq!(
            log_in(&from, phone, &home, None).await,
            Outcome::Sent,
            "a returning user's first login, before the attack"
        );
    }

    for n in 0..s.attack_sends {
        let from = client.clone().with_ip(&address(n, 0));
        let reply = send(&from, &number(1, n), &network, None).await;
        match reply.status {
            200 => report.attack_sent += 1,
            _ if stopped(&reply) => report.attack_stopped += 1,
            other => panic!("an attack send answered {other}: {:?}", reply.body),
        }
    }

    let mut kinds = [
        Kind {
            name: "returning, from the attacker's network",
            ..Kind::default()
        },
        Kind {
            name: "returning, from another network",
            ..Kind::default()
        },
        Kind {
            name: "new, from another network",
            ..Kind::default()
        },
        Kind {
            name: "new, from the attacker's network (passes the check)",
            ..Kind::default()
        },
    ];
    for n in 0..s.real_users {
        let home = HOME_NETWORKS[n % HOME_NETWORKS.len()].to_string();
        let cases: [(&str, &str, Option<&str>); 4] = [
            (&returning[n], &network, None),
            (&returning[n], &home, None),
            (&number(2, n), &home, None),
            (&number(3, n), &network, Some(PASSED)),
        ];
        for (k, (kind, (phone, from_network, token))) in kinds.iter_mut().zip(cases).enumerate() {
            let from = client.clone().with_ip(&address(4 * n + k, 2));
            let outcome = log_in(&from, phone, from_network, token).await;
            kind.asked += 1;
            match outcome {
                Outcome::Sent => {}
                Outcome::Challenged => kind.challenged += 1,
                Outcome::Refused => kind.refused += 1,
            }
        }
    }
    report.kinds = kinds.to_vec();
    report.elapsed = started.elapsed();
    report
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Sent,
    /// Asked for the bot check, passed it, and was sent the code.
    Challenged,
    Refused,
}

/// A real user's send and login; with `token` they answer the bot check when asked.
async fn log_in(client: &Client, phone: &str, network: &str, token: Option<&str>) -> Outcome {
    let mut outcome = Outcome::Sent;
    let mut sent = send(client, phone, network, None).await;
    if sent.code() == "CAPTCHA_REQUIRED" {
        let Some(token) = token else {
            return Outcome::Refused;
        };
        outcome = Outcome::Challenged;
        sent = send(client, phone, network, Some(token)).await;
    }
    if sent.status != 200 {
        return Outcome::Refused;
    }
    let session = sent.body["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let code = receiver().latest(phone);
    let login = client
        .post_with_headers(
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": code, "session_id": session}),
            &[("x-edge-country", "US"), ("x-edge-asn", network)],
        )
        .await;
    match login.status {
        200 => outcome,
        _ => Outcome::Refused,
    }
}

fn stopped(reply: &Reply) -> bool {
    matches!(
        reply.code(),
        "CAPTCHA_REQUIRED" | "CAPTCHA_FAILED" | "SEND_REFUSED"
    )
}

async fn send(client: &Client, phone: &str, network: &str, token: Option<&str>) -> Reply {
    let mut body = json!({"phone_number": phone});
    if let Some(token) = token {
        body["captcha_token"] = json!(token);
    }
    let headers = [
        ("x-edge-country", "US"),
        ("x-edge-asn", network),
        ("x-edge-bot-score", "80"),
    ];
    client
        .post_with_headers("/api/v1/auth/send-otp", body, &headers)
        .await
}

/// The runs side by side, as the Markdown RELIABILITY.md quotes.
pub fn markdown(s: &Scenario, runs: &[(&str, &Report)]) -> String {
    let mut out = format!(
        "Scenario: {} attack sends to unconverted +1 646 numbers, each from its own address, \
         all from one network; then {} real users of each kind.\n\n| |",
        s.attack_sends, s.real_users
    );
    for (name, _) in runs {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(runs.len()));
    let row = |label: &str, cell: &dyn Fn(&Report) -> String| {
        let cells: Vec<String> = runs.iter().map(|(_, r)| cell(r)).collect();
        format!("\n| {label} | {} |", cells.join(" | "))
    };
    out.push_str(&row("attack sends sent", &|r| r.attack_sent.to_string()));
    out.push_str(&row("attack sends challenged or refused", &|r| {
        r.attack_stopped.to_string()
    }));
    for (i, kind) in runs[0].1.kinds.iter().enumerate() {
        out.push_str(&row(kind.name, &|r| {
            let k = &r.kinds[i];
            format!(
                "{} asked, {} challenged, **{} refused**",
                k.asked, k.challenged, k.refused
            )
        }));
    }
    out.push_str(&row("run time", &|r| {
        format!("{:.1} s", r.elapsed.as_secs_f64())
    }));
    out.push('\n');
    out
}
