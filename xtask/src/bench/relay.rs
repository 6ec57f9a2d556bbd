//! A TCP relay that counts what crosses it, for the profiler's cost columns (issue 32, point 2):
//! put between the worker and a backend, it tells how many connections a request opens and how
//! many times the conversation turns (the worker writes, the backend answers), which is what a
//! round trip costs the isolate: a socket write, a read, and the promises between them.
//!
//! A turn is counted when the direction changes, so a message split over several TCP segments
//! (or several messages sent back to back, as a pipeline is) count once: what is counted is the
//! waiting, not the bytes. A direction's chunk is counted before it is forwarded, so an answer
//! can never be seen before the write that caused it.
//!
//! Our own code rather than a library: the count is the point, and it is a few threads over
//! `std::net`; a proxy crate would hide exactly the reads and writes we want to see.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What crossed a relay up to some moment; subtract two with [`Tally::since`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub connections: u64,
    /// Turns from the worker to the backend.
    pub writes: u64,
    /// Turns from the backend to the worker.
    pub answers: u64,
}

impl Tally {
    pub fn since(self, before: Tally) -> Tally {
        Tally {
            connections: self.connections - before.connections,
            writes: self.writes - before.writes,
            answers: self.answers - before.answers,
        }
    }
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    writes: AtomicU64,
    answers: AtomicU64,
}

/// Listens on a free loopback port and relays each connection to `upstream`. Stops accepting
/// when dropped; connections already open run until either side closes.
pub struct Relay {
    pub address: SocketAddr,
    counters: Arc<Counters>,
    stopping: Arc<AtomicBool>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Write,
    Answer,
}

impl Relay {
    pub fn start(upstream: &str) -> crate::Result<Relay> {
        let upstream: SocketAddr = upstream
            .parse()
            .map_err(|e| format!("relay upstream {upstream:?}: {e}"))?;
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("relay: no free port: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let counters = Arc::new(Counters::default());
        let stopping = Arc::new(AtomicBool::new(false));
        let (c, s) = (counters.clone(), stopping.clone());
        std::thread::spawn(move || {
            for accepted in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(worker) = accepted else { continue };
                let Ok(backend) = TcpStream::connect(upstream) else {
                    continue; // the worker sees its connection closed, as it would the backend's
                };
                c.connections.fetch_add(1, Ordering::SeqCst);
                relay_connection(worker, backend, c.clone());
            }
        });
        Ok(Relay {
            address,
            counters,
            stopping,
        })
    }

    pub fn tally(&self) -> Tally {
        Tally {
            connections: self.counters.connections.load(Ordering::SeqCst),
            writes: self.counters.writes.load(Ordering::SeqCst),
            answers: self.counters.answers.load(Ordering::SeqCst),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
    }
}

fn relay_connection(worker: TcpStream, backend: TcpStream, counters: Arc<Counters>) {
    let last = Arc::new(Mutex::new(None::<Direction>));
    let pipe = |from: &TcpStream, to: &TcpStream, direction: Direction| {
        let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else {
            return;
        };
        let (last, counters) = (last.clone(), counters.clone());
        std::thread::spawn(move || copy_counting(from, to, direction, &last, &counters));
    };
    pipe(&worker, &backend, Direction::Write);
    pipe(&backend, &worker, Direction::Answer);
}

fn copy_counting(
    mut from: TcpStream,
    mut to: TcpStream,
    direction: Direction,
    last: &Mutex<Option<Direction>>,
    counters: &Counters,
) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        {
            let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
            if *last != Some(direction) {
                *last = Some(direction);
                let counter = match direction {
                    Direction::Write => &counters.writes,
                    Direction::Answer => &counters.answers,
                };
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::time::Duration;

    /// A backend that answers each line with the line, in two segments a moment apart.
    fn line_echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().unwrap();
                    for line in BufReader::new(stream).lines().map_while(Result::ok) {
                        writer.write_all(line.as_bytes()).unwrap();
                        std::thread::sleep(Duration::from_millis(20));
                        writer.write_all(b"\n").unwrap();
                    }
                });
            }
        });
        address
    }

    fn read_line(reader: &mut BufReader<TcpStream>) -> String {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        line
    }

    #[test]
    fn each_turn_of_a_conversation_is_counted_once_however_it_is_split() {
        let relay = Relay::start(&line_echo().to_string()).unwrap();
        let before = relay.tally();
        let mut client = TcpStream::connect(relay.address).unwrap();
        let mut reader = BufReader::new(client.try_clone().unwrap());
        // One message in two segments: one write, answered in two segments: one answer.
        client.write_all(b"sta").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        client.write_all(b"rtup\n").unwrap();
        assert_eq!(read_line(&mut reader), "startup\n");
        // Two messages back to back (a pipeline): one write, and their answers, however many
        // segments they come in, one answer.
        client.write_all(b"query\nsync\n").unwrap();
        assert_eq!(read_line(&mut reader), "query\n");
        assert_eq!(read_line(&mut reader), "sync\n");
        client.write_all(b"terminate\n").unwrap();
        assert_eq!(read_line(&mut reader), "terminate\n");
        let tally = relay.tally().since(before);
        assert_eq!(tally.connections, 1);
        assert_eq!((tally.writes, tally.answers), (3, 3), "{tally:?}");
    }
}
