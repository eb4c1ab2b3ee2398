// The JavaScript face of customer-validation. No rule lives here: this file reads the six
// fields, writes their text as UTF-8 into a buffer in the wasm module's memory, passes their
// types and lengths as numbers, and builds the results from the numbers the module leaves
// and from tables generated from the Rust crate (tables.js).

import { TABLES } from './tables.js';
import { locale, PACKS } from './locale.js';

const API_FIELDS = ['first_name', 'last_name', 'phone_number', 'email', 'customer_type', 'status'];
const { fields: fieldNames, codes, messages, customerTypes, statuses } = TABLES;
const [nameMax, phoneMax, emailMax] = TABLES.limits;
const fieldIndex = new Map(API_FIELDS.map((field) => [field, fieldNames.indexOf(field)]));

/** The customer types, in the API documentation's order (for a `<select>`). */
export const CUSTOMER_TYPES = Object.freeze([...customerTypes]);
/** The statuses. */
export const STATUSES = Object.freeze([...statuses]);
/** The longest value of each text field, in characters (for `maxlength`). */
export const LIMITS = Object.freeze({ first_name: nameMax, last_name: nameMax, phone_number: phoneMax, email: emailMax });
/** The languages of the messages: English (built in), then the locale packs. */
export const LOCALES = Object.freeze(['en', ...PACKS]);

/** The rules' values for a translated message's placeholders, by field name. */
const VALUES = { customer_type: customerTypes.join(', '), status: statuses.join(', ') };

/** The pack tag `options.locale` (a tag, or a list best first) resolves to; `en` for none. */
export const localeOf = (options) => {
  const asked = options?.locale;
  if (asked === undefined) return 'en';
  if (typeof asked == 'string') return locale([asked]);
  if (!Array.isArray(asked)) throw new TypeError('options.locale: expected a BCP 47 tag or an array of them');
  return locale(asked);
};

/**
 * The texts `options` asks for: its `messages`, then the pack of its `locale` (from
 * `packOf(tag)`, which throws when that pack cannot be had); undefined for plain English.
 */
function textsOf(options, packOf) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw new TypeError('expected an options object: { messages?, locale? }');
  const tag = localeOf(options);
  const pack = tag === 'en' ? undefined : packOf(tag);
  const { messages } = options;
  if (messages !== undefined && (messages === null || typeof messages !== 'object')) {
    throw new TypeError('options.messages: expected an object of texts keyed `field.code` or `code`');
  }
  return messages === undefined && pack === undefined ? undefined : [messages, pack];
}

/** The JSON type of a value as the wasm module encodes it (see `Kind` in src/lib.rs). */
function kindOf(value) {
  if (value === undefined) return 0;
  if (value === null) return 1;
  switch (typeof value) {
    case 'string': return 2;
    case 'boolean': return 3;
    case 'number': case 'bigint': return 4;
    default: return Array.isArray(value) ? 5 : 6;
  }
}

/**
 * Builds the public API over the wasm-bindgen glue `glue`, once it is initialized; `packOf(tag)`
 * gives a locale pack's texts (or throws why it cannot).
 */
