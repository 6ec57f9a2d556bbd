//! Answers every request with "ok": the floor of a wasm worker's start-up on this toolchain.
#![cfg(target_arch = "wasm32")]

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(_request: Request, _env: Env, _ctx: Context) -> Result<Response> {
    Response::ok("ok")
}
