//! The bot check's contract: a token the service accepts is `Human`, one it refuses is
//! `NotHuman`, and a service that cannot be asked is `Unavailable`, never a verdict.

use crate::ports::{BackendError, BotCheck, BotVerdict};

/// `service` accepts `good` and refuses every other token; `down` is the same check whose
/// service cannot be reached.
pub async fn bot_check(service: &impl BotCheck, good: &str, down: &impl BotCheck) {
    let ip = Some("198.51.100.7");
    assert_eq!(service.verify(good, ip).await, Ok(BotVerdict::Human));
    assert_eq!(
        service.verify(good, None).await,
        Ok(BotVerdict::Human),
        "the address is optional"
    );
    assert_eq!(
        service.verify("XXXX.DUMMY.TOKEN.XXXX", ip).await,
        Ok(BotVerdict::NotHuman)
    );
    assert!(matches!(
        down.verify(good, ip).await,
        Err(BackendError::Unavailable(_))
    ));
}
