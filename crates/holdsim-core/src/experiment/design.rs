//! Designs of experiments: which points (parameter combinations) a sweep runs.
//!
//! - `grid`: the full factorial of every factor's `values` (or `from`/`to`/`step`),
//!   the first factor varying slowest;
//! - `latin_hypercube` and `random`: `points` draws over each factor's `[min, max]`
//!   with the design's own `seed`; integer keys are rounded to the nearest integer;
//! - `table`: an explicit CSV of points whose header names the dotted paths.
//!
//! Every value is checked on its own before anything runs: finite, a whole number
//! for an integer key, inside the key's range. A key the chosen method would ignore
//! is refused rather than dropped, because a sweep that quietly runs other points
//! than the user wrote is worse than one that does not start. Sizes are bounded by
//! [`super::limits`] with checked arithmetic, before anything is allocated.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::limits;
use super::typed;
use crate::scenario::{Number, Scenario};
use crate::source::FileSource;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Grid,
    LatinHypercube,
    Random,
    Table,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Grid => "grid",
            Method::LatinHypercube => "latin_hypercube",
            Method::Random => "random",
            Method::Table => "table",
        }
    }
}

/// `[[design.factor]]` as written. Each key keeps its place in the file so every
/// message about the factor can give the line of the key at fault.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactorTable {
    path: Spanned<String>,
    values: Option<Spanned<Vec<f64>>>,
    from: Option<Spanned<f64>>,
    to: Option<Spanned<f64>>,
    step: Option<Spanned<f64>>,
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
}

/// The design-level keys besides the factors, as written.
pub struct DesignKeys<'a> {
    pub method: Method,
    pub points: Option<usize>,
    pub seed: Option<u64>,
    pub file: Option<&'a str>,
}

/// A varied parameter: its dotted path and its range or levels.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    pub path: String,
    /// `[min, max]` for sampled designs, or the smallest and largest level.
    pub min: f64,
    pub max: f64,
}

/// One point of the design: its index and a value per factor (in factor order).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: usize,
    pub values: Vec<Number>,
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |head| head.bytes().filter(|&b| b == b'\n').count())
        + 1
}

/// Checks that `x` is a valid value of `path` on its own, exactly as written: finite,
/// a whole number for an integer key (never rounded), and inside the key's range.
/// Combinations are checked per point.
pub fn check_value(base: &Scenario, path: &str, x: f64) -> Result<Number, String> {
    if !x.is_finite() {
        return Err(format!("`{path}` = {x}: not a finite number"));
    }
    let n = match base.get_path(path).map_err(|e| e.to_string())? {
        Number::Int(_) => {
            // 2^53: beyond it not every whole number is a float, so the value may
            // not be the one written.
            if x.fract() != 0.0 || x.abs() > 9_007_199_254_740_992.0 {
                return Err(format!(
                    "`{path}` = {x}: not a whole number, and `{path}` takes whole numbers only (values are never rounded)"
                ));
            }
            Number::Int(x as i64)
        }
        Number::Float(_) => Number::Float(x),
    };
    base.clone()
        .set_path(path, n)
        .map_err(|e| format!("`{path}` = {x}: {e}"))?;
    Ok(n)
}

/// A decimal number as written in the file, as `digits / 10^scale`. TOML gives the
/// nearest double, whose shortest representation is the text the user typed (for
/// up to 15 significant digits), so that is what is read back here.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Decimal {
    digits: i128,
    scale: u32,
}

/// More decimal places than this and `10^scale` no longer fits comfortably in i128.
const MAX_DECIMAL_SCALE: u32 = 18;

impl Decimal {
    fn of(x: f64) -> Option<Decimal> {
        if !x.is_finite() {
            return None;
        }
        // Display for f64 is the shortest round-trip text, never in exponent form.
        let text = format!("{x}");
        let (neg, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let scale = u32::try_from(frac.len()).ok()?;
        if scale > MAX_DECIMAL_SCALE || int.len() + frac.len() > 30 {
            return None;
        }
        let digits: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Decimal {
            digits: if neg { -digits } else { digits },
            scale,
        })
    }

    /// The digits at a larger scale.
    fn at(self, scale: u32) -> Option<i128> {
        self.digits
            .checked_mul(10i128.checked_pow(scale - self.scale)?)
    }
}

