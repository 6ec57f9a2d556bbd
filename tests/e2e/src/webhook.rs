//! The webhook receiver the test worker delivers codes to (every channel: SMS, WhatsApp, voice). It checks every delivery's
//! Standard Webhooks signature and freshness the way a real receiver must, and keeps the codes
//! it accepted so tests can log in with them.
//!
//! One receiver per test process, on the stack's webhook port, serving from its own threads
//! (each `#[tokio::test]` has its own runtime, which would take a server down with it).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Default)]
struct State {
    /// Codes accepted per phone, oldest first.
    codes: HashMap<String, Vec<String>>,
    /// The text of the latest message per phone.
    messages: HashMap<String, String>,
    /// Notices (messages with no code: `notice.sms`) per phone, oldest first.
    notices: HashMap<String, Vec<String>>,
    /// The channel and voice locale of the latest delivery per phone.
    channels: HashMap<String, (String, Option<String>)>,
    /// Phones whose deliveries the receiver refuses (HTTP 500), to test provider failures.
    failing: HashSet<String>,
    /// (phone, channel) deliveries the receiver refuses.
    failing_channels: HashSet<(String, String)>,
    /// Deliveries refused for a bad or stale signature.
    rejected: usize,
    delivered: usize,
}

pub struct Receiver {
    state: Arc<Mutex<State>>,
}

static RECEIVER: OnceLock<Receiver> = OnceLock::new();

/// The process's receiver, started on first use.
pub fn receiver() -> &'static Receiver {
    RECEIVER.get_or_init(|| {
        let vars = crate::worker_vars();
        let secret = vars["SMS_WEBHOOK_SECRET"]
            .trim_start_matches("whsec_")
            .to_owned();
        let secret = STANDARD
            .decode(secret)
            .expect("the webhook secret is base64");
        let port = crate::stack().webhook_port;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("the webhook receiver cannot listen on {port}: {e}"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (state, secret) = (shared.clone(), secret.clone());
                std::thread::spawn(move || serve(stream, &state, &secret));
            }
        });
        Receiver { state }
    })
}

impl Receiver {
    /// Waits up to 5 s for a code to `phone` beyond the `seen` already taken, and returns it.
    pub fn code_after(&self, phone: &str, seen: usize) -> String {
        let started = Instant::now();
        loop {
            if let Some(code) = self
                .state
                .lock()
                .unwrap()
                .codes
                .get(phone)
                .and_then(|c| c.get(seen))
            {
                return code.clone();
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "no code for {phone} reached the webhook"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The latest code `phone` received and the whole text it came in.
    pub fn latest_message(&self, phone: &str) -> (String, String) {
        let code = self.latest(phone);
        let state = self.state.lock().unwrap();
        (code, state.messages[phone].clone())
    }

    /// The notices (messages with no code) `phone` has received, waiting up to 5 s for `at_least`.
    pub fn notices(&self, phone: &str, at_least: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let notices = self.state.lock().unwrap().notices.get(phone).cloned();
            let notices = notices.unwrap_or_default();
            if notices.len() >= at_least || started.elapsed() > Duration::from_secs(5) {
                return notices;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many codes `phone` has received.
    pub fn count(&self, phone: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .codes
            .get(phone)
            .map_or(0, Vec::len)
    }

    /// The latest code `phone` received.
    pub fn latest(&self, phone: &str) -> String {
        let seen = self.count(phone);
        assert!(seen > 0, "no code for {phone}");
        self.code_after(phone, seen - 1)
    }

    pub fn fail_deliveries_to(&self, phone: &str) {
        self.state.lock().unwrap().failing.insert(phone.to_owned());
    }

    /// Refuses deliveries to `phone` on `channel` from now on.
    pub fn fail_channel_to(&self, phone: &str, channel: &str) {
        let failing = (phone.to_owned(), channel.to_owned());
        self.state.lock().unwrap().failing_channels.insert(failing);
    }

    /// The channel and voice locale of the latest code `phone` received.
    pub fn latest_channel(&self, phone: &str) -> (String, Option<String>) {
        self.latest(phone);
        self.state.lock().unwrap().channels[phone].clone()
    }

    pub fn rejected(&self) -> usize {
        self.state.lock().unwrap().rejected
    }

    pub fn delivered(&self) -> usize {
        self.state.lock().unwrap().delivered
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>, secret: &[u8]) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().expect("a socket clone"));
    let mut headers = HashMap::new();
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let status = handle(&headers, &body, state, secret);
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
}

fn handle(
    headers: &HashMap<String, String>,
    body: &str,
    state: &Mutex<State>,
    secret: &[u8],
) -> &'static str {
    let mut state = state.lock().unwrap();
    if !signature_is_valid(headers, body, secret) {
        state.rejected += 1;
        return "401 Unauthorized";
    }
    let Ok(message) = serde_json::from_str::<Value>(body) else {
        return "400 Bad Request";
    };
    if message["type"] == "notice.sms" {
        let (Some(to), Some(text), true) = (
            message["to"].as_str(),
            message["message"].as_str(),
            message["code"].is_null(),
        ) else {
            return "400 Bad Request";
        };
        state.delivered += 1;
        let notices = state.notices.entry(to.to_owned()).or_default();
        notices.push(text.to_owned());
        return "204 No Content";
    }
    let (Some(to), Some(code)) = (message["to"].as_str(), message["code"].as_str()) else {
        return "400 Bad Request";
    };
    // A call's words read the code digit by digit.
    let channel = message["channel"].as_str().unwrap_or("sms").to_owned();
    let said = match channel.as_str() {
        "voice" => code
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(", "),
        _ => code.to_owned(),
    };
    if !message["message"]
        .as_str()
        .is_some_and(|m| m.contains(&said))
    {
        return "400 Bad Request";
    }
    if state.failing.contains(to)
        || state
            .failing_channels
            .contains(&(to.to_owned(), channel.clone()))
    {
        return "500 Internal Server Error";
    }
    let locale = message["voice_locale"].as_str().map(str::to_owned);
    state.channels.insert(to.to_owned(), (channel, locale));
    state.delivered += 1;
    let text = message["message"].as_str().unwrap_or_default().to_owned();
    state.messages.insert(to.to_owned(), text);
    state
        .codes
        .entry(to.to_owned())
        .or_default()
        .push(code.to_owned());
    "204 No Content"
}

/// The Standard Webhooks check: HMAC-SHA256 over "id.timestamp.body", and a timestamp within
/// five minutes of now.
fn signature_is_valid(headers: &HashMap<String, String>, body: &str, secret: &[u8]) -> bool {
    let (Some(id), Some(timestamp), Some(signatures)) = (
        headers.get("webhook-id"),
        headers.get("webhook-timestamp"),
        headers.get("webhook-signature"),
    ) else {
        return false;
    };
    let Ok(sent_at) = timestamp.parse::<i64>() else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - sent_at).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    signatures.split(' ').any(|s| s == expected)
}
