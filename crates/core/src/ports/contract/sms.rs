//! The code sender's contract: `Ok` only when the provider accepted the code, on every
//! channel, and a refusal that never carries the code or the text (it goes to the operators'
//! log).

use crate::domain::delivery::Channel;
use crate::domain::phone::PhoneNumber;
use crate::ports::{CodeSender, OutgoingCode};

/// `accepting` is a sender whose provider takes every code; `refusing`, one whose provider
/// refuses it (and may echo the text back, as providers do).
pub async fn sms_sender(accepting: &impl CodeSender, refusing: &impl CodeSender) {
    let to = PhoneNumber::parse("+14155552671", None).expect("a valid number");
    let (message, code) = ("Your code is 802417. It expires in 2 minutes.", "802417");
    for channel in Channel::ALL {
        let outgoing = OutgoingCode {
            to: &to,
            channel,
            text: message,
            code: Some(code),
            voice_locale: (channel == Channel::Voice).then_some("en-US"),
        };
        assert_eq!(accepting.send(&outgoing).await, Ok(()), "{channel:?}");
        let refused = refusing
            .send(&outgoing)
            .await
            .expect_err("a refused code is an error");
        assert!(
            !refused.0.contains(code) && !refused.0.contains("Your code"),
            "the refusal leaks the text: {refused}"
        );
    }
}
