//! `cargo xtask gen-phone`: regenerate the numbering plans of the phone check, and its oracle
//! corpus.
//!
//! The table (`crates/customer-validation/src/rules/phone_table.rs`) holds, per country calling
//! code, what libphonenumber-js reads a `+` number with: the main region's possible national
//! lengths, its national prefix for parsing (expanded into paths, with the transform rule's
//! literal and the span it keeps), its national number pattern where that can change which
//! prefix is stripped, and the lengths of the other regions sharing the code where they differ
//! (by leading digits or number type). It is built from the metadata of a pinned
//! `libphonenumber-js`, installed with npm into the git-ignored `.tools/gen-phone` folder only
//! when that exact version is not already there ([`LIBPHONENUMBER`]).
//!
//! The corpus (`crates/customer-validation/tests/data/phone_corpus.tsv`) is that library's own
//! verdict and E.164 form for some 20,000 numbers (`phone_corpus.cjs`), which the rules' tests
//! must all agree with.

mod regex;

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

/// The generated corpus, relative to the workspace root.
const CORPUS: &str = "crates/customer-validation/tests/data/phone_corpus.tsv";

/// The corpus generator, run with Node.
const CORPUS_SCRIPT: &str = "crates/xtask/src/gen_phone/phone_corpus.cjs";

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
    let table = plans(&metadata)?;
    // rustfmt runs on the text before it is written, so an unchanged table leaves the file (and
    // its modification time, which would trigger a rebuild) untouched.
    let source = cmd!(sh, "rustfmt --edition 2024 --emit stdout")
        .stdin(render(&table)?)
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
    let corpus = cmd!(sh, "node {CORPUS_SCRIPT} {package_dir}")
        .quiet()
        .read()
        .context("the corpus generator failed: is Node.js installed?")?;
    sh.write_file(CORPUS, corpus + "\n")
        .with_context(|| format!("cannot write {CORPUS}"))?;
    eprintln!("{CORPUS}: written");
    Ok(())
}

/// How libphonenumber-js reads the numbers of one calling code.
struct Plan {
    /// Bit `n`: a national number of `n` digits is possible in the main region.
    lengths: u32,
    /// The main region's national prefix for parsing, expanded, in the order tried.
    strip: Vec<Strip>,
    /// The main region's national number pattern, expanded (full matches), where it can keep a
    /// prefix from being stripped; else empty.
    pattern: Vec<Vec<u16>>,
    /// Other regions' lengths, for the national numbers that select them.
    overrides: Vec<Override>,
}

/// One path of a national prefix: what it matches, and the national number it leaves:
/// `literal`, then the matched digits `from..to`, then everything after the match.
struct Strip {
    cells: Vec<u16>,
    anchored: bool,
    literal: String,
    from: usize,
    to: usize,
}

/// National numbers that select another region: those starting with `cells` (or equal to
/// them, when `exact`) have that region's `lengths`.
struct Override {
    cells: Vec<u16>,
    exact: bool,
    lengths: u32,
}

/// Every calling code's plan.
fn plans(metadata: &Value) -> Result<BTreeMap<u16, Plan>> {
    let format = metadata.get("version").and_then(Value::as_u64);
    ensure!(
        format == Some(METADATA_FORMAT),
        "{METADATA_FILE} has metadata format {format:?}, expected {METADATA_FORMAT}: \
         pin a libphonenumber-js version with format {METADATA_FORMAT} or update this generator"
    );
    let section = |name: &str| {
        metadata
            .get(name)
            .and_then(Value::as_object)
            .with_context(|| {
                format!("{METADATA_FILE} has no `{name}` object: update this generator")
            })
    };
    let countries = section("countries")?;
    let non_geographic = section("nonGeographic")?;
    let codes = section("country_calling_codes")?;
    let mut regions_by_code: BTreeMap<u16, Vec<&Value>> = BTreeMap::new();
    for (code, regions) in codes {
        let regions = regions
            .as_array()
            .with_context(|| format!("calling code {code} lists no regions"))?;
        let list = regions
            .iter()
            .map(|id| {
                let id = id.as_str().unwrap_or_default();
                countries
                    .get(id)
                    .or_else(|| non_geographic.get(code))
                    .with_context(|| format!("region {id} of {code} is missing"))
            })
            .collect::<Result<Vec<_>>>()?;
        regions_by_code.insert(parse_code(code)?, list);
    }
    for (code, entity) in non_geographic {
        regions_by_code
            .entry(parse_code(code)?)
            .or_insert_with(|| vec![entity]);
    }
    let mut plans = BTreeMap::new();
    for (code, regions) in regions_by_code {
        let plan = plan(&regions).with_context(|| {
            format!("calling code {code} in {METADATA_FILE}: update this generator")
        })?;
        plans.insert(code, plan);
    }
    ensure!(!plans.is_empty(), "{METADATA_FILE} lists no calling codes");
    Ok(plans)
}

