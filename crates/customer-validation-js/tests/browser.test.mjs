// The browser build of the package, called from JavaScript in headless Chromium and Firefox: a page loads
// `web/index.js` as an ES module, awaits `init()` (which fetches the .wasm by URL), runs every
// shared vector and the API checks, and posts its findings back to this test's server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';

const pkg = new URL('../pkg/', import.meta.url);
const vectorsUrl = new URL('../../../../shared/vectors/customers.json', import.meta.url);

const PAGE = `<!doctype html><meta charset="utf-8"><title>package test</title>
<script type="module">
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
let count = 0;
try {
  const mod = await import('/pkg/web/index.js');
  let threw = false;
  try { mod.validateCustomer({}); } catch { threw = true; }
  check(threw, 'validators throw before init()');
  await mod.default();
  await mod.default();
  const { cases } = await (await fetch('/vectors.json')).json();
  for (const c of cases) {
    const r = mod.validateCustomer(c.input);
    count++;
    check(r.valid === c.valid, c.name + ': verdict');
    if (c.valid) check(JSON.stringify(r.value) === JSON.stringify(Object.fromEntries(Object.keys(r.value).map((k) => [k, c.value[k]]))) && Object.keys(r.value).length === Object.keys(c.value).length, c.name + ': value');
    else check(JSON.stringify(r.errors.map(({ field, code }) => ({ field, code }))) === JSON.stringify(c.errors), c.name + ': errors');
  }
  check(mod.validateField('email', 'a@b') !== null, 'validateField finds a bad email');
  check(mod.validateField('email', 'a@b.co') === null, 'validateField passes a good email');
  check(mod.normalizePhone('+1 (555) 123-4567') === '+15551234567', 'normalizePhone');
  check(mod.LIMITS.first_name === 100 && mod.CUSTOMER_TYPES.length === 7, 'constants');
  // Locale packs: fetched by loadLocale from the package's locales/, required before use.
  let unloaded = false;
  try { mod.validateField('email', 'a@b', { locale: 'fr' }); } catch (e) { unloaded = /loadLocale/.test(e.message); }
  check(unloaded, 'a pack not loaded yet is a clear error');
  check(await mod.loadLocale(['fr-CA']) === 'fr', 'loadLocale resolves fr-CA to fr');
  const fr = await (await fetch('/pkg/locales/fr.json')).json();
  check(mod.validateField('email', 'a@b', { locale: 'fr-CA' })?.message === fr['email.invalid_email'], 'French message');
  check(mod.validateField('first_name', 'x'.repeat(101), { locale: 'fr' })?.message === fr['first_name.too_long'].replace('{max}', '100'), 'French limit filled');
  check(await mod.loadLocale('xx') === 'en', 'an unknown language is English, nothing to load');
  // This test's server has no Japanese pack: a clear rejection, and the pack stays unloaded.
  const [first, second] = await Promise.allSettled([mod.loadLocale('ja'), mod.loadLocale('ja-JP')]);
  check(first.status === 'rejected' && /"ja".*HTTP 404/.test(first.reason?.message), 'a pack that fails to load rejects: ' + first.reason);
  check(second.status === 'rejected', 'so does a second call waiting for the same pack');
  let stillUnloaded = false;
  try { mod.validateField('email', 'a@b', { locale: 'ja' }); } catch (e) { stillUnloaded = /loadLocale/.test(e.message); }
  check(stillUnloaded, 'a pack that failed is not used');
} catch (e) {
  failures.push('exception: ' + e);
}
await fetch('/result', { method: 'POST', body: JSON.stringify({ count, failures }) });
</script>`;

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

// Each engine the package is tested in, started as a plain headless browser on the page (no
// WebDriver needed: the page posts its findings back). WebKit is covered by the end-to-end
// suite, whose MiniBrowser needs a WebDriver session to open a page.
const BROWSERS = {
  chromium: (profile, url) => [process.env.CHROMIUM ?? 'chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`, url,
  ]],
  firefox: (profile, url) => [process.env.FIREFOX ?? 'firefox-esr', [
    '-headless', '-no-remote', '-profile', profile, url,
  ]],
};

for (const [name, command] of Object.entries(BROWSERS)) test(`the browser build validates every shared vector in headless ${name}`, async () => {
  let resolveResult;
  const result = new Promise((resolve) => { resolveResult = resolve; });
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/result') {
        let body = '';
        for await (const chunk of req) body += chunk;
        res.end('ok');
        resolveResult(JSON.parse(body));
      } else if (req.url === '/') {
        res.setHeader('content-type', 'text/html');
        res.end(PAGE);
      } else if (req.url === '/vectors.json') {
        res.setHeader('content-type', TYPES['.json']);
        res.end(await readFile(vectorsUrl));
      } else if (req.url === '/pkg/locales/ja.json') {
        res.statusCode = 404;
        res.end();
      } else if (req.url.startsWith('/pkg/') && !normalize(req.url).includes('..')) {
        const path = new URL(req.url.slice('/pkg/'.length), pkg);
        res.setHeader('content-type', TYPES[req.url.slice(req.url.lastIndexOf('.'))] ?? 'application/octet-stream');
        res.end(await readFile(path));
      } else {
        res.statusCode = 404;
        res.end();
      }
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profile = await mkdtemp(join(tmpdir(), `signup-${name}-`));
  const [program, args] = command(profile, `http://127.0.0.1:${server.address().port}/`);
  const browser = spawn(program, args, { stdio: 'ignore' });
  try {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no result from the page within 60 s')), 60_000).unref());
    const { count, failures } = await Promise.race([result, timeout]);
    assert.deepEqual(failures, []);
    assert.ok(count >= 50, `only ${count} vectors ran`);
  } finally {
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    browser.kill('SIGKILL');
    server.close();
    if (browser.exitCode === null && browser.signalCode === null) await exited;
    // The browser's helper processes can still be writing to the profile for a moment after the
    // browser is gone (ENOTEMPTY was seen in CI): retry rather than fail the test over it.
    await rm(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
});
