// The widget's network calls: the create, its retries, and the proof of work it carries.
//
// In JavaScript rather than Rust for the size budget: the same logic in Rust through web-sys
// cost 3.2 kB brotli more (measured). The proof of work (ALTCHA Proof-of-Work v2,
// PBKDF2/SHA-256) is solved with WebCrypto, whose PBKDF2 is the browser's native code, run off
// the main thread a few derivations at a time; no worker, so cross-origin pages need nothing
// more.

/** Attempts per create: the first and up to three retries. */
const ATTEMPTS = 4;
/** The first retry waits about this long (ms); each later one twice as long, with jitter. */
const BACKOFF = 500;
/** A longer `Retry-After` (ms) ends the retries: the person is told to try later instead. */
const RETRY_AFTER_MAX = 30_000;
/** Derivations in flight at once while solving. */
const BATCH = 4;

// The idempotency key of the pending submission to an endpoint, kept in sessionStorage with its
// payload until the customer exists, so that a retry, or a submit after a reload, reuses it.
// Without storage (private modes may refuse it) the key still covers this page's retries.
const KEY = (endpoint) => `signup-form:${endpoint}:key`;
const PAYLOAD = (endpoint) => `signup-form:${endpoint}:payload`;
const stored = (name) => {
  try {
    return sessionStorage.getItem(name);
  } catch {
    return null;
  }
};

/** Field `name` of the submission to `endpoint` that was not confirmed, or ''. */
export function saved(endpoint, name) {
  try {
    const value = JSON.parse(stored(PAYLOAD(endpoint)))[name];
    return typeof value == 'string' ? value : '';
  } catch {
    return '';
  }
}

/** The key for `payload`: the remembered one when the payload is the same, else a new one. */
export function keyFor(endpoint, payload) {
  let key = stored(PAYLOAD(endpoint)) === payload && stored(KEY(endpoint));
  if (!key) {
    key = crypto.randomUUID();
    try {
      sessionStorage.setItem(KEY(endpoint), key);
      sessionStorage.setItem(PAYLOAD(endpoint), payload);
    } catch {}
  }
  return key;
}

/** Forgets the pending submission: it succeeded, or its key can no longer be used. */
export function forget(endpoint) {
  try {
    sessionStorage.removeItem(KEY(endpoint));
    sessionStorage.removeItem(PAYLOAD(endpoint));
  } catch {}
}

/** `value[key]`, or undefined when `value` is null or undefined. */
export const get = (value, key) => value?.[key];

/** Focuses the element with this id (a summary link's target), if any. */
export const focus = (id) => document.getElementById(id)?.focus();

/** Focuses the first field of `form` marked invalid, after the updates queued now (microtasks). */
export const focusInvalid = (form) => setTimeout(() => form.querySelector('[aria-invalid=true]')?.focus());

/** A create's payload: a new one, a field set, its JSON text. */
export const payload = () => ({});
export const set = (payload, name, value) => (payload[name] = value);
export const json = (payload) => JSON.stringify(payload);

/** Dispatches a bubbling, composed `name` event with `detail` on `target` (out of shadow roots). */
export const dispatch = (target, name, detail) =>
  target.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail }));

/**
 * The text under `key` (else `fallback`) in the embedder's `messages`, else in the locale
 * `pack`, with the rules' `max` (when not 0) and `values` (when given) for its placeholders.
 */
export function text(messages, pack, key, fallback, max, values) {
  for (const texts of [messages, pack]) {
    for (const name of [key, fallback]) {
      const found = name && texts?.[name];
      if (typeof found == 'string') {
        return found.replaceAll('{max}', max || '{max}').replaceAll('{values}', values ?? '{values}');
      }
    }
  }
}

/** A `customer-error` event's detail: what the form says, and the server's answer (if any). */
export const failure = (status, message, body) => ({ status, message, errors: body?.errors, body });

/** The proof in the making per endpoint: `{promise, done}`. */
const proofs = new Map();

/**
 * The proof of work for the next create at `endpoint`: solving starts at the first call (the
 * form's first focus), or anew with `renew` (the last one was used or refused).
 * @param {string} endpoint
 * @param {boolean} [renew]
 * @returns {Promise<string>} the `x-altcha` header, or '' when there is none to be had (the
 *   create's answer then says why)
 */
