//! The locale packs against the Rust code: every pack has every key of the English texts (the
//! form's own, every rule's, every customer type's option and the server's codes), the same
//! placeholders, nothing empty, and the packs are exactly those `locale.js` offers. Native: it
//! reads the files.
#![cfg(not(target_arch = "wasm32"))]

use std::{collections::BTreeSet, fs, path::Path};

use customer_validation::{CustomerType, FieldError};
use serde_json::{Map, Value};
use signup_form::{SERVER_KEYS, Text};

/// Every key a pack translates and the placeholders its text must carry, from the Rust code.
fn english() -> Vec<(String, Vec<&'static str>)> {
    let mut keys: Vec<(String, Vec<&str>)> = Text::ALL
        .iter()
        .map(|text| (text.key().to_owned(), Vec::new()))
        .collect();
    keys.extend(
        CustomerType::ALL
            .iter()
            .map(|kind| (format!("type.{kind}"), Vec::new())),
    );
    keys.extend(SERVER_KEYS.iter().map(|key| (key.to_string(), Vec::new())));
    keys.extend(FieldError::ALL.iter().map(|error| {
        let mut placeholders = Vec::new();
        if error.limit().is_some() {
            placeholders.push("{max}");
        }
        if error.values().is_some() {
            placeholders.push("{values}");
        }
        (error.key(), placeholders)
    }));
    keys
}

/// The `{name}` placeholders of a text, in order.
fn placeholders(text: &str) -> Vec<String> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| format!("{{{name}}}"))
        .collect()
}

fn locales() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")
}

/// The packs `locale.js` offers (`export const PACKS = [...]`).
fn offered() -> BTreeSet<String> {
    let script =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("locale.js")).unwrap();
    let list = script
        .split_once("export const PACKS = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .expect("locale.js exports PACKS")
        .0;
    list.split(',')
        .map(|tag| tag.trim().trim_matches('\'').to_owned())
        .filter(|tag| !tag.is_empty())
        .collect()
}

#[test]
fn the_packs_are_the_files_locale_js_offers_at_least_eleven_with_one_right_to_left() {
    let files: BTreeSet<String> = fs::read_dir(locales())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .map(|name| {
            name.strip_suffix(".json")
                .expect("only .json packs")
                .to_owned()
        })
        .collect();
    assert_eq!(files, offered());
    assert!(files.len() >= 11, "{files:?}");
    let rtl: Vec<&String> = files
        .iter()
        .filter(|tag| read(tag).get("dir") == Some(&Value::from("rtl")))
        .collect();
    assert!(rtl.iter().any(|tag| *tag == "ar"), "{rtl:?}");
}

fn read(tag: &str) -> Map<String, Value> {
    let text = fs::read_to_string(locales().join(format!("{tag}.json"))).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{tag}.json: {error}"))
}

#[test]
fn every_pack_has_every_english_key_with_its_placeholders_and_nothing_else() {
    let english = english();
    let known: BTreeSet<&str> = english.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(known.len(), english.len(), "a key is listed twice");
    for tag in offered() {
        let pack = read(&tag);
        for (key, expected) in &english {
            let text = pack
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{tag}.json lacks the text {key}"));
            assert!(!text.trim().is_empty(), "{tag}.json: {key} is empty");
            let mut found = placeholders(text);
            found.sort();
            assert_eq!(found, *expected, "{tag}.json: {key} = {text:?}");
            for number in ["100", "20", "255"] {
                assert!(
                    expected.is_empty() || !text.contains(number),
                    "{tag}.json: {key} writes a limit itself: {text:?}"
                );
            }
        }
        for (key, value) in &pack {
            match key.as_str() {
                "dir" => assert!(["ltr", "rtl"].contains(&value.as_str().unwrap_or_default())),
                key => assert!(known.contains(key), "{tag}.json has an unknown key {key}"),
            }
        }
    }
}

#[test]
fn the_english_defaults_carry_the_placeholders_a_pack_must() {
    // The rules' English messages, with their numbers and values written as placeholders, are
    // what `english()` expects of every pack.
    for error in FieldError::ALL {
        let mut template = error.message().to_owned();
        if let Some(limit) = error.limit() {
            template = template.replace(&limit.to_string(), "{max}");
        }
        if let Some(values) = error.values() {
            template = template.replace(values, "{values}");
        }
        let expected = english()
            .into_iter()
            .find(|(key, _)| *key == error.key())
            .unwrap()
            .1;
        assert_eq!(placeholders(&template), expected, "{error:?}");
    }
}
