// The JavaScript face of customer-validation. No rule lives here: this file reads the six
// fields, packs them for the wasm module (one string, numbers for the rest), and builds the
// results from the numbers it returns and from tables the module provides once.

import { TABLES } from './tables.js';

const API_FIELDS = ['first_name', 'last_name', 'phone_number', 'email', 'customer_type', 'status'];
const { fields: fieldNames, codes, messages, customerTypes, statuses } = TABLES;
const [nameMax, phoneMax, emailMax] = TABLES.limits;

/** The customer types, in the API documentation's order (for a `<select>`). */
export const CUSTOMER_TYPES = Object.freeze([...customerTypes]);
/** The statuses. */
export const STATUSES = Object.freeze([...statuses]);
/** The longest value of each text field, in characters (for `maxlength`). */
export const LIMITS = Object.freeze({ first_name: nameMax, last_name: nameMax, phone_number: phoneMax, email: emailMax });

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

/** Builds the public API over the wasm-bindgen glue `glue`, once it is initialized. */
export function makeApi(glue) {
  const codeCount = codes.length;

  const fieldIndex = new Map(API_FIELDS.map((field) => [field, fieldNames.indexOf(field)]));

  function error(field, code) {
    return {
      field: fieldNames[field],
      code: codes[code - 1],
      message: messages[field * codeCount + code - 1],
    };
  }

  function invalid(packed) {
    const errors = [];
    const list = [];
    for (let field = 0; field < fieldNames.length; field++) {
      const code = (packed >>> (4 * field)) & 15;
      if (code !== 0) {
        const e = error(field, code);
        errors.push(e);
        list.push(e.message);
      }
    }
    return { valid: false, errors, messages: list };
  }

  function validateCustomer(input) {
    const body = kindOf(input);
    if (body !== 6) return invalid(glue.validatePacked(body, 0, '', 0, 0, 0, 0, 0, 0)[0]);
    // Unrolled on purpose: this is the hot path of every caller.
    const a = input.first_name, b = input.last_name, c = input.phone_number;
    const d = input.email, e = input.customer_type, f = input.status;
    const ka = kindOf(a), kb = kindOf(b), kc = kindOf(c), kd = kindOf(d), ke = kindOf(e), kf = kindOf(f);
    const sa = ka === 2 ? a : '', sb = kb === 2 ? b : '', sc = kc === 2 ? c : '';
    const sd = kd === 2 ? d : '', se = ke === 2 ? e : '', sf = kf === 2 ? f : '';
    const kinds = ka | (kb << 3) | (kc << 6) | (kd << 9) | (ke << 12) | (kf << 15);
    const out = glue.validatePacked(
      6, kinds, sa + sb + sc + sd + se + sf,
      sa.length, sb.length, sc.length, sd.length, se.length, sf.length,
    );
    if (out[0] !== 0) return invalid(out[0]);
    const value = {
      first_name: sa.slice(out[1], out[2]),
      last_name: sb.slice(out[3], out[4]),
      phone_number: sc.slice(out[5], out[6]),
      customer_type: customerTypes[out[9]],
      status: statuses[out[10]],
      phone_e164: '+' + out[11],
    };
    // The rules decide whether the email needs lower-casing; the engine's Unicode case mapping
    // (the same as Rust's) does it, which keeps Rust's case tables out of the module.
    if (out[12] === 1) value.email = sd.slice(out[7], out[8]);
    else if (out[12] === 2) value.email = sd.slice(out[7], out[8]).toLowerCase();
    return { valid: true, value, errors: [], messages: [] };
  }

  function validateField(field, value) {
    const index = fieldIndex.get(field);
    if (index === undefined) {
      throw new Error(`validateField: unknown field ${JSON.stringify(String(field))}; expected one of ${API_FIELDS.join(', ')}`);
    }
    const kind = kindOf(value);
    const code = glue.checkField(index, kind, kind === 2 ? value : '');
    return code === 0 ? null : error(index, code);
  }

  function normalizePhone(text) {
    if (typeof text !== 'string') {
      throw new TypeError(`normalizePhone: expected a string, got ${text === null ? 'null' : typeof text}`);
    }
    const digits = glue.phoneDigits(text);
    return digits === 0 ? null : '+' + digits;
  }

  function validateMany(records) {
    if (!Array.isArray(records)) {
      throw new TypeError('validateMany: expected an array of records');
    }
    return records.map(validateCustomer);
  }

  return Object.freeze({ validateCustomer, validateField, normalizePhone, validateMany });
}
