//! An SMS pumping attack against a running worker, beside ordinary users who log in as usual
//! (issue 13, point 6). The e2e test runs it small with the defence off and on; `cargo xtask
//! bench-pumping` runs it larger and writes the report RELIABILITY.md quotes.
//!
//! The attacker is the evasive kind: it asks for codes to premium-looking ranges in three
//! countries (Latvia, Lithuania, Uzbekistan) through residential proxies in the numbers' own
//! countries, with middling bot scores, from many addresses and networks, and never types a
//! code in; a check it is asked for, it fails. So none of the static signals fire: only the
//! counters can see it, by the sends that stop turning into logins. Ordinary users send, read
//! the code and log in; when asked for the check they pass it.
//!
//! The schedule is a fixed interleaving from a seed, sent one request at a time, so two runs
//! see the same traffic in the same order.

use crate::api::{Client, Reply};
use crate::turnstile::PASSED;
use crate::webhook::receiver;
use serde_json::json;
use std::time::{Duration, Instant};

/// How much traffic, and from which seed.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub ordinary_users: usize,
    pub attack_sends: usize,
    /// Where in the run the attack starts (0 to 1): the ordinary traffic before it is the
    /// baseline the counters compare against.
    pub attack_starts_at: f64,
    pub seed: u64,
}

/// What became of the traffic.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub attack_attempts: usize,
    /// Codes the attacker got sent: each is an SMS the operator pays for.
    pub attack_paid: usize,
    /// Per attacked calling code: sends paid before its first stop, and the time from the
    /// attack's start to that stop.
    pub stops: Vec<(u16, usize, Option<Duration>)>,
    pub ordinary_users: usize,
    pub ordinary_challenged: usize,
    /// Ordinary users who could not log in at all.
    pub ordinary_refused: usize,
    pub ordinary_logged_in: usize,
    pub elapsed: Duration,
}

/// The attacked ranges: calling code, E.164 prefix, digits after it, the numbers' country.
const PREMIUM: [(u16, &str, u32, &str); 3] = [
    (371, "+3712", 7, "LV"),
    (370, "+3706", 7, "LT"),
    (998, "+99890", 7, "UZ"),
];

/// Where ordinary users are: E.164 prefix, digits after it, country, share in 1000. One user in
/// a thousand has a number in an attacked range.
const ORDINARY: [(&str, u32, &str, u32); 6] = [
    ("+1415", 7, "US", 600),
    ("+49151", 8, "DE", 200),
    ("+614", 8, "AU", 100),
    ("+9198", 8, "IN", 60),
    ("+234803", 7, "NG", 39),
    ("+3712", 7, "LV", 1),
];

/// Residential networks of ordinary users, and the proxies' networks the attacker rotates.
const HOME_NETWORKS: [u32; 6] = [7922, 7018, 3320, 1221, 9829, 37148];
const PROXY_NETWORKS: u32 = 40;

/// A small xorshift: the same seed gives the same traffic.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn digits(&mut self, count: u32) -> String {
        (0..count)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// A number of the range that the service accepts (libphonenumber's rules, through core).
    fn number(&mut self, prefix: &str, digits: u32) -> String {
        loop {
            let candidate = format!("{prefix}{}", self.digits(digits));
            if auth_core::domain::phone::PhoneNumber::parse(&candidate, None).is_ok() {
                return candidate;
            }
        }
    }

    fn address(&mut self) -> String {
        let n = self.next();
        format!(
            "198.{}.{}.{}",
            18 + n % 2,
            (n >> 8) % 256,
            (n >> 16) % 254 + 1
        )
    }
}

enum Event {
    Ordinary,
    Attack,
}

/// The interleaving: ordinary users evenly over the run, the attack evenly from its start.
fn schedule(s: &Scenario) -> Vec<Event> {
    let mut at: Vec<(f64, Event)> = (0..s.ordinary_users)
        .map(|k| (k as f64 / s.ordinary_users as f64, Event::Ordinary))
        .collect();
    let span = 1.0 - s.attack_starts_at;
    at.extend((0..s.attack_sends).map(|j| {
        let when = s.attack_starts_at + span * j as f64 / s.attack_sends as f64;
        (when, Event::Attack)
    }));
    at.sort_by(|a, b| a.0.total_cmp(&b.0));
    at.into_iter().map(|(_, e)| e).collect()
}

