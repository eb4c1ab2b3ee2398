// Node entry: the wasm module is loaded synchronously at import, so no init call is needed.
// `init` and `initSync` exist (and do nothing) so code written for the browser runs as-is.
// The locale packs are read from the package's `locales/` the first time they are asked for.
import { readFileSync } from 'node:fs';
import glue from './customer_validation_js.cjs';
import { makeApi, localeOf } from './api.js';

export { CUSTOMER_TYPES, STATUSES, LIMITS, LOCALES } from './api.js';

const packs = new Map();
const packOf = (tag) => {
  if (!packs.has(tag)) packs.set(tag, JSON.parse(readFileSync(new URL(`../locales/${tag}.json`, import.meta.url), 'utf8')));
  return packs.get(tag);
};

const api = makeApi(glue, packOf);

export default async function init() {}
export function initSync() {}
/** Node reads packs when they are needed; this only tells which one `locale` resolves to. */
export async function loadLocale(locale) {
  const tag = localeOf({ locale });
  if (tag !== 'en') packOf(tag);
  return tag;
}
export const { validateCustomer, validateField, normalizePhone, validateMany } = api;
