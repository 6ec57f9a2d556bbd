//! A real browser for the tests that need one: headless Chromium from Debian, driven through
//! chromedriver (WebDriver, with `fantoccini`). Both are Debian packages that `cargo xtask
//! setup` installs, so nothing is downloaded at test time.

use serde_json::json;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// chromedriver in a process group of its own, with the browser it starts: a failed test must
/// not leave a Chromium behind holding its profile.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// chromedriver on a free port, and a headless Chromium session through it with its own
/// profile directory (Chromium locks the one it uses).
pub async fn open(profile_dir: &Path) -> (Driver, fantoccini::Client) {
    let [port] = xtask::stack::net::free_ports().expect("a free port");
    let driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver, installed by `cargo xtask setup`)"),
    );
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,2000",
                     format!("--user-data-dir={}", profile_dir.display())],
        }
    });
    let capabilities = capabilities.as_object().unwrap().clone();
    for _ in 0..50 {
        let connected = fantoccini::ClientBuilder::rustls()
            .expect("a WebDriver client")
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        if let Ok(client) = connected {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start a session");
}

/// A browser on `page_origin`, with a profile of its own under `worker`'s directory (Chromium
/// locks the one it uses): the driver, the page, and the profile to remove when done.
pub async fn open_page(
    worker: &xtask::stack::worker::RunningWorker,
    page_origin: &str,
) -> (Driver, fantoccini::Client, PathBuf) {
    let profile_dir = worker
        .instance
        .dir
        .join(format!("chromium-{}", crate::api::random_u32()));
    let (driver, page) = open(&profile_dir).await;
    page.goto(page_origin).await.unwrap();
    (driver, page, profile_dir)
}

/// Saves what the page shows as `target/e2e-screenshots/<name>.png` and returns the path: a
/// failed browser test leaves the picture of its failure behind.
pub async fn screenshot(page: &fantoccini::Client, name: &str) -> Option<PathBuf> {
    let png = page.screenshot().await.ok()?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).ok()?;
    Some(path)
}

/// Serves `page` (HTML) on a free port of localhost until the process ends; returns its origin
/// (`http://localhost:PORT`: a secure context for the browser, as WebAuthn needs).
pub fn serve_page(page: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    format!("http://localhost:{port}")
}

/// A POST to a WebDriver extension command of the session (`/session/{id}/PATH`).
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("/session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Gives the page a virtual authenticator (WebDriver's WebAuthn extension, which chromedriver
/// implements): a platform authenticator with resident keys that verifies its user on every
/// use, with no one at the keyboard. Answers its id.
pub async fn add_virtual_authenticator(page: &fantoccini::Client) -> String {
    let added = page
        .issue_cmd(SessionPost {
            path: "webauthn/authenticator",
            body: json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserConsenting": true,
                "isUserVerified": true,
            }),
        })
        .await
        .expect("chromedriver adds a virtual authenticator");
    added.as_str().unwrap_or_default().to_owned()
}