/// Runs the scenario against the worker at `base`.
pub async fn run(base: &str, s: &Scenario) -> Report {
    let mut dice = Dice(s.seed.max(1));
    let mut report = Report {
        stops: PREMIUM.iter().map(|(cc, ..)| (*cc, 0, None)).collect(),
        ..Report::default()
    };
    // One connection pool; each request presents its own address.
    let client = Client::new(base);
    let started = Instant::now();
    let mut attack_started = None;
    for event in schedule(s) {
        match event {
            Event::Ordinary => ordinary(&client, &mut dice, &mut report).await,
            Event::Attack => {
                let since = *attack_started.get_or_insert_with(Instant::now);
                attack(&client, &mut dice, &mut report, since).await;
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// One attempt of the attacker.
async fn attack(client: &Client, dice: &mut Dice, report: &mut Report, since: Instant) {
    let which = dice.below(PREMIUM.len() as u64) as usize;
    let (_, prefix, digits, country) = PREMIUM[which];
    let phone = dice.number(prefix, digits);
    let network = (200_000 + dice.below(u64::from(PROXY_NETWORKS))).to_string();
    let score = (40 + dice.below(50)).to_string();
    let client = client.clone().with_ip(&dice.address());
    let reply = send(
        &client,
        &phone,
        country,
        &network,
        &score,
        Some("solver-forged"),
    )
    .await;
    report.attack_attempts += 1;
    let stop = &mut report.stops[which];
    let stopped = matches!(
        reply.code(),
        "CAPTCHA_REQUIRED" | "CAPTCHA_FAILED" | "SEND_REFUSED"
    );
    if reply.status == 200 {
        report.attack_paid += 1;
        if stop.2.is_none() {
            stop.1 += 1;
        }
    } else if stopped && stop.2.is_none() {
        stop.2 = Some(since.elapsed());
    }
}

/// One ordinary user: a send from home, the check when asked, the code typed in.
async fn ordinary(client: &Client, dice: &mut Dice, report: &mut Report) {
    let pick = dice.below(1000) as u32;
    let mut cumulative = 0;
    let &(prefix, digits, country, _) = ORDINARY
        .iter()
        .find(|(.., share)| {
            cumulative += share;
            pick < cumulative
        })
        .unwrap_or(&ORDINARY[0]);
    let phone = dice.number(prefix, digits);
    let network = HOME_NETWORKS[dice.below(HOME_NETWORKS.len() as u64) as usize].to_string();
    let score = (70 + dice.below(30)).to_string();
    let client = client.clone().with_ip(&dice.address());
    report.ordinary_users += 1;
    let mut sent = send(&client, &phone, country, &network, &score, None).await;
    if sent.code() == "CAPTCHA_REQUIRED" {
        report.ordinary_challenged += 1;
        sent = send(&client, &phone, country, &network, &score, Some(PASSED)).await;
    }
    if sent.status != 200 {
        report.ordinary_refused += 1;
        return;
    }
    let session = sent.body["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let code = receiver().latest(&phone);
    let login = client
        .post_with_headers(
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": code, "session_id": session}),
            &[("x-edge-country", country), ("x-edge-asn", &network)],
        )
        .await;
    if login.status == 200 {
        report.ordinary_logged_in += 1;
    } else {
        report.ordinary_refused += 1;
    }
}

async fn send(
    client: &Client,
    phone: &str,
    country: &str,
    network: &str,
    score: &str,
    token: Option<&str>,
) -> Reply {
    let mut body = json!({"phone_number": phone});
    if let Some(token) = token {
        body["captcha_token"] = json!(token);
    }
    let headers = [
        ("x-edge-country", country),
        ("x-edge-asn", network),
        ("x-edge-bot-score", score),
    ];
    client
        .post_with_headers("/api/v1/auth/send-otp", body, &headers)
        .await
}

impl Report {
    /// The attacker's paid share of its attempts, in percent.
    pub fn paid_percent(&self) -> f64 {
        100.0 * self.attack_paid as f64 / self.attack_attempts.max(1) as f64
    }

    pub fn challenged_percent(&self) -> f64 {
        100.0 * self.ordinary_challenged as f64 / self.ordinary_users.max(1) as f64
    }
}

/// The defence off beside on, as the Markdown RELIABILITY.md quotes.
pub fn markdown(s: &Scenario, off: &Report, on: &Report) -> String {
    let cut = 100.0 * (1.0 - on.attack_paid as f64 / off.attack_paid.max(1) as f64);
    let mut out = format!(
        "Scenario: {} ordinary users, {} attack sends from {:.0}% of the run on, seed {}.\n\n\
         | | defence off | defence on |\n|---|---|---|\n\
         | attacker's paid SMS | {} of {} ({:.1}%) | {} of {} ({:.1}%) |\n\
         | ordinary users challenged | {} of {} ({:.1}%) | {} of {} ({:.1}%) |\n\
         | ordinary users refused | {} | {} |\n\
         | ordinary users logged in | {} | {} |\n\
         | run time | {:.1} s | {:.1} s |\n\n\
         Attacker's paid SMS cut by {cut:.1}%.\n\n\
         | attacked calling code | paid before the first stop | time from the attack's start |\n|---|---|---|\n",
        s.ordinary_users, s.attack_sends, 100.0 * s.attack_starts_at, s.seed,
        off.attack_paid, off.attack_attempts, off.paid_percent(),
        on.attack_paid, on.attack_attempts, on.paid_percent(),
        off.ordinary_challenged, off.ordinary_users, off.challenged_percent(),
        on.ordinary_challenged, on.ordinary_users, on.challenged_percent(),
        off.ordinary_refused, on.ordinary_refused,
        off.ordinary_logged_in, on.ordinary_logged_in,
        off.elapsed.as_secs_f64(), on.elapsed.as_secs_f64(),
    );
    for (cc, paid, stopped) in &on.stops {
        let when = stopped.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()));
        out.push_str(&format!("| +{cc} | {paid} | {when} |\n"));
    }
    out
}
