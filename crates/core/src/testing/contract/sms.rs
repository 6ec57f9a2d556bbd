//! The SMS sender's contract: `Ok` only when the provider accepted the message, and a refusal
//! that never carries the code or the message text (it goes to the operators' log).

use crate::phone::PhoneNumber;
use crate::ports::SmsSender;

/// `accepting` is a sender whose provider takes the message; `refusing`, one whose provider
/// refuses it (and may echo the message back, as providers do).
pub async fn sms_sender(accepting: &impl SmsSender, refusing: &impl SmsSender) {
    let to = PhoneNumber::parse("+14155552671", None).expect("a valid number");
    let (message, code) = ("Your code is 802417. It expires in 2 minutes.", "802417");
    assert_eq!(accepting.send(&to, message, code).await, Ok(()));
    let refused = refusing
        .send(&to, message, code)
        .await
        .expect_err("a refused message is an error");
    assert!(
        !refused.0.contains(code) && !refused.0.contains("Your code"),
        "the refusal leaks the message: {refused}"
    );
}
