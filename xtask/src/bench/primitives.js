// The primitives worker of `cargo xtask bench` (xtask/src/bench/primitives.rs): each path does
// one thing an endpoint of the real worker needs, through the same runtime APIs, and nothing
// else, so its CPU per request is the floor that thing sets.
//   /fetch   one POST to the Redis REST gateway (a gateway call)
//   /socket  a TCP connection with two round trips (a Postgres connection and one statement:
//            its startup answered, then its statement), then closed
//   /sign    an ES256 signature over a token-sized input (WebCrypto)
//   /verify  the verification of one
import { connect } from "cloudflare:sockets";

const MESSAGE = new TextEncoder().encode("x".repeat(96));
const INPUT = new TextEncoder().encode("e".repeat(380));
const ES256 = { name: "ECDSA", hash: "SHA-256" };
let keys;
let signature;

async function keyPair() {
  keys ??= await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]);
  return keys;
}

async function readExactly(reader, length) {
  let got = 0;
  while (got < length) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the echo closed early");
    got += value.byteLength;
  }
}

async function socketRoundTrips(address, turns) {
  const socket = connect(address);
  const writer = socket.writable.getWriter();
  const reader = socket.readable.getReader();
  for (let i = 0; i < turns; i++) {
    await writer.write(MESSAGE);
    await readExactly(reader, MESSAGE.byteLength);
  }
  await socket.close();
}

export default {
  async fetch(request, env) {
    switch (new URL(request.url).pathname) {
      case "/fetch": {
        const answer = await fetch(env.GATEWAY_URL, {
          method: "POST",
          headers: { authorization: `Bearer ${env.GATEWAY_TOKEN}` },
          body: '["INCR","bench:primitive"]',
        });
        await answer.text();
        return new Response("ok", { status: answer.ok ? 200 : 502 });
      }
      case "/socket":
        await socketRoundTrips(env.ECHO_ADDRESS, 2);
        return new Response("ok");
      case "/sign":
        await crypto.subtle.sign(ES256, (await keyPair()).privateKey, INPUT);
        return new Response("ok");
      case "/verify": {
        const { privateKey, publicKey } = await keyPair();
        signature ??= await crypto.subtle.sign(ES256, privateKey, INPUT);
        const valid = await crypto.subtle.verify(ES256, publicKey, signature, INPUT);
        return new Response("ok", { status: valid ? 200 : 500 });
      }
      default:
        return new Response("ok");
    }
  },
};
