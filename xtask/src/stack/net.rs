//! Ports and plain HTTP probes for the stack.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Fails with a fix-it message when something already listens on `port`.
pub fn ensure_free(port: u16, what: &str, env_name: &str) -> crate::Result<()> {
    match TcpListener::bind(("127.0.0.1", port)) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "port {port} (for {what}) is taken by another process. Stop it (`ss -ltnp 'sport = :{port}'` \
             shows which) or choose another port with {env_name}=<port>"
        )),
    }
}

/// `N` distinct loopback ports that nothing listens on right now. All are held until all are
/// chosen, so two of them can never be the same port (picked one at a time, the kernel may hand
/// the same free port out twice; a worker given it as both its port and its inspector's fails).
pub fn free_ports<const N: usize>() -> crate::Result<[u16; N]> {
    let mut held = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in &mut ports {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
        *port = listener
            .local_addr()
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        held.push(listener);
    }
    Ok(ports)
}

/// Whether something accepts TCP connections on `port`.
pub fn is_listening(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// Waits until `port` accepts connections, or fails naming `what` and its log.
pub fn wait_listening(port: u16, what: &str, limit: Duration, log: &str) -> crate::Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if is_listening(port) {
            return Ok(());
        }
        if crate::proc::interrupted() {
            return Err("interrupted".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{what} did not start listening on port {port} within {limit:?}; see {log}"
    ))
}

/// A minimal HTTP/1.1 GET on loopback: returns (status, body). Enough for health checks,
/// without pulling an HTTP client into the task runner. Reads the head, then `Content-Length`
/// bytes of body: servers may keep the connection open despite `Connection: close`.
pub fn http_get(port: u16, path: &str, timeout: Duration) -> std::io::Result<(u16, String)> {
    http(port, "GET", path, None, timeout)
}

/// [`http_get`]'s POST of a JSON body.
pub fn http_post_json(
    port: u16,
    path: &str,
    body: &str,
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    http(port, "POST", path, Some(body), timeout)
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    let content = match body {
        Some(body) => format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        None => "\r\n".to_owned(),
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{content}"
    )?;
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::Error::other(
                "connection closed before the response head",
            ));
        }
        received.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status line"))?;
    let length = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        })
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while received.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..n]);
    }
    Ok((
        status,
        String::from_utf8_lossy(&received[head_end..]).into_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_named_with_its_owner_and_the_variable_that_moves_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let err = ensure_free(port, "wrangler dev", "DEV_WORKER_PORT").unwrap_err();
        assert!(
            err.contains(&format!("port {port} (for wrangler dev) is taken")),
            "{err}"
        );
        assert!(err.contains("DEV_WORKER_PORT=<port>"), "{err}");
        drop(listener);
        assert!(ensure_free(port, "wrangler dev", "DEV_WORKER_PORT").is_ok());
    }

    #[test]
    fn http_get_reads_a_response_that_keeps_the_connection_open() {
        // A server that answers and then holds the connection, as keep-alive servers do.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).unwrap();
            stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 7\r\n\r\nnot yet")
                .unwrap();
            std::thread::sleep(Duration::from_millis(1500));
        });
        let started = Instant::now();
        let (status, body) = http_get(port, "/ready", Duration::from_secs(2)).unwrap();
        assert_eq!((status, body.as_str()), (503, "not yet"));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "must not wait for the connection to close"
        );
        server.join().unwrap();
    }
}
