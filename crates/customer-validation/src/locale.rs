//! Which language a visitor reads: the locale packs that exist and the choice among them.
//!
//! English is built in (every message of this crate, and the widget's own texts); the packs
//! translate it (`web/locales/TAG.json`, keyed by [`crate::FieldError::key`] and the widget's
//! text keys). A requested tag falls back by subtags (`pt-PT` → `pt` → English), and a bare
//! language reaches its one pack (`pt` → `pt-BR`, `zh` → `zh-CN`).
//!
//! ```
//! use customer_validation::locale::resolve;
//!
//! assert_eq!(resolve(["fr-CA"]), "fr");
//! assert_eq!(resolve(["pt-PT"]), "pt-BR");
//! assert_eq!(resolve(["sv-SE", "de-AT"]), "de");
//! assert_eq!(resolve(["sv", "en-GB", "fr"]), "en");
//! assert_eq!(resolve(["tlh"]), "en");
//! ```

/// The built-in language: no pack to load.
pub const ENGLISH: &str = "en";

/// The tags of the packs, as their files are named.
pub const PACKS: [&str; 11] = [
    "ar", "de", "es", "fr", "it", "ja", "nl", "pl", "pt-BR", "tr", "zh-CN",
];

/// Bare languages whose one pack has a region in its name.
const ALIASES: [(&str, &str); 2] = [("pt", "pt-BR"), ("zh", "zh-CN")];

/// The language to show for `candidates` (BCP 47 tags, best first, case and `_` or `-`
/// as they come): the first whose fallback chain reaches English or a pack. [`ENGLISH`]
/// when none does.
pub fn resolve<'a>(candidates: impl IntoIterator<Item = &'a str>) -> &'static str {
    for candidate in candidates {
        let mut tag = candidate.trim();
        while !tag.is_empty() {
            if let Some(found) = known(tag) {
                return found;
            }
            // `zh-Hans-CN` → `zh-Hans` → `zh`.
            tag = tag.rfind(['-', '_']).map_or("", |end| &tag[..end]);
        }
    }
    ENGLISH
}

/// The pack (or English) named exactly `tag`, in any case, with `_` for `-`.
fn known(tag: &str) -> Option<&'static str> {
    let same = |name: &str| {
        name.len() == tag.len()
            && name
                .bytes()
                .zip(tag.bytes())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == b'-' && b == b'_'))
    };
    if same(ENGLISH) {
        return Some(ENGLISH);
    }
    PACKS.into_iter().find(|name| same(name)).or_else(|| {
        ALIASES
            .into_iter()
            .find(|(alias, _)| same(alias))
            .map(|(_, pack)| pack)
    })
}
