//! Designs of experiments: which points (parameter combinations) a sweep runs.
//!
//! - `grid`: the full factorial of every factor's `values` (or `from`/`to`/`step`),
//!   the first factor varying slowest;
//! - `latin_hypercube` and `random`: `points` draws over each factor's `[min, max]`
//!   with the design's own `seed`; integer keys are rounded to the nearest integer;
//! - `table`: an explicit CSV of points whose header names the dotted paths.

use std::path::Path;

use serde::Deserialize;

use super::typed;
use crate::scenario::{Number, Scenario};

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Grid,
    LatinHypercube,
    Random,
    Table,
}

/// `[[design.factor]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactorTable {
    path: String,
    values: Option<Vec<f64>>,
    from: Option<f64>,
    to: Option<f64>,
    step: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
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

/// Checks that `x` is a valid value of `path` on its own (type and range); combinations
/// are checked per point.
fn check_value(base: &Scenario, path: &str, x: f64) -> Result<Number, String> {
    let n = typed(base, path, x)?;
    let mut scratch = base.clone();
    scratch
        .set_path(path, n)
        .map_err(|e| format!("`{path}` = {x}: {e}"))?;
    Ok(n)
}

fn levels(f: &FactorTable) -> Result<Vec<f64>, String> {
    match (&f.values, f.from, f.to, f.step) {
        (Some(v), None, None, None) if !v.is_empty() => Ok(v.clone()),
        (None, Some(from), Some(to), Some(step)) => {
            if !(step > 0.0 && step.is_finite()) || to < from {
                return Err(format!("factor `{}`: need from ≤ to and step > 0", f.path));
            }
            let n = ((to - from) / step + 1e-9).floor() as usize + 1;
            if n > 1_000_000 {
                return Err(format!("factor `{}`: {n} levels is too many", f.path));
            }
            Ok((0..n).map(|i| from + i as f64 * step).collect())
        }
        _ => Err(format!(
            "factor `{}`: a grid factor needs either `values = [...]` or `from`, `to` and `step`",
            f.path
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

/// Builds the factors and points of a design, checking every path and value.
pub fn build(
    base: &Scenario,
    method: Method,
    points: Option<usize>,
    seed: Option<u64>,
    file: Option<&str>,
    factors: Vec<FactorTable>,
    dir: &Path,
) -> Result<(Vec<Factor>, Vec<Point>, &'static str), String> {
    for f in &factors {
        base.get_path(&f.path)
            .map_err(|e| format!("factor `{}`: {e}", f.path))?;
    }
    let mut seen: Vec<&str> = Vec::new();
    for f in &factors {
        if seen.contains(&f.path.as_str()) {
            return Err(format!("factor `{}` is listed twice", f.path));
        }
        seen.push(&f.path);
    }
    match method {
        Method::Grid => {
            if factors.is_empty() {
                return Err("a grid needs at least one [[design.factor]]".into());
            }
            let mut all_levels = Vec::new();
            for f in &factors {
                let ls = levels(f)?;
                let typed_levels = ls
                    .iter()
                    .map(|&x| check_value(base, &f.path, x))
                    .collect::<Result<Vec<_>, _>>()?;
                all_levels.push(typed_levels);
            }
            let total: usize = all_levels.iter().map(Vec::len).product();
            let mut pts = Vec::with_capacity(total);
            for index in 0..total {
                let mut rem = index;
                let mut values = vec![Number::Int(0); factors.len()];
                for (j, ls) in all_levels.iter().enumerate().rev() {
                    values[j] = ls[rem % ls.len()];
                    rem /= ls.len();
                }
                pts.push(Point { index, values });
            }
            let fs = factors
                .iter()
                .zip(&all_levels)
                .map(|(f, ls)| {
                    let xs: Vec<f64> = ls.iter().map(|n| n.as_f64()).collect();
                    Factor {
                        path: f.path.clone(),
                        min: xs.iter().copied().fold(f64::INFINITY, f64::min),
                        max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    }
                })
                .collect();
            Ok((fs, pts, "grid"))
        }
        Method::LatinHypercube | Method::Random => {
            let n = points.ok_or(
                "`points` (how many design points) is required for latin_hypercube and random",
            )?;
            if n == 0 {
                return Err("`points` must be at least 1".into());
            }
            if factors.is_empty() {
                return Err(
                    "a sampled design needs at least one [[design.factor]] with `min` and `max`"
                        .into(),
                );
            }
            let mut fs = Vec::new();
            for f in &factors {
                let (Some(min), Some(max)) = (f.min, f.max) else {
                    return Err(format!(
                        "factor `{}`: latin_hypercube and random need `min` and `max`",
                        f.path
                    ));
                };
                if min
                    .partial_cmp(&max)
                    .is_none_or(|o| o == std::cmp::Ordering::Greater)
                {
                    return Err(format!(
                        "factor `{}`: min ({min}) must not exceed max ({max})",
                        f.path
                    ));
                }
                check_value(base, &f.path, min)?;
                check_value(base, &f.path, max)?;
                fs.push(Factor {
                    path: f.path.clone(),
                    min,
                    max,
                });
            }
            let seed = seed.unwrap_or(1);
            let unit = if method == Method::LatinHypercube {
                crate::sensitivity::latin_hypercube(fs.len(), n, seed)
            } else {
                crate::sensitivity::uniform_random(fs.len(), n, seed)
            };
            let pts = scale(base, &fs, &unit)?;
            Ok((
                fs,
                pts,
                if method == Method::LatinHypercube {
                    "latin_hypercube"
                } else {
                    "random"
                },
            ))
        }
        Method::Table => {
            if !factors.is_empty() {
                return Err("a table design takes its factors from the CSV header; remove [[design.factor]]".into());
            }
            let file = file.ok_or("`file` (a CSV of points, header = dotted paths) is required for method = \"table\"")?;
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let header: Vec<String> = lines
                .next()
                .ok_or_else(|| format!("`{}` is empty", path.display()))?
                .split(',')
                .map(|s| s.trim().to_string())
                .collect();
            for h in &header {
                base.get_path(h)
                    .map_err(|e| format!("`{}` column `{h}`: {e}", path.display()))?;
            }
            let mut pts = Vec::new();
            for (i, line) in lines.enumerate() {
                let cells: Vec<&str> = line.split(',').map(str::trim).collect();
                if cells.len() != header.len() {
                    return Err(format!(
                        "`{}` line {}: {} values for {} columns",
                        path.display(),
                        i + 2,
                        cells.len(),
                        header.len()
                    ));
                }
                let values = header
                    .iter()
                    .zip(&cells)
                    .map(|(h, c)| {
                        let x: f64 = c.parse().map_err(|_| {
                            format!("`{}` line {}: `{c}` is not a number", path.display(), i + 2)
                        })?;
                        check_value(base, h, x)
                            .map_err(|e| format!("`{}` line {}: {e}", path.display(), i + 2))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                pts.push(Point { index: i, values });
            }
            if pts.is_empty() {
                return Err(format!("`{}` has no points", path.display()));
            }
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
            Ok((fs, pts, "table"))
        }
    }
}