export function proof(endpoint, renew) {
  let entry = proofs.get(endpoint);
  if (!entry || renew) {
    entry = { done: false };
    entry.promise = solve(endpoint)
      .catch(() => '')
      .finally(() => (entry.done = true));
    proofs.set(endpoint, entry);
  }
  return entry.promise;
}

/** Whether the proof for `endpoint` is ready. */
export const solved = (endpoint) => !!proofs.get(endpoint)?.done;

/** Fetches a challenge beside `endpoint` (`/api/customers` -> `/api/challenge`) and solves it. */
async function solve(endpoint) {
  const start = performance.now();
  const response = await fetch(new URL('challenge', new URL(endpoint, location.href)), { cache: 'no-store' });
  if (!response.ok) throw response.status;
  const challenge = await response.json();
  const { algorithm, cost, keyLength, keyPrefix, nonce, salt } = challenge.parameters;
  const [name, hash] = algorithm.split('/');
  const bytes = (hex) => Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
  const password = new Uint8Array([...bytes(nonce), 0, 0, 0, 0]);
  const parameters = { name, hash, salt: bytes(salt), iterations: cost };
  const derive = async (counter) => {
    const attempt = password.slice();
    new DataView(attempt.buffer).setUint32(attempt.length - 4, counter);
    const key = await crypto.subtle.importKey('raw', attempt, name, false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits(parameters, key, keyLength * 8);
    return Array.from(new Uint8Array(bits), (byte) => byte.toString(16).padStart(2, '0')).join('');
  };
  // Our proxy's counters are below 600: many more attempts mean the challenge is not ours.
  for (let counter = 0; counter < 5e3; counter += BATCH) {
    const keys = await Promise.all(Array.from({ length: BATCH }, (_, i) => derive(counter + i)));
    const found = keys.findIndex((key) => key.startsWith(keyPrefix));
    if (found >= 0) {
      // For embedders' and our own timing: from the fetch to the solution.
      performance.measure('signup-form:solve', { start });
      const solution = { counter: counter + found, derivedKey: keys[found] };
      return btoa(JSON.stringify({ challenge, solution }));
    }
  }
  throw algorithm;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts `payload` (JSON) to `endpoint` with the idempotency key `key` and a proof of work,
 * retrying network errors, 5xx and 429 with the same key and proof; a proof the server refused
 * (expired, or used by the create before) is replaced once.
 * @returns {Promise<{status: number, body?: unknown, refused?: boolean}>} the final answer and
 *   its JSON body; status 0 when no attempt got an answer (`refused`: the server answers, but
 *   not to this page's origin)
 */
export async function send(endpoint, payload, key) {
  let renew = false;
  let renewed = false;
  for (let attempt = 1; ; attempt++) {
    const last = attempt == ATTEMPTS;
    const backoff = BACKOFF * 2 ** (attempt - 1) * (0.5 + Math.random());
    const headers = { 'content-type': 'application/json', 'idempotency-key': key };
    const altcha = await proof(endpoint, renew);
    renew = false;
    if (altcha) headers['x-altcha'] = altcha;
    let response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers, body: payload });
    } catch {
      // Cross-origin and the server is up (an opaque `no-cors` request succeeds): the failure
      // is CORS, which retrying cannot help.
      if (
        new URL(endpoint, location.href).origin != location.origin &&
        (await fetch(endpoint, { mode: 'no-cors' }).then(() => true, () => false))
      ) {
        return { status: 0, refused: true };
      }
      if (last) return { status: 0 };
      await sleep(backoff);
      continue;
    }
    const { status } = response;
    const after = response.headers.get('retry-after');
    const wait = after == null ? backoff : /^\s*\d+\s*$/.test(after) ? after * 1000 : NaN;
    if ((status == 429 || status >= 500) && !last && wait <= RETRY_AFTER_MAX) {
      await sleep(wait);
      continue;
    }
    const body = await response.json().catch(() => undefined);
    if (status == 403 && !renewed && body?.code?.startsWith('challenge_')) {
      renew = renewed = true;
      attempt--;
      continue;
    }
    // A solution is spent by every answer past its check (the rules, the per-IP limit and the
    // check itself come first): the next one is solved meanwhile.
    if (![400, 403, 413, 415, 429].includes(status)) proof(endpoint, true);
    return { status, body };
  }
}
