//! `cargo xtask gen-phone`: regenerate the calling-code table of the phone check.
//!
//! The table (`crates/customer-validation/src/rules/phone_table.rs`) maps every country calling
//! code to the national significant number lengths libphonenumber calls "possible". It is built
//! from the metadata of a pinned `libphonenumber-js`, installed with npm into the git-ignored
//! `.tools/gen-phone` folder only when that exact version is not already there
//! ([`LIBPHONENUMBER`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use xshell::{Shell, cmd};

use crate::setup::{self, LIBPHONENUMBER};

/// The metadata file read, inside the package.
///
/// Every metadata file of the package (`min`, `max`, `mobile`, `full`) carries the same
/// `possible_lengths` for every region and for every non-geographic entity (`nonGeographic`:
/// 800, 808, 870, ...); they differ only in the regular expressions for number types and
/// digit-level validation, which this table does not use. `metadata.min.json` is the smallest
/// and the one the package's own default `isPossiblePhoneNumber` runs on, so it is read here.
/// It holds national lengths only: libphonenumber-js drops libphonenumber's "local only" lengths.
const METADATA_FILE: &str = "metadata.min.json";

/// The metadata format this generator understands: in format 4 a region (or non-geographic
/// entity) is an array whose item 0 is the calling code and item 3 the possible lengths.
const METADATA_FORMAT: u64 = 4;

/// The generated file, relative to the workspace root.
const OUTPUT: &str = "crates/customer-validation/src/rules/phone_table.rs";

/// Installs the pinned package if needed, reads its metadata and writes [`OUTPUT`].
pub(crate) fn run(sh: &Shell) -> Result<()> {
    setup::npm_tool(sh, &LIBPHONENUMBER)?;
    let package_dir = LIBPHONENUMBER.package_dir();
    let metadata_path = format!("{package_dir}/{METADATA_FILE}");
    let metadata = sh.read_file(&metadata_path).with_context(|| {
        format!(
            "cannot read {metadata_path}: delete {} and rerun",
            LIBPHONENUMBER.dir
        )
    })?;
    let metadata: Value = serde_json::from_str(&metadata).with_context(|| {
        format!(
            "{metadata_path} is not JSON: delete {} and rerun",
            LIBPHONENUMBER.dir
        )
    })?;
    let table = calling_codes(&metadata)?;
    // rustfmt runs on the text before it is written, so an unchanged table leaves the file (and
    // its modification time, which would trigger a rebuild) untouched.
    let source = cmd!(sh, "rustfmt --edition 2024 --emit stdout")
        .stdin(render(&table))
        .quiet()
        .read()
        .context("rustfmt failed: install it with `rustup component add rustfmt`")?;
    let source = source + "\n";

    let unchanged = sh.read_file(OUTPUT).is_ok_and(|old| old == source);
    if !unchanged {
        sh.write_file(OUTPUT, &source)
            .with_context(|| format!("cannot write {OUTPUT}: check the folder is writable"))?;
    }
    let version = LIBPHONENUMBER.version;
    eprintln!(
        "{OUTPUT}: {} calling codes from libphonenumber-js {version} \
         {METADATA_FILE}{}",
        table.len(),
        if unchanged { " (unchanged)" } else { "" }
    );
    Ok(())
}

/// Calling code → bit set of possible national lengths, the union over the code's regions and
/// non-geographic entities.
fn calling_codes(metadata: &Value) -> Result<BTreeMap<u16, u32>> {
    let format = metadata.get("version").and_then(Value::as_u64);
    ensure!(
        format == Some(METADATA_FORMAT),
        "{METADATA_FILE} has metadata format {format:?}, expected {METADATA_FORMAT}: \
         pin a libphonenumber-js version with format {METADATA_FORMAT} or update this generator"
    );

    let mut table = BTreeMap::new();
    for section in ["countries", "nonGeographic"] {
        let entries = metadata
            .get(section)
            .and_then(Value::as_object)
            .with_context(|| {
                format!("{METADATA_FILE} has no `{section}` object: update this generator")
            })?;
        for (name, entry) in entries {
            let (code, lengths) = entry_lengths(entry).with_context(|| {
                format!("bad `{section}.{name}` in {METADATA_FILE}: update this generator")
            })?;
            *table.entry(code).or_insert(0) |= lengths;
        }
    }

    // Every calling code the metadata lists must have got lengths from a region or entity.
    if let Some(listed) = metadata
        .get("country_calling_codes")
        .and_then(Value::as_object)
    {
        for code in listed.keys() {
            let known = code
                .parse::<u16>()
                .is_ok_and(|code| table.contains_key(&code));
            ensure!(
                known,
                "calling code {code} has no region in {METADATA_FILE}: update this generator"
            );
        }
    }
    ensure!(
        !table.is_empty(),
        "{METADATA_FILE} lists no calling codes: update this generator"
    );
    Ok(table)
}

/// One region or non-geographic entity: its calling code and its possible lengths as a bit set.
fn entry_lengths(entry: &Value) -> Result<(u16, u32)> {
    let code = entry
        .get(0)
        .and_then(Value::as_str)
        .context("item 0 is not a calling code string")?;
    let code: u16 = code
        .parse()
        .ok()
        .filter(|code| (1..=999).contains(code))
        .with_context(|| format!("calling code `{code}` is not in 1..=999"))?;
    let lengths = entry
        .get(3)
        .and_then(Value::as_array)
        .context("item 3 is not a list of possible lengths")?;
    let mut bits = 0_u32;
    for length in lengths {
        match length.as_u64() {
            Some(n @ 1..=31) => bits |= 1 << n,
            _ => bail!("possible length {length} is not in 1..=31"),
        }
    }
    ensure!(bits != 0, "calling code {code} has no possible lengths");
    Ok((code, bits))
}

/// The generated Rust source (before rustfmt).
fn render(table: &BTreeMap<u16, u32>) -> String {
    let version = LIBPHONENUMBER.version;
    let mut out = format!(
        "\
//! Country calling codes and their possible national number lengths.
//!
//! Generated by `cargo xtask gen-phone` from libphonenumber-js {version} (`{METADATA_FILE}`). Do not edit by hand.

/// Where this table comes from.
pub(crate) const SOURCE: &str = \"libphonenumber-js {version} {METADATA_FILE}\";

/// `(calling code, lengths)`, sorted by calling code. Bit `n` of `lengths` is set when a national
/// significant number of `n` digits is possible for that code (the union over the code's regions).
pub(crate) static CALLING_CODES: &[(u16, u32)] = &[
"
    );
    for (code, bits) in table {
        let _ = writeln!(
            out,
            "    ({code}, 0x{:04x}_{:04x}),",
            bits >> 16,
            bits & 0xffff
        );
    }
    out.push_str("];\n");
    out
}