/// `digits / 10^scale` as the nearest double (so its shortest text is the decimal).
fn decimal_value(digits: i128, scale: u32) -> f64 {
    let neg = digits < 0;
    let abs = digits.unsigned_abs().to_string();
    let scale = scale as usize;
    let text = if scale == 0 {
        abs
    } else if abs.len() > scale {
        format!(
            "{}.{}",
            &abs[..abs.len() - scale],
            &abs[abs.len() - scale..]
        )
    } else {
        format!("0.{}{abs}", "0".repeat(scale - abs.len()))
    };
    let x: f64 = text.parse().unwrap_or(f64::NAN);
    if neg { -x } else { x }
}

/// The levels `from`, `from + step`, …, `to`, computed in the decimal digits of the
/// numbers as written, so `from = 0.1, to = 0.5, step = 0.1` gives exactly 0.1, 0.2,
/// 0.3, 0.4, 0.5 (repeated float addition would give 0.30000000000000004, which a
/// hand-typed `--set key=0.3` would not reproduce).
fn range_levels(path: &str, from: f64, to: f64, step: f64) -> Result<Vec<f64>, String> {
    for (name, x) in [("from", from), ("to", to), ("step", step)] {
        if !x.is_finite() {
            return Err(format!("`{name}` = {x} is not a finite number"));
        }
    }
    if step <= 0.0 {
        return Err(format!("`step` must be > 0, found {step}"));
    }
    if to < from {
        return Err(format!("`to` ({to}) must not be below `from` ({from})"));
    }
    let inexact = |name: &str, x: f64| {
        format!(
            "`{name}` = {x} has too many digits to step through exactly (at most {MAX_DECIMAL_SCALE} decimal places and 30 digits); list the levels with `values = [...]` instead"
        )
    };
    let (f, t, s) = (
        Decimal::of(from).ok_or_else(|| inexact("from", from))?,
        Decimal::of(to).ok_or_else(|| inexact("to", to))?,
        Decimal::of(step).ok_or_else(|| inexact("step", step))?,
    );
    let scale = f.scale.max(t.scale).max(s.scale);
    let too_big = || format!("factor `{path}`: from/to/step are too large to step through");
    let (f, t, s) = (
        f.at(scale).ok_or_else(too_big)?,
        t.at(scale).ok_or_else(too_big)?,
        s.at(scale).ok_or_else(too_big)?,
    );
    let span = t.checked_sub(f).ok_or_else(too_big)?;
    if span % s != 0 {
        let last = f + span / s * s;
        return Err(format!(
            "`to` ({to}) is not `from` ({from}) plus a whole number of steps of {step}; end at `to = {}` or `to = {}`",
            decimal_value(last, scale),
            decimal_value(last + s, scale)
        ));
    }
    let steps = span / s;
    if steps >= limits::MAX_POINTS as i128 {
        return Err(format!(
            "from {from} to {to} in steps of {step} is {} levels; a design may have at most {} points (see the README's limits)",
            steps.saturating_add(1),
            limits::MAX_POINTS
        ));
    }
    Ok((0..=steps)
        .map(|i| decimal_value(f + i * s, scale))
        .collect())
}

/// Refuses keys of `[[design.factor]]` that `method` would ignore.
fn check_factor_keys(f: &FactorTable, method: Method) -> Result<(), String> {
    let ignored = match method {
        Method::Grid => present(&[("min", f.min.is_some()), ("max", f.max.is_some())]),
        Method::LatinHypercube | Method::Random => present(&[
            ("values", f.values.is_some()),
            ("from", f.from.is_some()),
            ("to", f.to.is_some()),
            ("step", f.step.is_some()),
        ]),
        Method::Table => Vec::new(),
    };
    if ignored.is_empty() {
        return Ok(());
    }
    let what = match method {
        Method::Grid => "a grid takes `values = [...]` or `from`, `to` and `step`",
        _ => "latin_hypercube and random sample each factor between `min` and `max`",
    };
    Err(format!(
        "{} {} not used by method = \"{}\" ({what}); remove {}",
        ignored
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if ignored.len() == 1 { "is" } else { "are" },
        method.name(),
        if ignored.len() == 1 { "it" } else { "them" }
    ))
}

