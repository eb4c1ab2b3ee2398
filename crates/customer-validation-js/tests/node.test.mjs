// The built package (`cargo xtask js`) from Node, through its `exports` map: every shared
// vector, and the shape of the API. Run by `cargo xtask test` with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import init, {
  validateCustomer, validateField, normalizePhone, validateMany, initSync,
  CUSTOMER_TYPES, STATUSES, LIMITS,
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
