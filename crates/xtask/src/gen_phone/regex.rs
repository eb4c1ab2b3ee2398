//! The metadata's regular expressions, expanded: they use a small subset (digits, `\d`, `[...]`
//! without negation, `(...)`, `(?:...)`, `|`, `?`, `{n}`, `{n,m}` and a final `$`) with no `*`
//! or `+`, so each describes a finite set of strings. Each expands here into its paths: a
//! fixed-length sequence of digit classes (a bit set over 0-9, a "cell"), in the order a
//! backtracking engine (JavaScript's) tries them, so the first path that matches is the match
//! JavaScript finds, with the span of every capture group.

use anyhow::{Result, bail, ensure};

/// The most paths one expression may expand to before the generator gives up.
const MAX_PATHS: usize = 200_000;

/// One way through an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    /// One class per digit.
    pub cells: Vec<u16>,
    /// The path ends in `$`: it matches only a whole string.
    pub anchored: bool,
    /// Per capture group (1-based group `i` at `i - 1`): the span of cells it captured.
    pub groups: Vec<Option<(usize, usize)>>,
}

#[derive(Debug)]
enum Node {
    Class(u16),
    End,
    Group {
        capture: Option<usize>,
        alternatives: Vec<Vec<Item>>,
    },
}

#[derive(Debug)]
struct Item {
    node: Node,
    min: u32,
    max: u32,
}

/// The paths of `pattern`, and how many capture groups it has.
pub(crate) fn expand(pattern: &str) -> Result<(Vec<Path>, usize)> {
    let mut parser = Parser {
        text: pattern.as_bytes(),
        at: 0,
        groups: 0,
    };
    let alternatives = parser.alternatives()?;
    ensure!(
        parser.at == parser.text.len(),
        "unexpected `{}` at {} in {pattern}",
        char::from(parser.text[parser.at]),
        parser.at
    );
    let groups = parser.groups;
    let paths = expand_alternatives(&alternatives, groups)?;
    Ok((paths, groups))
}

/// `pattern` as the product of its first item's paths and the rest's, when it is one sequence
/// of two items or more: every path is a head then a tail, in the order heads, then tails, are
/// listed (so the list of heads times the list of tails is the whole expansion, in order).
pub(crate) fn expand_head(pattern: &str) -> Result<Option<(Vec<Path>, Vec<Path>)>> {
    let mut parser = Parser {
        text: pattern.as_bytes(),
        at: 0,
        groups: 0,
    };
    let alternatives = parser.alternatives()?;
    let groups = parser.groups;
    match alternatives.as_slice() {
        [items] if items.len() >= 2 => Ok(Some((
            expand_sequence(&items[..1], groups)?,
            expand_sequence(&items[1..], groups)?,
        ))),
        _ => Ok(None),
    }
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
    groups: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn alternatives(&mut self) -> Result<Vec<Vec<Item>>> {
        let mut alternatives = vec![self.sequence()?];
        while self.peek() == Some(b'|') {
            self.at += 1;
            alternatives.push(self.sequence()?);
        }
        Ok(alternatives)
    }

    fn sequence(&mut self) -> Result<Vec<Item>> {
        let mut items = Vec::new();
        while let Some(byte) = self.peek() {
            let node = match byte {
                b'|' | b')' => break,
                b'(' => {
                    self.at += 1;
                    let capture = if self.text[self.at..].starts_with(b"?:") {
                        self.at += 2;
                        None
                    } else {
                        self.groups += 1;
                        Some(self.groups)
                    };
                    let alternatives = self.alternatives()?;
                    ensure!(self.peek() == Some(b')'), "unclosed group");
                    self.at += 1;
                    Node::Group {
                        capture,
                        alternatives,
                    }
                }
                b'[' => Node::Class(self.class()?),
                b'\\' => {
                    ensure!(
                        self.text.get(self.at + 1) == Some(&b'd'),
                        "only \\d is known"
                    );
                    self.at += 2;
                    Node::Class(0x3ff)
                }
                b'$' => {
                    self.at += 1;
                    Node::End
                }
                b'0'..=b'9' => {
                    self.at += 1;
                    Node::Class(1 << (byte - b'0'))
                }
                other => bail!("`{}` is outside the subset", char::from(other)),
            };
            let (min, max) = self.quantifier()?;
            items.push(Item { node, min, max });
        }
        Ok(items)
    }

    fn class(&mut self) -> Result<u16> {
        self.at += 1;
        let mut mask = 0u16;
        loop {
            match self.peek() {
                Some(b']') => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') if self.text.get(self.at + 1) == Some(&b'd') => {
                    mask |= 0x3ff;
                    self.at += 2;
                }
                Some(low @ b'0'..=b'9') => {
                    self.at += 1;
                    let mut high = low;
                    if self.peek() == Some(b'-') {
                        match self.text.get(self.at + 1) {
                            Some(&to @ b'0'..=b'9') if to >= low => high = to,
                            _ => bail!("bad range in a class"),
                        }
                        self.at += 2;
                    }
                    for digit in low..=high {
                        mask |= 1 << (digit - b'0');
                    }
                }
                _ => bail!("a class may hold only digits, ranges and \\d"),
            }
        }
        ensure!(mask != 0, "empty class");
        Ok(mask)
    }

    fn quantifier(&mut self) -> Result<(u32, u32)> {
        match self.peek() {
            Some(b'?') => {
                self.at += 1;
                Ok((0, 1))
            }
            Some(b'{') => {
                let end = self.text[self.at..]
                    .iter()
                    .position(|&byte| byte == b'}')
                    .map(|end| self.at + end);
                let Some(end) = end else { bail!("unclosed {{") };
                let body = std::str::from_utf8(&self.text[self.at + 1..end])?;
                self.at = end + 1;
                let (min, max) = match body.split_once(',') {
                    Some((min, max)) => (min.parse()?, max.parse()?),
                    None => (body.parse()?, body.parse()?),
                };
                ensure!(min <= max, "bad repetition {{{body}}}");
                Ok((min, max))
            }
            Some(b'*' | b'+') => bail!("unbounded repetition is outside the subset"),
            _ => Ok((1, 1)),
        }
    }
}

