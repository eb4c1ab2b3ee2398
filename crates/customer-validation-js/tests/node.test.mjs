// The built package (`cargo xtask js`) from Node, through its `exports` map: every shared
// vector, and the shape of the API. Run by `cargo xtask test` with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { readdirSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

import init, {
  validateCustomer, validateField, normalizePhone, validateMany, initSync, loadLocale,
  CUSTOMER_TYPES, STATUSES, LIMITS, LOCALES,
} from '@signup/customer-validation';

const vectors = JSON.parse(readFileSync(new URL('../../../../shared/vectors/customers.json', import.meta.url), 'utf8'));

test('passes every shared vector with the same verdict, value and codes as the Rust crate', () => {
  assert.ok(vectors.cases.length >= 50);
  for (const c of vectors.cases) {
    const report = validateCustomer(c.input);
    assert.equal(report.valid, c.valid, c.name);
    if (c.valid) {
      assert.deepEqual(report.value, c.value, c.name);
      assert.deepEqual(report.errors, [], c.name);
      assert.deepEqual(report.messages, [], c.name);
    } else {
      assert.equal(report.value, undefined, c.name);
      assert.deepEqual(report.errors.map(({ field, code }) => ({ field, code })), c.errors, c.name);
      assert.deepEqual(report.messages, report.errors.map((e) => e.message), c.name);
    }
  }
});

test('gives the documented messages for the doc error example', () => {
  const doc = JSON.parse(readFileSync(new URL('../../../../shared/fixtures/devdraft/error-400.json', import.meta.url), 'utf8'));
  const report = validateCustomer({ first_name: '   ', last_name: 'Doe', email: 'not-an-email', phone_number: '+1-555-123-4567-0000-99' });
  assert.deepEqual([...report.messages].sort(), [...doc.message].sort());
});

test('trims and lower-cases across non-ASCII text and astral characters', () => {
  const report = validateCustomer({
    first_name: '\u3000 Zoë 😀 ', last_name: '\tØrsted\n', phone_number: ' +44 20 7946 0958 ',
    email: '  ÉLODIE.Dupont@Exämple.FR ', customer_type: 'Startup',
  });
  assert.equal(report.valid, true);
  assert.deepEqual(report.value, {
    first_name: 'Zoë 😀', last_name: 'Ørsted', phone_number: '+44 20 7946 0958',
    email: 'élodie.dupont@exämple.fr', customer_type: 'Startup', status: 'ACTIVE',
    phone_e164: '+442079460958',
  });
  assert.equal(validateCustomer({ first_name: 'A', last_name: 'B', phone_number: '+15551234567', email: 'a@b.co' }).value.email, 'a@b.co');
});

test('reports every non-object body alone', () => {
  for (const body of [null, undefined, 'John', 42, true, [], [{ first_name: 'x' }]]) {
    assert.deepEqual(validateCustomer(body).errors, [{ field: '', code: 'invalid_body', message: 'Request body must be a JSON object' }]);
  }
});

test('reports wrong types as errors, not exceptions', () => {
  const report = validateCustomer({ first_name: 1n, last_name: {}, phone_number: ['+1'], email: false, customer_type: 3, status: {} });
  assert.deepEqual(report.errors.map((e) => `${e.field}:${e.code}`), [
    'first_name:not_a_string', 'last_name:not_a_string', 'phone_number:not_a_string',
    'email:not_a_string', 'customer_type:invalid_enum', 'status:invalid_enum',
  ]);
});

test('checks one field for live validation', () => {
  assert.equal(validateField('first_name', 'John'), null);
  assert.equal(validateField('email', ''), null);
  assert.deepEqual(validateField('email', 'john@localhost'), { field: 'email', code: 'invalid_email', message: 'Please provide a valid email address' });
  assert.deepEqual(validateField('phone_number', '555-1234'), { field: 'phone_number', code: 'missing_country_code', message: 'Phone number must start with + and a country code' });
  assert.equal(validateField('last_name', null).code, 'required');
  assert.equal(validateField('status', 'active').code, 'invalid_enum');
  assert.throws(() => validateField('role', 'x'), /unknown field "role"/);
});

test('normalizes phone numbers to E.164', () => {
  assert.equal(normalizePhone('+1 (555) 123-4567'), '+15551234567');
  assert.equal(normalizePhone('+800 1234 5678'), '+80012345678');
  assert.equal(normalizePhone('555-1234'), null);
  assert.throws(() => normalizePhone(5551234567), TypeError);
});

test('validates many records at once', () => {
  const reports = validateMany([{ first_name: 'A', last_name: 'B', phone_number: '+15551234567' }, {}]);
  assert.deepEqual(reports.map((r) => r.valid), [true, false]);
  assert.throws(() => validateMany('nope'), TypeError);
});

test('exports the constants forms need, from the Rust crate', () => {
  assert.deepEqual(CUSTOMER_TYPES, ['Individual', 'Startup', 'Small Business', 'Medium Business', 'Enterprise', 'Non-Profit', 'Government']);
  assert.deepEqual(STATUSES, ['ACTIVE', 'BLACKLISTED', 'DEACTIVATED']);
  assert.deepEqual(LIMITS, { first_name: 100, last_name: 100, phone_number: 20, email: 255 });
  assert.ok(Object.isFrozen(CUSTOMER_TYPES) && Object.isFrozen(LIMITS));
});

