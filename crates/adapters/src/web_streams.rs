//! A byte stream over a Web Streams pair (a `ReadableStream` and a `WritableStream` of
//! `Uint8Array`s, as a Workers TCP socket has) as tokio's `AsyncRead` and `AsyncWrite`, for the
//! worker's Postgres connection.
//!
//! Why not `worker::Socket`: it takes the stream's reader for each read and its writer for each
//! write and releases them after, and releasing a reader rejects its `closed` promise with a new
//! `TypeError` (a stack trace captured each time). `cargo xtask cpu-profile refresh` put those two
//! `releaseLock` calls at 12% of a refresh's CPU. [`WebStreamPair`] takes both once and keeps
//! them until [`WebStreamPair::release`] (the STARTTLS upgrade) or its drop.
//!
//! Reads copy straight from the chunk into the caller's buffer; what does not fit waits in the
//! chunk for the next read, so nothing is copied twice.

use js_sys::{Reflect, Uint8Array};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ReadableStream, ReadableStreamDefaultReader, WritableStream, WritableStreamDefaultWriter,
};

pub struct WebStreamPair {
    reader: ReadableStreamDefaultReader,
    writer: WritableStreamDefaultWriter,
    /// The read the runtime is answering.
    reading: Option<JsFuture>,
    /// The last chunk read and how much of it the caller has taken.
    unread: Option<(Uint8Array, u32)>,
    /// The write the runtime is taking, and its length.
    writing: Option<(JsFuture, usize)>,
    closing: Option<JsFuture>,
}

/// A JavaScript error as an I/O error: its message, never the bytes of the stream.
pub fn io_error(value: JsValue) -> io::Error {
    let message = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "the stream failed".to_owned());
    io::Error::other(message)
}

impl WebStreamPair {
    /// Takes the reader of `readable` and the writer of `writable`; fails when either is
    /// already locked.
    pub fn new(readable: &ReadableStream, writable: &WritableStream) -> io::Result<Self> {
        // `getReader` on a locked stream throws, and web-sys does not catch it for us.
        if readable.locked() || writable.locked() {
            return Err(io::Error::other("the stream is locked"));
        }
        let reader = readable
            .get_reader()
            .dyn_into::<ReadableStreamDefaultReader>()
            .map_err(|_| io::Error::other("not a default reader"))?;
        let writer = writable.get_writer().map_err(io_error)?;
        Ok(Self {
            reader,
            writer,
            reading: None,
            unread: None,
            writing: None,
            closing: None,
        })
    }

    /// Gives the streams back (unlocked), for a socket about to be upgraded to TLS. Fails while
    /// a read or a write is under way, or with bytes read and not yet taken.
    pub fn release(self) -> io::Result<()> {
        if self.reading.is_some() || self.writing.is_some() || self.unread.is_some() {
            return Err(io::Error::other("the stream is in use"));
        }
        self.reader.release_lock();
        self.writer.release_lock();
        Ok(())
    }

    /// Copies from the unread chunk into `buf`; `true` when something was copied.
    fn take_unread(&mut self, buf: &mut ReadBuf<'_>) -> bool {
        let Some((chunk, offset)) = self.unread.take() else {
            return false;
        };
        let n = (chunk.length() - offset).min(buf.remaining() as u32);
        chunk
            .subarray(offset, offset + n)
            .copy_to(buf.initialize_unfilled_to(n as usize));
        buf.advance(n as usize);
        if offset + n < chunk.length() {
            self.unread = Some((chunk, offset + n));
        }
        n > 0
    }
}

impl AsyncRead for WebStreamPair {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            if this.take_unread(buf) {
                return Poll::Ready(Ok(()));
            }
            let reader = &this.reader;
            let read = this
                .reading
                .get_or_insert_with(|| JsFuture::from(reader.read()));
            let result = ready!(Pin::new(read).poll(cx));
            this.reading = None;
            let result = result.map_err(io_error)?;
            let done = Reflect::get(&result, &JsValue::from_str("done")).map_err(io_error)?;
            if done.is_truthy() {
                return Poll::Ready(Ok(())); // the end of the stream: nothing added
            }
            let value = Reflect::get(&result, &JsValue::from_str("value")).map_err(io_error)?;
            let chunk = value
                .dyn_into::<Uint8Array>()
                .map_err(|_| io::Error::other("the stream gave a chunk that is not bytes"))?;
            this.unread = Some((chunk, 0)); // an empty chunk reads again
        }
    }
}

impl AsyncWrite for WebStreamPair {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // A write that returned Pending is called again with the same bytes: finish that one.
        let (write, len) = this.writing.get_or_insert_with(|| {
            let chunk = Uint8Array::from(buf);
            (
                JsFuture::from(this.writer.write_with_chunk(&chunk)),
                buf.len(),
            )
        });
        let len = *len;
        let result = ready!(Pin::new(write).poll(cx));
        this.writing = None;
        result.map_err(io_error)?;
        Poll::Ready(Ok(len))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some((write, _)) = &mut this.writing {
            let result = ready!(Pin::new(write).poll(cx));
            this.writing = None;
            result.map_err(io_error)?;
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush(cx))?;
        let this = self.get_mut();
        let writer = &this.writer;
        let close = this
            .closing
            .get_or_insert_with(|| JsFuture::from(writer.close()));
        let result = ready!(Pin::new(close).poll(cx));
        this.closing = None;
        Poll::Ready(result.map(drop).map_err(io_error))
    }
}