/// Refuses design-level keys that `method` would ignore.
fn check_design_keys(keys: &DesignKeys) -> Result<(), String> {
    let (points, seed, file) = (
        keys.points.is_some(),
        keys.seed.is_some(),
        keys.file.is_some(),
    );
    let ignored = match keys.method {
        Method::Grid => present(&[("points", points), ("seed", seed), ("file", file)]),
        Method::LatinHypercube | Method::Random => present(&[("file", file)]),
        Method::Table => present(&[("points", points), ("seed", seed)]),
    };
    refuse_ignored(&ignored, keys.method.name(), "")
}

/// The names of the keys that are present, of (name, present) pairs.
pub fn present(keys: &[(&'static str, bool)]) -> Vec<&'static str> {
    keys.iter().filter(|k| k.1).map(|k| k.0).collect()
}

/// Refuses keys the chosen `method` would silently ignore, naming them: a key that
/// does nothing is a mistake the user should hear about. `hint` (if any) says which
/// keys the methods take.
pub fn refuse_ignored(ignored: &[&str], method: &str, hint: &str) -> Result<(), String> {
    if ignored.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} not used by method = \"{method}\"{hint}; remove {}",
        ignored
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if ignored.len() == 1 { "it" } else { "them" }
    ))
}

/// Refuses a design of `points` points over `factors` factors above the limits.
pub fn check_size(points: usize, factors: usize, what: &str) -> Result<(), String> {
    if points > limits::MAX_POINTS {
        return Err(format!(
            "{what} gives {points} points; a design may have at most {} points (see the README's limits)",
            limits::MAX_POINTS
        ));
    }
    match points.checked_mul(factors) {
        Some(cells) if cells <= limits::MAX_DESIGN_VALUES => Ok(()),
        _ => Err(format!(
            "{what} gives {points} points × {factors} factors; a design may hold at most {} values (see the README's limits)",
            limits::MAX_DESIGN_VALUES
        )),
    }
}

/// Points of the unit cube mapped onto each factor's `[min, max]` (integer keys
/// rounded), numbered in order.
pub fn scale(base: &Scenario, factors: &[Factor], unit: &[Vec<f64>]) -> Result<Vec<Point>, String> {
    unit.iter()
        .enumerate()
        .map(|(index, u)| {
            let values = factors
                .iter()
                .zip(u)
                .map(|(f, &x)| typed(base, &f.path, f.min + x * (f.max - f.min)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Point { index, values })
        })
        .collect()
}

/// Builds the factors and points of a design, checking every key, path and value.
/// `text` is the experiment file's text (for line numbers); errors name the factor
/// and its line, or the table CSV's file, line and column. Returns the factors, the
/// points and the method's name.
pub fn build(
    base: &Scenario,
    keys: DesignKeys,
    factors: Vec<FactorTable>,
    (files, dir): (&dyn FileSource, &Path),
    text: &str,
) -> Result<(Vec<Factor>, Vec<Point>, &'static str), String> {
    let method = keys.method;
    check_design_keys(&keys)?;
    let place = Place { text };
    check_factors(base, &factors, method, place)?;
    let (factors, points) = match method {
        Method::Grid => grid(base, &factors, place)?,
        Method::LatinHypercube | Method::Random => sampled(base, &keys, &factors, place)?,
        Method::Table => table(base, &keys, &factors, (files, dir), place)?,
    };
    Ok((factors, points, method.name()))
}

/// Where a factor is written, for messages: "line N: factor `path`".
#[derive(Clone, Copy)]
struct Place<'a> {
    /// The experiment file's text.
    text: &'a str,
}

impl Place<'_> {
    /// At the line of the factor's `path`.
    fn of(self, f: &FactorTable) -> String {
        self.of_key(f, f.path.span())
    }

    /// At the line of one of the factor's keys (its `span` in the file).
    fn of_key(self, f: &FactorTable, span: std::ops::Range<usize>) -> String {
        format!(
            "line {}: factor `{}`",
            line_of(self.text, span.start),
            f.path.get_ref()
        )
    }
}

