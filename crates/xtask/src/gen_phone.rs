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
/// `metadata.min.json` is the one the package's own default `isPossiblePhoneNumber` and
/// `parsePhoneNumber` run on, so it is read here (the corpus checks the table against them).
/// It holds national lengths only: libphonenumber-js drops libphonenumber's "local only" lengths.
const METADATA_FILE: &str = "metadata.min.json";

/// The metadata format this generator understands: in format 4 a region (or non-geographic
/// entity) is an array whose item 0 is the calling code, 2 the national number pattern, 3 the
/// possible lengths, 5 the national prefix, 7 the prefix for parsing, 8 its transform rule, 10
/// the leading digits and 11 the number types (`[pattern, lengths?]`).
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
    /// The main region's national prefix for parsing, expanded, in the order tried: every head
    /// followed by every one of these tails.
    heads: Vec<Vec<u16>>,
    strip: Vec<Strip>,
    /// The main region's national number pattern, expanded (full matches), where it can keep a
    /// prefix from being stripped; else empty.
    pattern: Vec<Vec<u16>>,
    /// Other regions' lengths, for the national numbers that select them.
    overrides: Vec<Override>,
}

/// One path of a national prefix: what it matches, and the national number it leaves:
/// `literal`, then the matched digits `from..to`, then everything after the match.
#[derive(Clone)]
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

/// A string item of a region; `None` when absent (the metadata writes `0`) or empty.
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
    // Every path of the prefix, and the same as heads (one empty head unless the prefix
    // factors, below) times tails (`strip`).
    let mut full = Vec::new();
    let mut heads: Vec<Vec<u16>> = vec![Vec::new()];
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
        full = strips(&paths, groups, rule);
        // Stored as heads times tails when the pattern is one (like Argentina's `0?(...15)?`):
        // checked to give the same paths, in the same order, with the same spans.
        if let Some((first, rest)) = regex::expand_head(prefix)?
            && first.len() >= 2
            && first
                .iter()
                .all(|head| !head.anchored && head.groups.iter().all(Option::is_none))
        {
            let tails = strips(&rest, groups, rule);
            let same = first.len() * tails.len() == full.len()
                && first
                    .iter()
                    .flat_map(|head| tails.iter().map(move |tail| (head, tail)))
                    .zip(&full)
                    .all(|((head, tail), whole)| {
                        let shift = head.cells.len();
                        let cells: Vec<u16> =
                            head.cells.iter().chain(&tail.cells).copied().collect();
                        cells == whole.cells
                            && tail.anchored == whole.anchored
                            && tail.literal == whole.literal
                            && tail.from + shift == whole.from
                            && tail.to + shift == whole.to
                    });
            if same {
                heads = first.into_iter().map(|head| head.cells).collect();
                strip = tails;
            }
        }
        if strip.is_empty() {
            strip = full.clone();
        }
    }
    // The national number pattern is asked only of a number a prefix path matches (does it
    // match with the prefix?) and of what that path leaves (and without?): only its paths that
    // can match such numbers are kept, often none.
    let mut pattern: Vec<Vec<u16>> = Vec::new();
    if let Some(national) = text(main, 2)
        && !full.is_empty()
    {
        let literal_cells = |strip: &Strip| -> Vec<u16> {
            strip
                .literal
                .bytes()
                .map(|digit| 1u16 << (digit - b'0'))
                .collect()
        };
        let fits =
            |a: &[u16], b: &[u16]| a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a & b != 0);
        let paths: Vec<Vec<u16>> = regex::expand(national)?
            .0
            .into_iter()
            .filter(|path| !path.anchored)
            .map(|path| path.cells)
            .collect();
        for path in &paths {
            for prefix in &full {
                let len = prefix.cells.len();
                let starts =
                    len <= path.len() && prefix.cells.iter().zip(path).all(|(a, b)| a & b != 0);
                if !starts || (prefix.anchored && len != path.len()) {
                    continue;
                }
                // A number this path matches, less the prefix: its shape.
                let mut left = literal_cells(prefix);
                left.extend_from_slice(&path[prefix.from..prefix.to]);
                left.extend_from_slice(&path[len..]);
                if !pattern.contains(path) {
                    pattern.push(path.clone());
                }
                for other in &paths {
                    if fits(other, &left) && !pattern.contains(other) {
                        pattern.push(other.clone());
                    }
                }
            }
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
        heads,
        strip,
        pattern,
        overrides,
    })
}