fn parse_code(code: &str) -> Result<u16> {
    code.parse()
        .ok()
        .filter(|code| (1..=999).contains(code))
        .with_context(|| format!("calling code `{code}` is not in 1..=999"))
}

/// A string item of a region (`0` when absent).
fn text(region: &Value, index: usize) -> Option<&str> {
    region
        .get(index)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

fn length_bits(lengths: &Value) -> Result<u32> {
    let lengths = lengths.as_array().context("lengths are not a list")?;
    let mut bits = 0_u32;
    for length in lengths {
        match length.as_u64() {
            Some(n @ 1..=31) => bits |= 1 << n,
            _ => bail!("possible length {length} is not in 1..=31"),
        }
    }
    ensure!(bits != 0, "no possible lengths");
    Ok(bits)
}

fn plan(regions: &[&Value]) -> Result<Plan> {
    let main = regions[0];
    let lengths = length_bits(main.get(3).context("no item 3")?)?;
    let mut strip = Vec::new();
    // The prefix for parsing (item 7), else the national prefix (item 5) taken as a pattern.
    if let Some(prefix) = text(main, 7).or_else(|| text(main, 5)) {
        let (paths, groups) = regex::expand(prefix)?;
        let rule = match text(main, 8) {
            Some(rule) => {
                let (literal, group) = rule
                    .split_once('$')
                    .context("a transform rule without a group")?;
                ensure!(
                    literal.bytes().all(|byte| byte.is_ascii_digit()),
                    "transform rule {rule} is not DIGITS$N"
                );
                let group: usize = group.parse()?;
                ensure!((1..=groups).contains(&group), "transform rule {rule}");
                Some((literal, group))
            }
            None => None,
        };
        for path in paths {
            // JavaScript applies the rule only when the last group captured something;
            // otherwise the whole match goes.
            let last = groups
                .checked_sub(1)
                .and_then(|last| path.groups[last])
                .filter(|(start, end)| end > start);
            let (literal, from, to) = match (rule, last) {
                (Some((literal, group)), Some(_)) => {
                    let (from, to) = path.groups[group - 1].unwrap_or((0, 0));
                    (literal.to_owned(), from, to)
                }
                _ => (String::new(), path.cells.len(), path.cells.len()),
            };
            strip.push(Strip {
                cells: path.cells,
                anchored: path.anchored,
                literal,
                from,
                to,
            });
        }
    }
    // The national number pattern keeps a prefix only when the number matches it with the
    // prefix and not without: so only where some number starting with a prefix can match it.
    let mut pattern = Vec::new();
    if let Some(national) = text(main, 2)
        && !strip.is_empty()
    {
        let (paths, _) = regex::expand(national)?;
        let compatible = |cells: &[u16]| {
            strip.iter().any(|strip| {
                strip.cells.len() <= cells.len()
                    && strip.cells.iter().zip(cells).all(|(a, b)| a & b != 0)
            })
        };
        if paths.iter().any(|path| compatible(&path.cells)) {
            pattern = paths
                .into_iter()
                .filter(|path| !path.anchored)
                .map(|path| path.cells)
                .collect();
        }
    }
    let mut overrides = Vec::new();
    for region in &regions[1..] {
        let region_lengths = length_bits(region.get(3).context("no item 3")?)?;
        if region_lengths == lengths {
            continue;
        }
        if let Some(leading) = text(region, 10) {
            for path in regex::expand(leading)?.0 {
                overrides.push(Override {
                    cells: path.cells,
                    exact: false,
                    lengths: region_lengths,
                });
            }
            continue;
        }
        // Told apart by its number types: a type with a length the main region lacks.
        let types = region.get(11).and_then(Value::as_array);
        for kind in types.into_iter().flatten() {
            let Some(kind_pattern) = kind
                .get(0)
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
            else {
                continue;
            };
            let kind_lengths = match kind.get(1) {
                Some(lengths) if lengths.is_array() => length_bits(lengths)?,
                _ => region_lengths,
            };
            if kind_lengths & !lengths == 0 {
                continue;
            }
            for path in regex::expand(kind_pattern)?.0 {
                overrides.push(Override {
                    cells: path.cells,
                    exact: true,
                    lengths: region_lengths,
                });
            }
        }
    }
    Ok(Plan {
        lengths,
        strip,
        pattern,
        overrides,
    })
}

/// The tables' bytes: every plan's paths in one byte string, cells as indices into a palette
/// of distinct digit classes (no pointers: they cost more than the data in the browser build).
struct Encoded {
    masks: Vec<u16>,
    /// `(code, lengths, offset into data)`.
    index: Vec<(u16, u32, usize)>,
    data: Vec<u8>,
}

fn encode(plans: &BTreeMap<u16, Plan>) -> Result<Encoded> {
    let mut masks: Vec<u16> = Vec::new();
    let mut palette = |cells: &[u16], data: &mut Vec<u8>| -> Result<()> {
        for cell in cells {
            let index = match masks.iter().position(|mask| mask == cell) {
                Some(index) => index,
                None => {
                    masks.push(*cell);
                    masks.len() - 1
                }
            };
            data.push(u8::try_from(index).context("more than 256 digit classes")?);
        }
        Ok(())
    };
    let small = |n: usize, what: &str| {
        u8::try_from(n)
            .ok()
            .filter(|&n| n < 0x80)
            .with_context(|| format!("{what} {n} does not fit the encoding"))
    };
    let mut encoded = Encoded {
        masks: Vec::new(),
        index: Vec::new(),
        data: Vec::new(),
    };
    for (&code, plan) in plans {
        let data = &mut encoded.data;
        encoded.index.push((code, plan.lengths, data.len()));
        // Overrides first (every number reads them), then the prefix paths, then the pattern.
        data.push(u8::try_from(plan.overrides.len()).context("too many overrides")?);
        for item in &plan.overrides {
            data.push(
                small(item.cells.len(), "override length")? | if item.exact { 0x80 } else { 0 },
            );
            data.extend(item.lengths.to_le_bytes());
            palette(&item.cells, data)?;
        }
        data.push(u8::try_from(plan.strip.len()).context("too many prefix paths")?);
        for strip in &plan.strip {
            data.push(
                small(strip.cells.len(), "prefix length")? | if strip.anchored { 0x80 } else { 0 },
            );
            data.push(small(strip.literal.len(), "literal length")?);
            data.extend(strip.literal.bytes());
            data.push(small(strip.from, "span")?);
            data.push(small(strip.to, "span")?);
            palette(&strip.cells, data)?;
        }
        data.push(u8::try_from(plan.pattern.len()).context("too many pattern paths")?);
        for path in &plan.pattern {
            data.push(small(path.len(), "pattern length")?);
            palette(path, data)?;
        }
    }
    ensure!(
        encoded.data.len() <= usize::from(u16::MAX),
        "the table outgrew u16 offsets"
    );
    encoded.masks = masks;
    Ok(encoded)
}

/// The generated Rust source (before rustfmt).
fn render(plans: &BTreeMap<u16, Plan>) -> Result<String> {
    let encoded = encode(plans)?;
    let version = LIBPHONENUMBER.version;
    let mut out = format!(
        "\
//! How libphonenumber-js reads `+` numbers, per country calling code: the data `phone.rs`
//! reads (its `Plan` says the layout).
//!
//! Generated by `cargo xtask gen-phone` from libphonenumber-js {version} (`{METADATA_FILE}`). Do not edit by hand.

/// Where this table comes from.
pub(crate) const SOURCE: &str = \"libphonenumber-js {version} {METADATA_FILE}\";

/// The digit classes cells refer to: bit `d` set when digit `d` matches.
pub(crate) static MASKS: [u16; {}] = {:?};

/// `(calling code, possible national lengths as bits, offset of its plan in PLAN_DATA)`,
/// sorted by code.
pub(crate) static PLANS: [(u16, u32, u16); {}] = [
",
        encoded.masks.len(),
        encoded.masks,
        encoded.index.len()
    );
    for (code, lengths, offset) in &encoded.index {
        let _ = writeln!(out, "({code}, {lengths:#x}, {offset}),");
    }
    let _ = write!(
        out,
        "];\n\n/// Every plan's prefix paths, pattern paths and overrides.\npub(crate) static PLAN_DATA: [u8; {}] = {:?};\n",
        encoded.data.len(),
        encoded.data
    );
    Ok(out)
}
