//! The once-store's contract: a key is taken by its first claim alone, even among claims that
//! race, until its time is up; a store that cannot be asked says so and never grants.

use crate::ports::{BackendError, OnceStore};
use futures::future::join_all;

/// `store` is empty and reachable, `down` cannot be reached; `wait(ms)` lets that much time
/// pass for the store (a real sleep, or a test clock moved on).
pub async fn once_store(store: &impl OnceStore, down: &impl OnceStore, wait: impl AsyncFn(u64)) {
    assert_eq!(store.claim("dpop:a", 60).await, Ok(true), "the first claim");
    assert_eq!(store.claim("dpop:a", 60).await, Ok(false), "a replay");
    assert_eq!(store.claim("dpop:b", 60).await, Ok(true), "another key");

    let racing = join_all((0..20).map(|_| store.claim("dpop:race", 60))).await;
    let granted = racing.iter().filter(|r| **r == Ok(true)).count();
    assert_eq!(granted, 1, "{racing:?}");
    assert!(racing.iter().all(Result::is_ok), "{racing:?}");

    assert_eq!(store.claim("dpop:short", 1).await, Ok(true));
    wait(2_100).await;
    assert_eq!(
        store.claim("dpop:short", 1).await,
        Ok(true),
        "forgotten once its time is up"
    );
    assert_eq!(
        store.claim("dpop:a", 60).await,
        Ok(false),
        "still remembered"
    );

    assert!(matches!(
        down.claim("dpop:c", 60).await,
        Err(BackendError::Unavailable(_))
    ));
}
