// ALTCHA's own JavaScript library (npm altcha-lib, pinned in .tools/altcha) against a running
// proxy: fetch a challenge, solve it with the library, create a customer with the solution.
// Usage: node altcha_interop.cjs TOOLS_DIR BASE_URL; prints the create's status and body.
const { createRequire } = require('node:module');
const [tools, base] = process.argv.slice(2);
const library = createRequire(`${require('node:path').resolve(tools)}/node_modules/`);
const { solveChallenge } = library('altcha-lib');
const { deriveKey } = library('altcha-lib/algorithms/pbkdf2');

(async () => {
  const challenge = await (await fetch(`${base}/api/challenge`)).json();
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('altcha-lib found no solution');
  const header = Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
  const response = await fetch(`${base}/api/customers`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
      'x-altcha': header,
    },
    body: JSON.stringify({ first_name: 'Alt', last_name: 'Cha', phone_number: '+1-555-123-4567' }),
  });
  console.log(response.status, await response.text());
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