test('needs no init in Node, but accepts one', async () => {
  await init();
  initSync();
  assert.equal(validateField('first_name', 'x'), null);
});

test('agrees with the Rust crate on generated records', () => {
  // `cargo xtask js-test` writes the Rust verdicts of the shared benchmark mix beside the package.
  const path = new URL('../pkg/rust-verdicts.json', import.meta.url);
  const { records, verdicts } = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(records.length, verdicts.length);
  assert.ok(records.length >= 1000);
  records.forEach((record, i) => {
    const report = validateCustomer(record);
    const rust = verdicts[i];
    assert.equal(report.valid, rust.valid, JSON.stringify(record));
    if (rust.valid) assert.deepEqual(report.value, rust.value, JSON.stringify(record));
    else assert.deepEqual(report.errors, rust.errors, JSON.stringify(record));
  });
});

// --- Languages ---------------------------------------------------------------------------

const packFile = (tag) => new URL(`../pkg/locales/${tag}.json`, import.meta.url);
const pack = (tag) => JSON.parse(readFileSync(packFile(tag), 'utf8'));

test('ships the widget\'s locale packs, byte for byte, each at most 2,000 bytes brotli', () => {
  const widget = new URL('../../../web/locales/', import.meta.url);
  const files = readdirSync(widget).sort();
  assert.deepEqual(files, LOCALES.slice(1).map((tag) => `${tag}.json`).sort());
  assert.ok(LOCALES.length >= 12 && LOCALES[0] === 'en');
  for (const file of files) {
    const bytes = readFileSync(new URL(file, widget));
    assert.deepEqual(readFileSync(packFile(file.slice(0, -5))), bytes, file);
    const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    assert.ok(brotli <= 2000, `${file}: ${brotli} bytes brotli`);
  }
});

test('speaks a locale: the pack\'s messages, its placeholders filled from the rules', () => {
  const fr = pack('fr');
  const report = validateCustomer({ first_name: 'x'.repeat(101), phone_number: '555', customer_type: 'Person' }, { locale: 'fr' });
  assert.deepEqual(report.errors.map((e) => e.message), [
    fr['first_name.too_long'].replace('{max}', '100'),
    fr['last_name.required'],
    fr['phone_number.missing_country_code'],
    fr['customer_type.invalid_enum'].replace('{values}', CUSTOMER_TYPES.join(', ')),
  ]);
  assert.deepEqual(report.messages, report.errors.map((e) => e.message));
  assert.ok(report.messages[0].includes('100') && !report.messages[0].includes('{max}'));
  assert.deepEqual(report.errors.map((e) => e.code), ['too_long', 'required', 'missing_country_code', 'invalid_enum']);
  const de = pack('de');
  assert.equal(validateField('email', 'a@b', { locale: 'de-AT' }).message, de['email.invalid_email']);
  assert.equal(validateField('email', 'a@b.co', { locale: 'de' }), null);
  // Every pack, every message: no placeholder left.
  for (const tag of LOCALES) {
    for (const r of [validateCustomer({ first_name: 'x'.repeat(101), last_name: 5, phone_number: '+1 (555', email: 'x'.repeat(300), status: 'x' }, { locale: tag }), validateCustomer([], { locale: tag })]) {
      for (const message of r.messages) assert.ok(!/[{}]/.test(message), `${tag}: ${message}`);
    }
  }
});

test('falls back by subtags to English, and the caller\'s messages win over the pack', () => {
  const english = validateField('last_name', '').message;
  assert.equal(validateField('last_name', '', { locale: 'pt-PT' }).message, pack('pt-BR')['last_name.required']);
  assert.equal(validateField('last_name', '', { locale: ['sv-SE', 'ja-JP'] }).message, pack('ja')['last_name.required']);
  assert.equal(validateField('last_name', '', { locale: 'sv' }).message, english);
  assert.equal(validateField('last_name', '', { locale: ['en-GB', 'fr'] }).message, english);
  const messages = { required: 'Obligatoire !', 'first_name.required': 'Prénom ?', 'first_name.too_long': '≤ {max}' };
  const report = validateCustomer({ first_name: '', phone_number: '+15551234567' }, { locale: 'fr', messages });
  assert.deepEqual(report.messages, ['Prénom ?', 'Obligatoire !']);
  assert.equal(validateField('first_name', 'x'.repeat(101), { messages }).message, '≤ 100');
  assert.equal(validateField('first_name', '', { messages: {} }).message, 'First name is required');
  assert.throws(() => validateField('first_name', '', { messages: 'x' }), /options.messages/);
  assert.throws(() => validateField('first_name', '', 'fr'), /options object/);
  assert.throws(() => validateField('first_name', '', { locale: 5 }), /options.locale/);
  assert.throws(() => validateField('first_name', '', { locale: null }), /options.locale/);
});

test('loads a locale in Node by telling which one it resolves to', async () => {
  assert.equal(await loadLocale('zh-Hans-CN'), 'zh-CN');
  assert.equal(await loadLocale(['tlh', 'en']), 'en');
  assert.equal(await loadLocale('ar'), 'ar');
});
