//! `web_streams::WebStreamPair` under Node by wasm-bindgen-test, over real Web Streams (Node's
//! own `ReadableStream` and `WritableStream`): chunks larger than the caller's buffer, the end
//! of the stream, writes in order, a failing peer, and the locks held until released.
#![cfg(target_arch = "wasm32")]

use auth_adapters::web_streams::WebStreamPair;
use js_sys::{Array, Function, Reflect, Uint8Array};
use std::future::poll_fn;
use std::pin::Pin;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{ReadableStream, WritableStream};

/// A readable stream that gives `chunks` one per pull, then ends; a writable one that keeps
/// what it is given, or fails every write once `failWrites` is set.
const FIXTURE: &str = "
    const fixture = { written: [], failWrites: false };
    fixture.readable = new ReadableStream({
        pull(controller) {
            const next = chunks.shift();
            if (next === undefined) controller.close(); else controller.enqueue(next);
        },
    });
    fixture.writable = new WritableStream({
        write(chunk) {
            if (fixture.failWrites) throw new Error('the peer went away');
            fixture.written.push(...chunk);
        },
    });
    return fixture;
";

struct Fixture(JsValue);

impl Fixture {
    fn new(chunks: &[&[u8]]) -> Self {
        let list: Array = chunks.iter().map(|c| Uint8Array::from(*c)).collect();
        let make = Function::new_with_args("chunks", FIXTURE);
        Self(make.call1(&JsValue::NULL, &list).unwrap())
    }

    fn get(&self, name: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(name)).unwrap()
    }

    fn readable(&self) -> ReadableStream {
        self.get("readable").unchecked_into()
    }

    fn writable(&self) -> WritableStream {
        self.get("writable").unchecked_into()
    }

    fn written(&self) -> Vec<u8> {
        Uint8Array::new(&self.get("written")).to_vec()
    }

    fn pair(&self) -> WebStreamPair {
        WebStreamPair::new(&self.readable(), &self.writable()).unwrap()
    }
}

/// One read into a buffer of `capacity` bytes.
async fn read(pair: &mut WebStreamPair, capacity: usize) -> std::io::Result<Vec<u8>> {
    let mut storage = vec![0; capacity];
    let mut buf = ReadBuf::new(&mut storage);
    poll_fn(|cx| Pin::new(&mut *pair).poll_read(cx, &mut buf)).await?;
    Ok(buf.filled().to_vec())
}

async fn write(pair: &mut WebStreamPair, bytes: &[u8]) -> std::io::Result<usize> {
    poll_fn(|cx| Pin::new(&mut *pair).poll_write(cx, bytes)).await
}

#[wasm_bindgen_test]
async fn chunks_larger_than_the_buffer_arrive_whole_and_the_reader_stays_taken() {
    let all: Vec<u8> = (0..130).collect();
    let fixture = Fixture::new(&[&all[..100], &[], &all[100..]]);
    let mut pair = fixture.pair();
    let mut got = Vec::new();
    loop {
        let bytes = read(&mut pair, 7).await.unwrap();
        assert!(bytes.len() <= 7);
        if bytes.is_empty() {
            break; // the end of the stream
        }
        got.extend(bytes);
        assert!(
            fixture.readable().locked(),
            "the reader is kept between reads"
        );
    }
    assert_eq!(got, all);
    assert!(
        read(&mut pair, 7).await.unwrap().is_empty(),
        "still the end"
    );
}

#[wasm_bindgen_test]
async fn writes_arrive_in_order_and_release_gives_both_streams_back() {
    let fixture = Fixture::new(&[]);
    let mut pair = fixture.pair();
    assert_eq!(write(&mut pair, b"Q\0\0\0").await.unwrap(), 4);
    assert!(
        fixture.writable().locked(),
        "the writer is kept between writes"
    );
    assert_eq!(write(&mut pair, b"SELECT 1").await.unwrap(), 8);
    poll_fn(|cx| Pin::new(&mut pair).poll_flush(cx))
        .await
        .unwrap();
    assert_eq!(fixture.written(), b"Q\0\0\0SELECT 1");
    pair.release().unwrap();
    assert!(!fixture.readable().locked() && !fixture.writable().locked());
}

#[wasm_bindgen_test]
async fn a_failing_peer_is_an_io_error_with_its_message() {
    let fixture = Fixture::new(&[]);
    let mut pair = fixture.pair();
    Reflect::set(&fixture.0, &"failWrites".into(), &JsValue::TRUE).unwrap();
    let err = write(&mut pair, b"X").await.unwrap_err();
    assert!(err.to_string().contains("the peer went away"), "{err}");
}

#[wasm_bindgen_test]
async fn release_is_refused_while_read_bytes_wait() {
    let fixture = Fixture::new(&[b"SN"]);
    let mut pair = fixture.pair();
    assert_eq!(read(&mut pair, 1).await.unwrap(), b"S");
    assert!(pair.release().is_err(), "a byte would be lost");
}

#[wasm_bindgen_test]
async fn a_locked_stream_is_refused() {
    let fixture = Fixture::new(&[]);
    let _first = fixture.pair();
    assert!(WebStreamPair::new(&fixture.readable(), &fixture.writable()).is_err());
}