/// The strip entries of `paths` (a prefix's expansion, or the tails of one) for a pattern of
/// `groups` groups and its transform `rule` (literal, group).
fn strips(paths: &[regex::Path], groups: usize, rule: Option<(&str, usize)>) -> Vec<Strip> {
    paths
        .iter()
        .map(|path| {
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
            Strip {
                cells: path.cells.clone(),
                anchored: path.anchored,
                literal,
                from,
                to,
            }
        })
        .collect()
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
    // Single digits first, at their own value, then any digit: the data reads like the numbers.
    let mut masks: Vec<u16> = (0..10).map(|digit| 1 << digit).chain([0x3ff]).collect();
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
        if plan.overrides.is_empty() && plan.strip.is_empty() && plan.pattern.is_empty() {
            // Nothing to read: an offset past the data reads as three empty lists.
            encoded
                .index
                .push((code, plan.lengths, usize::from(u16::MAX)));
            continue;
        }
        encoded.index.push((code, plan.lengths, data.len()));
        // The digits a national number must start with for an override or a prefix path to
        // match it: any other number is read without looking further.
        let first = |cells: &[u16]| cells.first().copied().unwrap_or(0x3ff);
        let mut starts = 0u16;
        for item in &plan.overrides {
            starts |= first(&item.cells);
        }
        for head in &plan.heads {
            for tail in &plan.strip {
                let path: Vec<u16> = head.iter().chain(&tail.cells).copied().collect();
                starts |= first(&path);
            }
        }
        data.extend(starts.to_le_bytes());
        // Overrides first (every number reads them), then the prefix paths, then the pattern.
        data.push(u8::try_from(plan.overrides.len()).context("too many overrides")?);
        for item in &plan.overrides {
            data.push(
                small(item.cells.len(), "override length")? | if item.exact { 0x80 } else { 0 },
            );
            data.extend(item.lengths.to_le_bytes());
            palette(&item.cells, data)?;
        }
        // A path's cells are written after those it shares with the path before it.
        let shared = |before: &[u16], cells: &[u16]| {
            before.iter().zip(cells).take_while(|(a, b)| a == b).count()
        };
        // The heads (none: no prefix), then the transform rule's literal (the region's: written
        // once), then the tails.
        if plan.strip.is_empty() {
            data.push(0);
        } else {
            data.push(small(plan.heads.len(), "heads")?);
            for head in &plan.heads {
                data.push(small(head.len(), "head length")?);
                palette(head, data)?;
            }
        }
        let literal = plan
            .strip
            .iter()
            .find(|strip| strip.from != strip.cells.len() || !strip.literal.is_empty())
            .map_or("", |strip| strip.literal.as_str());
        if !plan.strip.is_empty() {
            // The national number is built in a 32-digit buffer from the literal and 19 digits.
            ensure!(
                literal.len() <= 4,
                "transform literal {literal} is longer than 4 digits"
            );
            data.push(small(literal.len(), "literal length")?);
            data.extend(literal.bytes());
            data.push(u8::try_from(plan.strip.len()).context("too many prefix paths")?);
        }
        for strip in &plan.strip {
            let whole = strip.from == strip.cells.len() && strip.to == strip.cells.len();
            ensure!(
                whole && strip.literal.is_empty() || strip.literal == literal,
                "two transform literals in one region"
            );
            data.push(
                small(strip.cells.len(), "prefix length")? | if strip.anchored { 0x80 } else { 0 },
            );
            // 0x80: the rule applies, and the span it keeps follows. The cells are written
            // whole: measured, the browser build's brotli packs their repeats better so
            // (pattern paths are the other way round).
            data.push(if whole { 0 } else { 0x80 });
            if !whole {
                data.push(small(strip.from, "span")?);
                data.push(small(strip.to, "span")?);
            }
            palette(&strip.cells, data)?;
        }
        data.push(u8::try_from(plan.pattern.len()).context("too many pattern paths")?);
        let mut before: &[u16] = &[];
        for path in &plan.pattern {
            data.push(small(path.len(), "pattern length")?);
            let same = shared(before, path);
            data.push(small(same, "shared length")?);
            palette(&path[same..], data)?;
            before = path;
        }
    }
    ensure!(
        encoded.data.len() < usize::from(u16::MAX),
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

/// The calling codes, sorted; `LENGTHS` and `OFFSETS` at the same index are theirs.
pub(crate) static CODES: [u16; {n}] = {codes:?};

/// Per calling code: its main region's possible national lengths, as bits.
pub(crate) static LENGTHS: [u32; {n}] = {lengths:?};

/// Per calling code: where its plan starts in `PLAN_DATA` (past its end: nothing to read).
pub(crate) static OFFSETS: [u16; {n}] = {offsets:?};
",
        encoded.masks.len(),
        encoded.masks,
        n = encoded.index.len(),
        codes = encoded.index.iter().map(|entry| entry.0).collect::<Vec<_>>(),
        lengths = encoded.index.iter().map(|entry| entry.1).collect::<Vec<_>>(),
        offsets = encoded.index.iter().map(|entry| entry.2).collect::<Vec<_>>(),
    );
    let _ = write!(
        out,
        "\n/// Every plan's overrides, prefix paths and pattern paths.\npub(crate) static PLAN_DATA: [u8; {}] = {:?};\n",
        encoded.data.len(),
        encoded.data
    );
    Ok(out)
}
