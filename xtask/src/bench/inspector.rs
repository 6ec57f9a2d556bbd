//! Just enough of the Chrome DevTools Protocol to drive workerd's V8 inspector: one WebSocket,
//! commands sent one at a time and answered by id. `tungstenite` does the WebSocket; the
//! protocol on top is a JSON object per message, too small to want a library.

use serde_json::{json, Value};
use std::net::TcpStream;
use std::time::Duration;
use tungstenite::{Message, WebSocket};

/// How long one command may take: `Profiler.stop` serialises a whole profile.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Inspector {
    socket: WebSocket<TcpStream>,
    next_id: u64,
}

impl Inspector {
    /// Connects to the first target workerd's inspector lists on `port` (`/json/list`: one
    /// per service with a worker; the bench's config has one).
    pub fn connect(port: u16) -> crate::Result<Self> {
        let (status, list) =
            crate::stack::net::http_get(port, "/json/list", Duration::from_secs(5))
                .map_err(|e| format!("the inspector on port {port}: {e}"))?;
        let targets: Value = serde_json::from_str(&list)
            .map_err(|e| format!("the inspector's /json/list ({status}): {e}: {list}"))?;
        let url = targets[0]["webSocketDebuggerUrl"]
            .as_str()
            .ok_or_else(|| format!("the inspector lists no target: {list}"))?;
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(ANSWER_TIMEOUT))
            .map_err(|e| e.to_string())?;
        // workerd names the address it was given; the path is what matters.
        let (socket, _) = tungstenite::client(url, stream)
            .map_err(|e| format!("the inspector's WebSocket {url}: {e}"))?;
        Ok(Self { socket, next_id: 1 })
    }

    /// Sends `method` and waits for its answer, skipping events; the protocol's error, if any,
    /// becomes ours.
    pub fn call(&mut self, method: &str, params: Value) -> crate::Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::text(request.to_string()))
            .map_err(|e| format!("{method}: {e}"))?;
        loop {
            let message = self.socket.read().map_err(|e| format!("{method}: {e}"))?;
            let Message::Text(text) = message else {
                continue;
            };
            let mut answer: Value = serde_json::from_str(text.as_str())
                .map_err(|e| format!("{method}: an answer that is not JSON: {e}"))?;
            if answer["id"].as_u64() != Some(id) {
                continue; // an event, or an answer to nothing we are waiting for
            }
            if let Some(error) = answer.get("error") {
                return Err(format!("{method}: the inspector refused: {error}"));
            }
            return Ok(answer["result"].take());
        }
    }
}

impl Drop for Inspector {
    fn drop(&mut self) {
        let _ = self.socket.close(None);
    }
}
