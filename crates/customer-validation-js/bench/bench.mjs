// `cargo xtask bench-js`: ns/record of validateCustomer against valibot and zod on the same
// records, in one Node process, passes alternating between the three; then the browser
// build's size. Usage: node bench.mjs RECORDS.json VALIBOT_DIR ZOD_DIR PKG_DIR (each library
// installed into a folder of its own)
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const [recordsPath, valibotDir, zodDir, pkgDir] = process.argv.slice(2);
const records = JSON.parse(readFileSync(recordsPath, 'utf8'));
const load = (name, dir) =>
  import(pathToFileURL(createRequire(pathToFileURL(`${dir}/`)).resolve(name)).href);
const v = await load('valibot', valibotDir);
const { z } = await load('zod', zodDir);
const ours = await import(pathToFileURL(`${pkgDir}/node/index.js`).href);

// The nearest each library gets to our rules with its own building blocks. They cannot check
// that a phone number's length is possible for its country code, nor validator.js's email
// grammar, so they do less work than ours does.
const CONTROL = /^[^\p{Cc}\u202A-\u202E\u2066-\u2069]*$/u;
const PHONE = /^\+[0-9 ()-]*$/;
const TYPES = ['Individual', 'Startup', 'Small Business', 'Medium Business', 'Enterprise', 'Non-Profit', 'Government'];
const STATUSES = ['ACTIVE', 'BLACKLISTED', 'DEACTIVATED'];

const vName = v.pipe(v.string(), v.trim(), v.nonEmpty(), v.maxLength(100), v.regex(CONTROL));
const valibotSchema = v.object({
  first_name: vName,
  last_name: vName,
  phone_number: v.pipe(v.string(), v.trim(), v.nonEmpty(), v.maxLength(20), v.regex(PHONE)),
  email: v.nullish(v.pipe(v.string(), v.trim(), v.toLowerCase(), v.maxLength(255), v.email())),
  customer_type: v.nullish(v.picklist(TYPES), 'Individual'),
  status: v.nullish(v.picklist(STATUSES), 'ACTIVE'),
});

const zName = z.string().trim().min(1).max(100).regex(CONTROL);
const zodSchema = z.object({
  first_name: zName,
  last_name: zName,
  phone_number: z.string().trim().min(1).max(20).regex(PHONE),
  email: z.string().trim().toLowerCase().max(255).pipe(z.email()).nullish(),
  customer_type: z.enum(TYPES).nullish().transform((t) => t ?? 'Individual'),
  status: z.enum(STATUSES).nullish().transform((s) => s ?? 'ACTIVE'),
});

const contenders = {
  'customer-validation (wasm)': (r) => ours.validateCustomer(r).valid,
  valibot: (r) => v.safeParse(valibotSchema, r).success,
  zod: (r) => zodSchema.safeParse(r).success,
};

for (const [name, check] of Object.entries(contenders)) {
  const valid = records.filter(check).length;
  console.log(`${name}: ${valid} of ${records.length} records valid`);
}

const PASSES = 30;
const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
let sink = 0;
for (let pass = 0; pass < PASSES; pass++) {
  const names = Object.keys(contenders);
  // Rotate the order each pass so no library always runs first or last.
  const order = names.slice(pass % names.length).concat(names.slice(0, pass % names.length));
  for (const name of order) {
    const check = contenders[name];
    const start = process.hrtime.bigint();
    for (let i = 0; i < records.length; i++) sink += check(records[i]) ? 1 : 0;
    const ns = Number(process.hrtime.bigint() - start);
    if (pass >= 5) times[name].push(ns / records.length); // the first passes warm up the JIT
  }
}
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(`\nns/record, median of ${PASSES - 5} passes over ${records.length} records (sink ${sink}):`);
for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(28)} ${median(xs).toFixed(0).padStart(6)} ns`);

let raw = 0, gz = 0, br = 0;
for (const file of readdirSync(`${pkgDir}/web`)) {
  const bytes = readFileSync(`${pkgDir}/web/${file}`);
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
  br += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
}
console.log(`\nbrowser build (web/: .wasm + glue and wrapper JS): ${raw} bytes, ${gz} gzip, ${br} brotli`);
