//! The interactive API reference (`GET /docs`): Swagger UI, served from the worker's static
//! assets, renders every operation of the document the worker serves, and its "Try it out"
//! sends a real send-otp from the page. In headless Chromium (`e2e::browser`); a failure leaves
//! a screenshot in `target/e2e-screenshots/`.

use e2e::api::random_phone;
use e2e::webhook::receiver;
use e2e::{base_url, browser};
use fantoccini::{Client, Locator};
use std::time::Duration;

#[tokio::test]
async fn the_docs_page_is_served_with_its_own_content_security_policy() {
    let response = reqwest::get(format!("{}/docs", base_url())).await.unwrap();
    assert_eq!(response.status(), 200, "no redirect to /docs/ either");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-type").starts_with("text/html"));
    assert!(header("content-security-policy").contains("script-src 'self'"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    let page = response.text().await.unwrap();
    // Everything the page loads comes from this origin.
    assert!(page.contains("/docs/vendor/swagger-ui-bundle.js"));
    assert!(
        !page.contains("https://"),
        "the page loads nothing from elsewhere"
    );
}

/// Waits for what `css` selects, up to 20 s.
async fn element(page: &Client, css: &str) -> Result<fantoccini::elements::Element, String> {
    page.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))
}

/// The reference renders every operation; "Try it out" on send-otp sends a code for real.
async fn render_and_try(page: &Client, phone: &str) -> Result<(), String> {
    page.goto(&format!("{}/docs", base_url()))
        .await
        .map_err(|e| e.to_string())?;
    element(page, ".opblock").await?;
    let rendered = page
        .find_all(Locator::Css(".opblock"))
        .await
        .map_err(|e| e.to_string())?
        .len();
    let documented = e2e::openapi::operations().len();
    if rendered != documented {
        return Err(format!(
            "{rendered} operations rendered, {documented} documented"
        ));
    }

    let send_otp = "#operations-default-sendOtp";
    element(page, &format!("{send_otp} .opblock-summary-control"))
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    element(page, &format!("{send_otp} .try-out__btn"))
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    let body = element(page, &format!("{send_otp} textarea.body-param__text")).await?;
    body.click().await.map_err(|e| e.to_string())?;
    // Select the example body (Ctrl+A, then release the modifier) and type over it.
    body.send_keys("\u{E009}a\u{E000}")
        .await
        .map_err(|e| e.to_string())?;
    body.send_keys(&format!(r#"{{"phone_number": "{phone}"}}"#))
        .await
        .map_err(|e| e.to_string())?;
    element(page, &format!("{send_otp} .btn.execute"))
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    let status = element(
        page,
        &format!("{send_otp} .live-responses-table tr.response .response-col_status"),
    )
    .await?
    .text()
    .await
    .map_err(|e| e.to_string())?;
    if status.trim() != "200" {
        return Err(format!("send-otp from the page answered {status}"));
    }
    Ok(())
}

#[tokio::test]
async fn the_docs_page_renders_every_operation_and_tries_send_otp() {
    receiver(); // the code the page's request sends is delivered to this process
    let profile_dir =
        std::env::temp_dir().join(format!("e2e-docs-chromium-{}", e2e::api::random_u32()));
    let (_driver, page) = browser::open(&profile_dir).await;
    let phone = random_phone();
    let outcome = render_and_try(&page, &phone).await;
    if let Err(why) = outcome {
        let shot = browser::screenshot(&page, "api_docs").await;
        let _ = page.close().await;
        let _ = std::fs::remove_dir_all(&profile_dir);
        panic!("{why} (screenshot: {shot:?})");
    }
    // The request reached the service: a code was sent to the phone.
    assert!(!receiver().latest(&phone).is_empty());
    page.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&profile_dir);
}
