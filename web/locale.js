// Which locale pack a visitor reads. Shared by the widget (bundled into `signup-form.js`) and
// the JavaScript package (copied into it by `cargo xtask js`), so both choose alike.
//
// English is built in. Every other language is a pack, `locales/TAG.json`, translating the
// English texts by key. A tag falls back by subtags (`fr-CA` → `fr`, `de-CH-1996` → `de-CH` →
// `de`), a bare language reaches its one pack (`pt-PT` → `pt` → `pt-BR`, `zh` → `zh-CN`), and a
// tag that reaches none is English. As in CLDR, Traditional Chinese (`zh-Hant`, `zh-TW`, `zh-HK`,
// `zh-MO`) does not fall back to Simplified.

/** The packs, as their files are named. */
export const PACKS = ['ar', 'de', 'es', 'fr', 'it', 'ja', 'nl', 'pl', 'pt-BR', 'tr', 'zh-CN'];

/**
 * The language to show for `candidates` (BCP 47 tags, best first; any case, `_` or `-`): the
 * first whose fallback chain reaches English or a pack, else English.
 * @param {Iterable<string>} candidates
 * @returns {string} `en` or one of PACKS
 */
export function locale(candidates) {
  for (const candidate of candidates) {
    let tag = String(candidate).trim().replaceAll('_', '-').toLowerCase();
    if (/^zh-(hant|tw|hk|mo)\b/.test(tag)) continue;
    while (tag) {
      if (tag == 'en') return tag;
      const pack = PACKS.find((name) => name.toLowerCase() == tag || name.startsWith(tag + '-'));
      if (pack) return pack;
      // `zh-Hans-CN` → `zh-Hans` → `zh`.
      tag = tag.slice(0, Math.max(tag.lastIndexOf('-'), 0));
    }
  }
  return 'en';
}