export function makeApi(glue, packOf) {
  const codeCount = codes.length;
  const memory = glue.wasmMemory();
  const outAddress = glue.outAddress();
  let out = new Float64Array(memory.buffer, outAddress, 12);
  // The input buffer in the module's memory, where `put` writes each field's UTF-8.
  let inCapacity = 4096;
  let inAddress = glue.inputBuffer(inCapacity);
  let inBytes = new Uint8Array(memory.buffer, inAddress, inCapacity);

  /** Makes room for `units` UTF-16 units of text (3 UTF-8 bytes each at most). */
  function reserve(units) {
    if (units * 3 > inCapacity) {
      inCapacity = Math.max(units * 3, inCapacity * 2);
      inAddress = glue.inputBuffer(inCapacity);
      inBytes = new Uint8Array(memory.buffer, inAddress, inCapacity);
    } else if (inBytes.length === 0) {
      // The memory grew, which detaches its old buffer and empties every view of it.
      inBytes = new Uint8Array(memory.buffer, inAddress, inCapacity);
    }
  }

  /**
   * Writes `text` as UTF-8 at `at` in the input buffer; returns the bytes written. By hand, as
   * TextEncoder does it (a lone surrogate becomes U+FFFD): for the short texts of a form a
   * loop is several times cheaper than a call to `encodeInto`.
   */
  function put(text, at) {
    let p = at;
    for (let i = 0, n = text.length; i < n; i++) {
      let unit = text.charCodeAt(i);
      if (unit < 0x80) {
        inBytes[p++] = unit;
        continue;
      }
      if (unit < 0x800) {
        inBytes[p++] = 0xc0 | (unit >> 6);
        inBytes[p++] = 0x80 | (unit & 0x3f);
        continue;
      }
      if (unit >= 0xd800 && unit < 0xe000) {
        const next = unit < 0xdc00 && i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (next >= 0xdc00 && next < 0xe000) {
          const point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
          inBytes[p++] = 0xf0 | (point >> 18);
          inBytes[p++] = 0x80 | ((point >> 12) & 0x3f);
          inBytes[p++] = 0x80 | ((point >> 6) & 0x3f);
          inBytes[p++] = 0x80 | (point & 0x3f);
          i++;
          continue;
        }
        unit = 0xfffd;
      }
      inBytes[p++] = 0xe0 | (unit >> 12);
      inBytes[p++] = 0x80 | ((unit >> 6) & 0x3f);
      inBytes[p++] = 0x80 | (unit & 0x3f);
    }
    return p - at;
  }

  /**
   * One failed field. With `texts` (an embedder's messages, then a pack) its message is the
   * first of: the messages' `field.code`, their `code`, the pack's; `{max}` and `{values}`
   * filled from the rules.
   */
  function error(field, code, texts) {
    const name = fieldNames[field];
    const codeName = codes[code - 1];
    let message = messages[field * codeCount + code - 1];
    if (texts !== undefined) {
      const key = name ? `${name}.${codeName}` : codeName;
      for (const found of [texts[0]?.[key], texts[0]?.[codeName], texts[1]?.[key]]) {
        if (typeof found === 'string') {
          message = found.replaceAll('{max}', LIMITS[name] ?? '{max}').replaceAll('{values}', VALUES[name] ?? '{values}');
          break;
        }
      }
    }
    return { field: name, code: codeName, message };
  }

  function invalid(packed, texts) {
    const errors = [];
    const list = [];
    for (let field = 0; field < fieldNames.length; field++) {
      const code = (packed >>> (4 * field)) & 15;
      if (code !== 0) {
        const e = error(field, code, texts);
        errors.push(e);
        list.push(e.message);
      }
    }
    return { valid: false, errors, messages: list };
  }

  function validateCustomer(record, options) {
    const texts = textsOf(options, packOf);
    const body = kindOf(record);
    if (body !== 6) return invalid(glue.validateInput(body, 0, 0, 0, 0, 0, 0, 0), texts);
    // Unrolled on purpose: this is the hot path of every caller.
    const a = record.first_name, b = record.last_name, c = record.phone_number;
    const d = record.email, e = record.customer_type, f = record.status;
    const ka = kindOf(a), kb = kindOf(b), kc = kindOf(c), kd = kindOf(d), ke = kindOf(e), kf = kindOf(f);
    const sa = ka === 2 ? a : '', sb = kb === 2 ? b : '', sc = kc === 2 ? c : '';
    const sd = kd === 2 ? d : '', se = ke === 2 ? e : '', sf = kf === 2 ? f : '';
    const kinds = ka | (kb << 3) | (kc << 6) | (kd << 9) | (ke << 12) | (kf << 15);
    reserve(sa.length + sb.length + sc.length + sd.length + se.length + sf.length);
    const la = put(sa, 0), lb = put(sb, la), lc = put(sc, la + lb);
    const ld = put(sd, la + lb + lc), le = put(se, la + lb + lc + ld), lf = put(sf, la + lb + lc + ld + le);
    const errors = glue.validateInput(6, kinds, la, lb, lc, ld, le, lf);
    if (errors !== 0) return invalid(errors, texts);
    // A view is emptied when the module's memory grows.
    if (out.length === 0) out = new Float64Array(memory.buffer, outAddress, 12);
    const value = {
      first_name: sa.slice(out[0], out[1]),
      last_name: sb.slice(out[2], out[3]),
      phone_number: sc.slice(out[4], out[5]),
      customer_type: customerTypes[out[8]],
      status: statuses[out[9]],
      phone_e164: '+' + out[10],
    };
    // The rules decide whether the email needs lower-casing; the engine's Unicode case mapping
    // (the same as Rust's) does it, which keeps Rust's case tables out of the module.
    if (out[11] === 1) value.email = sd.slice(out[6], out[7]);
    else if (out[11] === 2) value.email = sd.slice(out[6], out[7]).toLowerCase();
    return { valid: true, value, errors: [], messages: [] };
  }

  function validateField(field, value, options) {
    const texts = textsOf(options, packOf);
    const index = fieldIndex.get(field);
    if (index === undefined) {
      throw new Error(`validateField: unknown field ${JSON.stringify(String(field))}; expected one of ${API_FIELDS.join(', ')}`);
    }
    const kind = kindOf(value);
    const code = glue.checkField(index, kind, kind === 2 ? value : '');
    return code === 0 ? null : error(index, code, texts);
  }

  function normalizePhone(text) {
    if (typeof text !== 'string') {
      throw new TypeError(`normalizePhone: expected a string, got ${text === null ? 'null' : typeof text}`);
    }
    const digits = glue.phoneDigits(text);
    return digits === 0 ? null : '+' + digits;
  }

  function validateMany(records, options) {
    if (!Array.isArray(records)) {
      throw new TypeError('validateMany: expected an array of records');
    }
    return records.map((record) => validateCustomer(record, options));
  }

  return Object.freeze({ validateCustomer, validateField, normalizePhone, validateMany });
}
