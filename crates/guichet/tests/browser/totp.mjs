// TOTP codes for the demo accounts in the agents' journeys (RFC 6238 over RFC 4226:
// HMAC-SHA1, 30 s steps, 6 digits), computed here as an authenticator app would.

import { createHmac } from "node:crypto";

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, "").toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totpAtStep(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

export const stepNow = () => Math.floor(Date.now() / 1000 / 30);

// The code of the current step for a base32 `key`.
export const totp = (key) => totpAtStep(key, stepNow());

// A well-formed code the server cannot accept now (it takes the previous, current and next step).
export function wrongCode(key) {
  const s = stepNow();
  const near = new Set([-2, -1, 0, 1, 2].map((d) => totpAtStep(key, s + d)));
  return ["000000", "123456", "999999"].find((c) => !near.has(c));
}

// A code the server accepts now for `account`: it takes the previous, current and next step,
// but never a step at or before the last one used (a code is good once). Signing in twice within
// 30 s uses the next step's code; a third time would wait for the clock.
export async function nextCode(account) {
  for (;;) {
    const s = stepNow();
    const step = Math.max(s, account.lastStep + 1);
    if (step <= s + 1) {
      account.lastStep = step;
      return totpAtStep(account.totp, step);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
