// Writes the phone oracle corpus: libphonenumber-js's verdict (isPossiblePhoneNumber) and
// E.164 (parsePhoneNumber(...).number) for numbers of every calling code, every national
// length from too short to too long, with and without the national prefix, formatted with
// spaces, hyphens and parentheses. Deterministic (a seeded generator), so regenerating with the
// same library version gives the same file.
// Usage (cargo xtask gen-phone does this): node phone_corpus.cjs PACKAGE_DIR > phone_corpus.tsv
const path = require('node:path');
const dir = path.resolve(process.argv[2]);
const lib = require(dir);
const metadata = require(path.join(dir, 'metadata.min.json'));

let seed = 0x5eed1234;
const random = () => {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const digits = (n) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

/** Prefixes a national number may start with: the main region's national prefix, and strings
 * its prefix-for-parsing pattern matches (carrier codes, 0037680 ...), sampled from it. */
function prefixes(cc) {
  const main = metadata.country_calling_codes[cc][0];
  const region = metadata.countries[main] || metadata.nonGeographic[cc];
  const found = new Set();
  if (region[5]) found.add(region[5]);
  const pattern = region[7] || region[5];
  if (pattern) for (let i = 0; i < 60; i++) found.add(sample(pattern));
  found.delete('');
  return [...found];
}

/** A random string the metadata regex `pattern` (digits, \d, [...], (?:), (), |, ?, {n}, {n,m},
 * $) matches at its start. */
function sample(pattern) {
  let i = 0;
  const alternation = () => {
    const branches = [sequence()];
    while (pattern[i] === '|') {
      i++;
      branches.push(sequence());
    }
    return pick(branches);
  };
  const sequence = () => {
    let out = '';
    while (i < pattern.length && pattern[i] !== '|' && pattern[i] !== ')') {
      let atom;
      if (pattern[i] === '(') {
        i += pattern.startsWith('(?:', i) ? 3 : 1;
        const start = i;
        atom = () => {
          const save = i;
          i = start;
          const text = alternation();
          i = save;
          return text;
        };
        // Skip to the matching parenthesis.
        let depth = 1;
        while (depth) {
          if (pattern[i] === '(') depth++;
          if (pattern[i] === ')') depth--;
          i++;
        }
      } else if (pattern[i] === '[') {
        const end = pattern.indexOf(']', i);
        const body = pattern.slice(i + 1, end);
        i = end + 1;
        const set = [];
        for (let k = 0; k < body.length; k++) {
          if (body[k] === '\\' && body[k + 1] === 'd') {
            set.push(...'0123456789');
            k++;
          } else if (body[k + 1] === '-') {
            for (let c = +body[k]; c <= +body[k + 2]; c++) set.push(String(c));
            k += 2;
          } else set.push(body[k]);
        }
        atom = () => pick(set);
      } else if (pattern[i] === '\\') {
        i += 2;
        atom = () => digits(1);
      } else if (pattern[i] === '$') {
        i++;
        continue;
      } else {
        const c = pattern[i++];
        atom = () => c;
      }
      let min = 1, max = 1;
      if (pattern[i] === '?') {
        min = 0;
        i++;
      } else if (pattern[i] === '{') {
        const end = pattern.indexOf('}', i);
        const [a, b] = pattern.slice(i + 1, end).split(',');
        min = +a;
        max = b === undefined ? +a : +b;
        i = end + 1;
      }
      const count = min + Math.floor(random() * (max - min + 1));
      for (let k = 0; k < count; k++) out += atom();
    }
    return out;
  };
  return alternation();
}

/** `text` (digits) spread with spaces, hyphens and sometimes one pair of parentheses. */
function format(cc, national) {
  const style = Math.floor(random() * 4);
  if (style === 0) return `+${cc}${national}`;
  const groups = [];
  for (let rest = national; rest; ) {
    const size = 1 + Math.floor(random() * 4);
    groups.push(rest.slice(0, size));
    rest = rest.slice(size);
  }
  const sep = style === 1 ? ' ' : style === 2 ? '-' : pick([' ', '-']);
  if (style === 3 && groups.length > 1) groups[0] = `(${groups[0]})`;
  return `+${cc}${sep}${groups.join(sep)}`;
}

const lines = [];
const seen = new Set();
const add = (input) => {
  // The rules take at most 20 characters.
  if (input.length > 20 || seen.has(input)) return;
  seen.add(input);
  const possible = lib.isPossiblePhoneNumber(input);
  const parsed = lib.parsePhoneNumberFromString(input);
  const e164 = possible && parsed ? parsed.number : '';
  lines.push(`${input}\t${possible ? 1 : 0}\t${e164}`);
};
/** National numbers that select the other regions sharing `cc`: sampled from their leading
 * digits (then completed to every length) and from their number types' patterns. */
function otherRegions(cc, max) {
  const numbers = [];
  for (const id of metadata.country_calling_codes[cc].slice(1)) {
    const region = metadata.countries[id];
    if (!region) continue;
    if (region[10]) {
      for (let i = 0; i < 3; i++) {
        const start = sample(region[10]);
        for (let n = start.length; n <= max + 1; n++) numbers.push(start + digits(n - start.length));
      }
    }
    for (const type of region[11] || []) {
      if (type && type[0]) for (let i = 0; i < 3; i++) numbers.push(sample(type[0]));
    }
  }
  return numbers;
}

const codes = Object.keys(metadata.country_calling_codes).sort((a, b) => a - b);
for (const cc of codes) {
  const regions = metadata.country_calling_codes[cc];
  const lengths = new Set();
  for (const id of regions) {
    const region = metadata.countries[id] || metadata.nonGeographic[cc];
    for (const n of region[3]) lengths.add(n);
  }
  const max = Math.max(...lengths);
  const starts = prefixes(cc);
  for (let n = 1; n <= max + 2; n++) {
    for (let k = 0; k < 8; k++) add(format(cc, digits(n)));
    for (const prefix of starts) add(format(cc, prefix + digits(n)));
  }
  for (const national of otherRegions(cc, max)) {
    add(format(cc, national));
    for (const prefix of starts.slice(0, 3)) add(format(cc, prefix + national));
  }
}
process.stdout.write(lines.join('\n') + '\n');
console.error(`${lines.length} numbers`);