fn empty(groups: usize) -> Path {
    Path {
        cells: Vec::new(),
        anchored: false,
        groups: vec![None; groups],
    }
}

/// `left` then `right`; `None` when no string can take both (cells after a `$`).
fn concat(left: &Path, right: &Path) -> Option<Path> {
    if left.anchored && !right.cells.is_empty() {
        return None;
    }
    let offset = left.cells.len();
    let mut path = left.clone();
    path.cells.extend_from_slice(&right.cells);
    path.anchored |= right.anchored;
    for (mine, theirs) in path.groups.iter_mut().zip(&right.groups) {
        if let Some((start, end)) = theirs {
            // A group inside a repetition keeps its last iteration's capture, as in JavaScript.
            *mine = Some((start + offset, end + offset));
        }
    }
    Some(path)
}

fn expand_alternatives(alternatives: &[Vec<Item>], groups: usize) -> Result<Vec<Path>> {
    let mut paths = Vec::new();
    for sequence in alternatives {
        paths.extend(expand_sequence(sequence, groups)?);
        ensure!(paths.len() <= MAX_PATHS, "expands to too many paths");
    }
    Ok(paths)
}

fn expand_sequence(items: &[Item], groups: usize) -> Result<Vec<Path>> {
    let mut paths = vec![empty(groups)];
    for item in items {
        let once = expand_node(&item.node, groups)?;
        let repeated = repeat(&once, item.min, item.max, groups)?;
        let mut next = Vec::new();
        for path in &paths {
            next.extend(repeated.iter().filter_map(|more| concat(path, more)));
            ensure!(next.len() <= MAX_PATHS, "expands to too many paths");
        }
        paths = next;
    }
    Ok(paths)
}

/// `once` repeated `min` to `max` times, greedily, in the order backtracking tries them: each
/// first iteration's way followed by every way to go on (more iterations first), and only then
/// stopping (`(?:a|ab){1,2}`: `a·a`, `a·ab`, `a`, `ab·a`, `ab·ab`, `ab`).
fn repeat(once: &[Path], min: u32, max: u32, groups: usize) -> Result<Vec<Path>> {
    let mut paths = Vec::new();
    if max > 0 {
        let rest = repeat(once, min.saturating_sub(1), max - 1, groups)?;
        for first in once {
            paths.extend(rest.iter().filter_map(|more| concat(first, more)));
            ensure!(paths.len() <= MAX_PATHS, "expands to too many paths");
        }
    }
    if min == 0 {
        paths.push(empty(groups));
    }
    Ok(paths)
}

fn expand_node(node: &Node, groups: usize) -> Result<Vec<Path>> {
    Ok(match node {
        Node::Class(mask) => vec![Path {
            cells: vec![*mask],
            ..empty(groups)
        }],
        Node::End => vec![Path {
            anchored: true,
            ..empty(groups)
        }],
        Node::Group {
            capture,
            alternatives,
        } => {
            let mut paths = expand_alternatives(alternatives, groups)?;
            if let Some(group) = capture {
                for path in &mut paths {
                    path.groups[group - 1] = Some((0, path.cells.len()));
                }
            }
            paths
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(paths: &[Path]) -> Vec<Vec<u16>> {
        paths.iter().map(|path| path.cells.clone()).collect()
    }

    #[test]
    fn expands_in_backtracking_order_with_captures() {
        let (paths, groups) = expand("(?:0|90)(?:(1[2-3])(\\d{1,2}))?").unwrap();
        assert_eq!(groups, 2);
        let one = 1 << 1;
        let two_three = (1 << 2) | (1 << 3);
        assert_eq!(
            cells(&paths),
            [
                vec![1, one, two_three, 0x3ff, 0x3ff],
                vec![1, one, two_three, 0x3ff],
                vec![1],
                vec![1 << 9, 1, one, two_three, 0x3ff, 0x3ff],
                vec![1 << 9, 1, one, two_three, 0x3ff],
                vec![1 << 9, 1],
            ]
        );
        assert_eq!(paths[0].groups, [Some((1, 3)), Some((3, 5))]);
        assert_eq!(paths[2].groups, [None, None]);
        assert_eq!(paths[4].groups, [Some((2, 4)), Some((4, 5))]);
    }

    #[test]
    fn repeats_alternatives_depth_first_as_backtracking_does() {
        let (paths, _) = expand("(?:1|12){1,2}").unwrap();
        let (one, two) = (1 << 1, 1 << 2);
        assert_eq!(
            cells(&paths),
            [
                vec![one, one],
                vec![one, one, two],
                vec![one],
                vec![one, two, one],
                vec![one, two, one, two],
                vec![one, two],
            ]
        );
    }

    #[test]
    fn keeps_the_end_anchor_and_refuses_what_is_outside_the_subset() {
        let (paths, _) = expand("([5]\\d)$|0").unwrap();
        assert!(paths[0].anchored && !paths[1].anchored);
        assert!(expand("\\d+").is_err());
        assert!(expand("[^0]").is_err());
    }
}
