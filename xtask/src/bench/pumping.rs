//! `cargo xtask bench-pumping [SCALE]`: the end-to-end SMS pumping simulation
//! (`tests/e2e/src/pumping.rs`), SCALE times the test command's traffic, with the defence off
//! and on; and the attack on the defence itself (`tests/e2e/src/denial.rs`: 1,000 sends from
//! one network, SCALE times the real users), with and without the bot check. It runs the e2e
//! tier's two tests on the test stack (so not beside a test run), with `PUMPING_SCALE`,
//! `PUMPING_REPORT` and `DENIAL_REPORT` set, and leaves both Markdown reports in `target/`.

use crate::proc::step;

/// The simulations' tests, by name.
const TESTS: [&str; 2] = [
    "the_breakers_cut_a_pumping_attacks_paid_sms_and_leave_ordinary_users_alone",
    "the_attackers_network_is_challenged_and_no_real_user_is_refused",
];

pub fn pumping(scale: u32) -> crate::Result<()> {
    step(&format!(
        "bench-pumping: the pumping and denial simulations at {scale}x"
    ));
    let target = crate::root().join("target");
    let pumping = target.join("pumping-report.md");
    let denial = target.join("denial-report.md");
    let env = [
        ("PUMPING_SCALE".to_owned(), scale.to_string()),
        ("PUMPING_REPORT".to_owned(), pumping.display().to_string()),
        ("DENIAL_REPORT".to_owned(), denial.display().to_string()),
    ];
    let mut args: Vec<String> = TESTS.iter().map(|t| (*t).to_owned()).collect();
    args.push("--nocapture".to_owned());
    crate::tiers::test_with(&["e2e".to_owned()], &args, &env)?;
    println!("reports: {} and {}", pumping.display(), denial.display());
    Ok(())
}
