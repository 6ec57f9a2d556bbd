//! A minimal HTTP/1.1 client for the load generator: one keep-alive connection, requests sent
//! one at a time, bodies read by Content-Length or chunked encoding. Small on purpose: the
//! generator's own cost per request must stay far below what it measures.

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn get(path: &str) -> Self {
        Self {
            method: "GET",
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn post_json(path: &str, body: String) -> Self {
        Self {
            method: "POST",
            path: path.to_owned(),
            headers: vec![("content-type", "application/json".into())],
            body: Some(body),
        }
    }

    pub fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// `DPoP-Nonce`, when the answer carries one.
    pub dpop_nonce: Option<String>,
}

impl Response {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One connection to `127.0.0.1:port`, reopened when the server closes it.
pub struct Connection {
    port: u16,
    stream: Option<BufReader<TcpStream>>,
}

impl Connection {
    pub fn new(port: u16) -> Self {
        Self { port, stream: None }
    }

    pub async fn send(&mut self, req: &Request) -> io::Result<Response> {
        let stream = match &mut self.stream {
            Some(s) => s,
            None => {
                let tcp = TcpStream::connect(("127.0.0.1", self.port)).await?;
                tcp.set_nodelay(true)?;
                self.stream.insert(BufReader::new(tcp))
            }
        };
        let result = exchange(stream, req).await;
        match &result {
            Ok((_, keep_alive)) if *keep_alive => {}
            _ => self.stream = None,
        }
        result.map(|(response, _)| response)
    }
}

async fn exchange(
    stream: &mut BufReader<TcpStream>,
    req: &Request,
) -> io::Result<(Response, bool)> {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: 127.0.0.1\r\n",
        req.method, req.path
    );
    for (name, value) in &req.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = req.body.as_deref().unwrap_or("");
    if req.body.is_some() {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    head.push_str(body);
    stream.get_mut().write_all(head.as_bytes()).await?;

    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, format!("status line {line:?}"))
        })?;
    let (mut length, mut chunked, mut keep_alive) = (None, false, true);
    let mut dpop_nonce = None;
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
            "dpop-nonce" => dpop_nonce = Some(value.to_owned()),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "chunk size"))?;
            let start = body.len();
            body.resize(start + size + 2, 0);
            stream.read_exact(&mut body[start..]).await?;
            body.truncate(start + size);
            if size == 0 {
                break;
            }
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        stream.read_exact(&mut body).await?;
    } else {
        stream.read_to_end(&mut body).await?;
        keep_alive = false;
    }
    let response = Response {
        status,
        body,
        dpop_nonce,
    };
    Ok((response, keep_alive))
}
