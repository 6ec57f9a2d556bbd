//! `cargo xtask bench-pumping [SCALE]`: the end-to-end SMS pumping simulation
//! (`tests/e2e/src/pumping.rs`), SCALE times the test command's traffic, with the defence off
//! and on. It runs the e2e tier's one test on the test stack (so not beside a test run), with
//! `PUMPING_SCALE` and `PUMPING_REPORT` set, and leaves the Markdown report in `target/`.

use crate::proc::step;

/// The simulation's one test, by name.
const TEST: &str = "the_breakers_cut_a_pumping_attacks_paid_sms_and_leave_ordinary_users_alone";

pub fn pumping(scale: u32) -> crate::Result<()> {
    step(&format!(
        "bench-pumping: the pumping simulation at {scale}x"
    ));
    let report = crate::root().join("target").join("pumping-report.md");
    let env = [
        ("PUMPING_SCALE".to_owned(), scale.to_string()),
        ("PUMPING_REPORT".to_owned(), report.display().to_string()),
    ];
    let args = [TEST.to_owned(), "--nocapture".to_owned()];
    crate::tiers::test_with(&["e2e".to_owned()], &args, &env)?;
    println!("report: {}", report.display());
    Ok(())
}
