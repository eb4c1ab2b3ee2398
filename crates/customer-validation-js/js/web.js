// Browser (ESM) entry: `await init()` loads the .wasm beside this file by URL, or
// `initSync({ module })` with bytes or a WebAssembly.Module you already have.
import initWasm, * as glue from './customer_validation_js.js';
import { makeApi } from './api.js';

export { CUSTOMER_TYPES, STATUSES, LIMITS } from './api.js';

let api = null;

function ready() {
  if (api === null) throw new Error('@signup/customer-validation: call `await init()` (or `initSync`) before using the validators');
  return api;
}

/** Loads and instantiates the wasm module; resolves when the validators are ready. */
export default async function init(moduleOrPath) {
  if (api === null) {
    await initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
    api = makeApi(glue);
  }
}

/** Instantiates the wasm module synchronously from its bytes or a compiled module. */
export function initSync(module) {
  if (api === null) {
    glue.initSync({ module });
    api = makeApi(glue);
  }
}

export const validateCustomer = (input) => ready().validateCustomer(input);
export const validateField = (field, value) => ready().validateField(field, value);
export const normalizePhone = (text) => ready().normalizePhone(text);
export const validateMany = (records) => ready().validateMany(records);
