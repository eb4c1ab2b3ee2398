// Node entry: the wasm module is loaded synchronously at import, so no init call is needed.
// `init` and `initSync` exist (and do nothing) so code written for the browser runs as-is.
import glue from './customer_validation_js.cjs';
import { makeApi } from './api.js';

export { CUSTOMER_TYPES, STATUSES, LIMITS } from './api.js';

const api = makeApi(glue);

export default async function init() {}
export function initSync() {}
export const { validateCustomer, validateField, normalizePhone, validateMany } = api;
