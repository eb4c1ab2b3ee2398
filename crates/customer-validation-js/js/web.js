// Browser (ESM) entry: `await init()` loads the .wasm beside this file by URL, or
// `initSync({ module })` with bytes or a WebAssembly.Module you already have.
import initWasm, * as glue from './customer_validation_js.js';
import { makeApi, localeOf } from './api.js';

export { CUSTOMER_TYPES, STATUSES, LIMITS, LOCALES } from './api.js';

let api = null;

// Locale packs, fetched from the package's `locales/` by `loadLocale` before they are used.
const packs = new Map();
const pending = new Map();
const packOf = (tag) => {
  const pack = packs.get(tag);
  if (pack === undefined) throw new Error(`@signup/customer-validation: the "${tag}" messages are not loaded: \`await loadLocale('${tag}')\` first`);
  return pack;
};

/** Fetches the pack `locale` (a tag, or a list best first) resolves to, once; resolves to its tag (`en`: none needed). */
export async function loadLocale(locale) {
  const tag = localeOf({ locale });
  if (tag !== 'en' && !packs.has(tag)) {
    // Loaded once, however many ask at the same time.
    let loading = pending.get(tag);
    if (loading === undefined) {
      loading = fetch(new URL(`../locales/${tag}.json`, import.meta.url)).then(async (response) => {
        if (!response.ok) throw new Error(`@signup/customer-validation: the "${tag}" messages could not be loaded (HTTP ${response.status})`);
        packs.set(tag, await response.json());
      }).finally(() => pending.delete(tag));
      pending.set(tag, loading);
    }
    await loading;
  }
  return tag;
}

function ready() {
  if (api === null) throw new Error('@signup/customer-validation: call `await init()` (or `initSync`) before using the validators');
  return api;
}

/** Loads and instantiates the wasm module; resolves when the validators are ready. */
export default async function init(moduleOrPath) {
  if (api === null) {
    await initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
    api = makeApi(glue, packOf);
  }
}

/** Instantiates the wasm module synchronously from its bytes or a compiled module. */
export function initSync(module) {
  if (api === null) {
    glue.initSync({ module });
    api = makeApi(glue, packOf);
  }
}

export const validateCustomer = (input, options) => ready().validateCustomer(input, options);
export const validateField = (field, value, options) => ready().validateField(field, value, options);
export const normalizePhone = (text) => ready().normalizePhone(text);
export const validateMany = (records, options) => ready().validateMany(records, options);