/// Checks what every method asks of its factors: each names a parameter of `base`,
/// appears once, and has only the keys `method` reads.
fn check_factors(
    base: &Scenario,
    factors: &[FactorTable],
    method: Method,
    place: Place,
) -> Result<(), String> {
    for (i, f) in factors.iter().enumerate() {
        base.get_path(f.path.get_ref())
            .map_err(|e| format!("{}: {e}", place.of(f)))?;
        if let Some(first) = factors[..i]
            .iter()
            .find(|g| g.path.get_ref() == f.path.get_ref())
        {
            return Err(format!(
                "{} is listed twice (first on line {}); give each factor once",
                place.of(f),
                line_of(place.text, first.path.span().start)
            ));
        }
        check_factor_keys(f, method).map_err(|e| format!("{}: {e}", place.of(f)))?;
    }
    Ok(())
}

/// `method = "grid"`: every combination of the factors' levels, the last factor
/// varying fastest; refused once the count passes [`limits::MAX_POINTS`].
fn grid(
    base: &Scenario,
    factors: &[FactorTable],
    place: Place,
) -> Result<(Vec<Factor>, Vec<Point>), String> {
    if factors.is_empty() {
        return Err("a grid needs at least one [[design.factor]]".into());
    }
    let mut all_levels = Vec::new();
    let mut total: usize = 1;
    for f in factors {
        let typed_levels = grid_levels(base, f, place)?;
        total = total.checked_mul(typed_levels.len()).ok_or_else(|| {
            format!(
                "the grid of {} has more points than can be counted; a design may have at most {} points",
                factor_names(factors),
                limits::MAX_POINTS
            )
        })?;
        if total > limits::MAX_POINTS {
            return Err(format!(
                "the grid of {} has at least {total} points; a design may have at most {} points (see the README's limits): use fewer levels or a latin_hypercube",
                factor_names(factors),
                limits::MAX_POINTS
            ));
        }
        all_levels.push(typed_levels);
    }
    check_size(
        total,
        factors.len(),
        &format!("the grid of {}", factor_names(factors)),
    )?;
    let points = (0..total)
        .map(|index| Point {
            index,
            values: grid_point(&all_levels, index),
        })
        .collect();
    let ranges = factors
        .iter()
        .zip(&all_levels)
        .map(|(f, levels)| {
            let xs: Vec<f64> = levels.iter().map(|n| n.as_f64()).collect();
            Factor {
                path: f.path.get_ref().clone(),
                min: xs.iter().copied().fold(f64::INFINITY, f64::min),
                max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect();
    Ok((ranges, points))
}

/// One grid factor's levels, from `values` or from `from`/`to`/`step`, each checked
/// against the parameter's type and range.
fn grid_levels(base: &Scenario, f: &FactorTable, place: Place) -> Result<Vec<Number>, String> {
    let path = f.path.get_ref();
    let num = |x: &Option<Spanned<f64>>| x.as_ref().map(|v| *v.get_ref());
    let (levels, line) = match (&f.values, num(&f.from), num(&f.to), num(&f.step)) {
        (Some(v), None, None, None) if !v.get_ref().is_empty() => {
            (v.get_ref().clone(), place.of_key(f, v.span()))
        }
        (None, Some(from), Some(to), Some(step)) => {
            let line = place.of_key(f, f.from.as_ref().map_or(0..0, |x| x.span()));
            let levels = range_levels(path, from, to, step).map_err(|e| format!("{line}: {e}"))?;
            (levels, line)
        }
        _ => {
            return Err(format!(
                "{}: a grid factor needs either a non-empty `values = [...]` or all of `from`, `to` and `step` (not both)",
                place.of(f)
            ));
        }
    };
    levels
        .iter()
        .map(|&x| check_value(base, path, x))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{line}: {e}"))
}

/// The values of grid point `index`: its digits in the mixed radix of the levels'
/// counts, the last factor the fastest.
fn grid_point(all_levels: &[Vec<Number>], index: usize) -> Vec<Number> {
    let mut rem = index;
    let mut values = vec![Number::Int(0); all_levels.len()];
    for (j, levels) in all_levels.iter().enumerate().rev() {
        values[j] = levels[rem % levels.len()];
        rem /= levels.len();
    }
    values
}

/// `method = "latin_hypercube"` or `"random"`: `points` points drawn in the factors'
/// `[min, max]` boxes from `seed` (1 if not given).
fn sampled(
    base: &Scenario,
    keys: &DesignKeys,
    factors: &[FactorTable],
    place: Place,
) -> Result<(Vec<Factor>, Vec<Point>), String> {
    let n = keys
        .points
        .ok_or("`points` (how many design points) is required for latin_hypercube and random")?;
    if n == 0 {
        return Err("`points` must be at least 1".into());
    }
    if factors.is_empty() {
        return Err(
            "a sampled design needs at least one [[design.factor]] with `min` and `max`".into(),
        );
    }
    check_size(n, factors.len(), &format!("`points` = {n}"))?;
    let ranges = factors
        .iter()
        .map(|f| sampled_range(base, f, place))
        .collect::<Result<Vec<_>, _>>()?;
    let seed = keys.seed.unwrap_or(1);
    let unit = if keys.method == Method::LatinHypercube {
        crate::sensitivity::latin_hypercube(ranges.len(), n, seed)
    } else {
        crate::sensitivity::uniform_random(ranges.len(), n, seed)
    };
    let points = scale(base, &ranges, &unit)?;
    Ok((ranges, points))
}

/// One sampled factor's `[min, max]`, both ends checked against the parameter.
fn sampled_range(base: &Scenario, f: &FactorTable, place: Place) -> Result<Factor, String> {
    let path = f.path.get_ref();
    let (Some(min), Some(max)) = (&f.min, &f.max) else {
        return Err(format!(
            "{}: latin_hypercube and random need `min` and `max`",
            place.of(f)
        ));
    };
    check_value(base, path, *min.get_ref())
        .map_err(|e| format!("{}: `min`: {e}", place.of_key(f, min.span())))?;
    check_value(base, path, *max.get_ref())
        .map_err(|e| format!("{}: `max`: {e}", place.of_key(f, max.span())))?;
    let (min, max) = (*min.get_ref(), *max.get_ref());
    if min > max {
        return Err(format!(
            "{}: `min` ({min}) must not exceed `max` ({max})",
            place.of(f)
        ));
    }
    Ok(Factor {
        path: path.clone(),
        min,
        max,
    })
}

/// `method = "table"`: the points of a CSV file beside the experiment file, its header
/// naming the factors (so `[[design.factor]]` is refused).
fn table(
    base: &Scenario,
    keys: &DesignKeys,
    factors: &[FactorTable],
    (files, dir): (&dyn FileSource, &Path),
    place: Place,
) -> Result<(Vec<Factor>, Vec<Point>), String> {
    if let Some(f) = factors.first() {
        return Err(format!(
            "{}: a table design takes its factors from the CSV header; remove [[design.factor]]",
            place.of(f)
        ));
    }
    let file = keys.file.ok_or(
        "`file` (a CSV of points, header = dotted paths) is required for method = \"table\"",
    )?;
    read_table(files, base, &dir.join(file))
}

/// "`a`, `b` and `c`".
fn factor_names(factors: &[FactorTable]) -> String {
    let names: Vec<String> = factors
        .iter()
        .map(|f| format!("`{}`", f.path.get_ref()))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// Reads a table design: a header of dotted paths, then one row of numbers per point.
/// Messages name the CSV file, its line and the column.
fn read_table(
    files: &dyn FileSource,
    base: &Scenario,
    path: &Path,
) -> Result<(Vec<Factor>, Vec<Point>), String> {
    let shown = path.display();
    let records = files
        .read_table(path, limits::MAX_TABLE_BYTES)
        .map_err(|e| format!("cannot read the table `{shown}`: {e}"))?;
    let mut lines = records.into_iter();
    let (header_line, header) = lines
        .next()
        .ok_or_else(|| format!("the table `{shown}` is empty"))?;
    for (j, h) in header.iter().enumerate() {
        let col = j + 1;
        if h.is_empty() {
            return Err(format!(
                "`{shown}` line {header_line}, column {col}: the header has an empty name; name a dotted path such as `workforce.link_workers`"
            ));
        }
        base.get_path(h)
            .map_err(|e| format!("`{shown}` line {header_line}, column {col} `{h}`: {e}"))?;
        if let Some(first) = header[..j].iter().position(|g| g == h) {
            return Err(format!(
                "`{shown}` line {header_line}: column `{h}` appears twice (columns {} and {col}); give each factor one column",
                first + 1
            ));
        }
    }
    let mut pts = Vec::new();
    for (line, row) in lines {
        if pts.len() >= limits::MAX_POINTS {
            return Err(format!(
                "the table `{shown}` has more than {} points (the limit of a design; see the README's limits)",
                limits::MAX_POINTS
            ));
        }
        let cells = row;
        if cells.len() != header.len() {
            return Err(format!(
                "`{shown}` line {line}: {} values for {} columns",
                cells.len(),
                header.len()
            ));
        }
        let values = header
            .iter()
            .zip(&cells)
            .enumerate()
            .map(|(j, (h, c))| {
                let place = format!("`{shown}` line {line}, column {} `{h}`", j + 1);
                let x: f64 = c
                    .parse()
                    .map_err(|_| format!("{place}: `{c}` is not a number"))?;
                check_value(base, h, x).map_err(|e| format!("{place}: {e}"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        pts.push(Point {
            index: pts.len(),
            values,
        });
    }
    if pts.is_empty() {
        return Err(format!("the table `{shown}` has no points"));
    }
    check_size(pts.len(), header.len(), &format!("the table `{shown}`"))?;
    let fs = header
        .iter()
        .enumerate()
        .map(|(j, h)| {
            let xs: Vec<f64> = pts.iter().map(|p| p.values[j].as_f64()).collect();
            Factor {
                path: h.clone(),
                min: xs.iter().copied().fold(f64::INFINITY, f64::min),
                max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect();
    Ok((fs, pts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silently_wrong_sweeps_steps_are_the_decimals_as_written() {
        let got = range_levels("x", 0.1, 0.5, 0.1).unwrap();
        assert_eq!(got, vec![0.1, 0.2, 0.3, 0.4, 0.5]);
        let text: Vec<String> = got.iter().map(|x| format!("{x:?}")).collect();
        assert_eq!(text, ["0.1", "0.2", "0.3", "0.4", "0.5"]);
        assert_eq!(
            range_levels("x", -0.3, 0.3, 0.15).unwrap(),
            vec![-0.3, -0.15, 0.0, 0.15, 0.3]
        );
        assert_eq!(
            range_levels("x", 2.0, 6.0, 2.0).unwrap(),
            vec![2.0, 4.0, 6.0]
        );
        assert_eq!(range_levels("x", 0.7, 0.7, 0.1).unwrap(), vec![0.7]);
    }

    #[test]
    fn ranges_that_do_not_land_on_to_or_cannot_be_exact_are_refused() {
        let e = range_levels("x", 0.0, 1.0, 0.3).unwrap_err();
        assert!(e.contains("to = 0.9") && e.contains("to = 1.2"), "{e}");
        assert!(range_levels("x", 0.0, f64::NAN, 0.1).is_err());
        assert!(range_levels("x", 0.0, 1.0, f64::INFINITY).is_err());
        assert!(range_levels("x", 0.0, 1.0, 0.0).is_err());
        assert!(range_levels("x", 0.0, 1e300, 1.0).is_err());
        let e = range_levels("x", 0.0, 1e7, 1.0).unwrap_err();
        assert!(e.contains("10000001 levels"), "{e}");
    }

    #[test]
    fn design_sizes_are_checked_against_both_limits() {
        assert!(check_size(limits::MAX_POINTS, 10, "x").is_ok());
        let e = check_size(limits::MAX_POINTS + 1, 1, "x").unwrap_err();
        assert!(e.contains("at most 1000000 points"), "{e}");
        let e = check_size(900_000, 12, "x").unwrap_err();
        assert!(e.contains("900000 points × 12 factors"), "{e}");
        assert!(check_size(usize::MAX, usize::MAX, "x").is_err());
    }

    #[test]
    fn decimals_round_trip() {
        for x in [0.1, 1.5, -2.25, 1234.5678, 0.000123, 7.0] {
            let d = Decimal::of(x).unwrap();
            assert_eq!(decimal_value(d.digits, d.scale), x);
        }
    }
}
