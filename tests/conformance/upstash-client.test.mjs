// Conformance of the redis-rest gateway with the official Upstash client, @upstash/redis.
//
// The client is the peer that production code would use against Upstash; if it works unchanged
// against the gateway, the gateway speaks the protocol. Both response encodings are exercised:
// the client's default (base64) and plain JSON.
//
// Needs TEST_GATEWAY_URL and TEST_GATEWAY_TOKEN (set by `cargo xtask test`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "@upstash/redis";

const url = process.env.TEST_GATEWAY_URL;
const token = process.env.TEST_GATEWAY_TOKEN;
if (!url || !token) {
  throw new Error("TEST_GATEWAY_URL and TEST_GATEWAY_TOKEN must point at a running gateway (cargo xtask test sets them)");
}

// A fresh key prefix per run keeps runs independent on a shared Redis.
const prefix = `conformance:${randomBytes(6).toString("hex")}:`;
const key = (name) => prefix + name;

// The gateway runs only the service's own scripts (REDIS_REST_SCRIPTS, by default the OTP
// store's): the client is tried with one of them, and with a script of its own, refused.
const serviceScript = readFileSync(
  new URL("../../crates/adapters/src/upstash/scripts/withdraw.lua", import.meta.url),
  "utf8",
);

for (const responseEncoding of ["base64", false]) {
  const label = responseEncoding ? "base64 responses" : "plain responses";
  const redis = new Redis({ url, token, responseEncoding, retry: false, enableTelemetry: false });
  const k = (name) => key(`${label}:${name}`);

  test(`${label}: strings round-trip, including unicode and JSON values`, async () => {
    assert.equal(await redis.set(k("s"), "héllo wörld ✓"), "OK");
    assert.equal(await redis.get(k("s")), "héllo wörld ✓");
    await redis.set(k("json"), { a: 1, b: ["x"] });
    assert.deepEqual(await redis.get(k("json")), { a: 1, b: ["x"] });
    assert.equal(await redis.get(k("missing")), null);
  });

  test(`${label}: hashes`, async () => {
    assert.equal(await redis.hset(k("h"), { field: "value", n: 7 }), 2);
    assert.equal(await redis.hget(k("h"), "field"), "value");
    assert.deepEqual(await redis.hgetall(k("h")), { field: "value", n: 7 });
  });

  test(`${label}: counters with a TTL`, async () => {
    assert.equal(await redis.incr(k("c")), 1);
    assert.equal(await redis.incrby(k("c"), 4), 5);
    assert.equal(await redis.expire(k("c"), 60), 1);
    const ttl = await redis.ttl(k("c"));
    assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
    assert.equal(await redis.set(k("ex"), "v", { ex: 30, nx: true }), "OK");
    assert.equal(await redis.set(k("ex"), "w", { ex: 30, nx: true }), null);
  });

  test(`${label}: a pipeline returns every result in order`, async () => {
    const p = redis.pipeline();
    p.set(k("p"), "1");
    p.incr(k("p"));
    p.get(k("p"));
    assert.deepEqual(await p.exec(), ["OK", 2, 2]);
  });

  // On a Redis Cluster these keys fall in many slots: the gateway splits the pipeline by slot
  // and must put every answer back in its place; a keyless command sends it one at a time.
  test(`${label}: a pipeline over keys of many slots answers in order`, async () => {
    const names = Array.from({ length: 12 }, (_, i) => k(`slot-${i}`));
    const p = redis.pipeline();
    names.forEach((name, i) => p.set(name, String(i)));
    names.forEach((name) => p.incr(name));
    names.forEach((name) => p.get(name));
    const expected = [...names.map(() => "OK"), ...names.map((_, i) => i + 1), ...names.map((_, i) => i + 1)];
    assert.deepEqual(await p.exec(), expected);
    const mixed = redis.pipeline();
    mixed.incr(names[0]);
    mixed.ping();
    mixed.incr(names[1]);
    assert.deepEqual(await mixed.exec(), [2, "PONG", 3]);
  });

  test(`${label}: multi-exec runs atomically`, async () => {
    const tx = redis.multi();
    tx.incr(k("m"));
    tx.incr(k("m"));
    tx.get(k("m"));
    assert.deepEqual(await tx.exec(), [1, 2, 2]);
  });

  test(`${label}: eval, evalsha and script load of a listed script`, async () => {
    // Two keys of one slot, as a cluster wants: the script deletes both when the hash's mac
    // matches its argument.
    const [code, cooldown] = [k("{e}code"), k("{e}cooldown")];
    await redis.hset(code, { mac: "m1" });
    assert.equal(await redis.eval(serviceScript, [code, cooldown], ["m1"]), 1);
    assert.equal(await redis.exists(code), 0);
    const sha = await redis.scriptLoad(serviceScript);
    assert.match(sha, /^[0-9a-f]{40}$/);
    await redis.hset(code, { mac: "m2" });
    assert.equal(await redis.evalsha(sha, [code, cooldown], ["m1"]), 0);
    assert.equal(await redis.evalsha(sha, [code, cooldown], ["m2"]), 1);
  });

  test(`${label}: a script off the list is refused, by source or by SHA-1`, async () => {
    const own = "redis.call('SET', KEYS[1], 'x'); return 1";
    await assert.rejects(redis.eval(own, [k("own")], []), /script is not allowed/);
    await assert.rejects(redis.scriptLoad(own), /script is not allowed/);
    await assert.rejects(redis.evalsha("0".repeat(40), [k("own")], []), /script is not allowed/);
    assert.equal(await redis.get(k("own")), null);
  });

  test(`${label}: a command error surfaces as an error with Redis' message`, async () => {
    await redis.set(k("str"), "x");
    await assert.rejects(redis.hget(k("str"), "f"), /WRONGTYPE/);
  });

  test(`${label}: a pipeline error is reported for its own command`, async () => {
    await redis.set(k("pe"), "x");
    const p = redis.pipeline();
    p.get(k("pe"));
    p.hget(k("pe"), "f");
    const results = await p.exec({ keepErrors: true });
    assert.equal(results[0].result, "x");
    assert.match(results[1].error, /WRONGTYPE/);
  });
}

test("a wrong token is refused", async () => {
  const wrong = new Redis({ url, token: token + "x", retry: false, enableTelemetry: false });
  await assert.rejects(wrong.get(key("any")), /Unauthorized/);
});
