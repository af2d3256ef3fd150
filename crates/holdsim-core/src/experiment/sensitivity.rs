//! `[sensitivity]`: a Morris screening or a Sobol' variance decomposition over chosen
//! parameter ranges. The design's points (on the unit cube, from
//! [`crate::sensitivity`]) are scaled to each factor's `[min, max]` and run like any
//! sweep (so they stream to disk and resume); each point's output is the mean of a
//! KPI over its replications, and the indices come from those outputs.
//!
//! Integer keys are rounded after scaling, which coarsens their effects; prefer float
//! keys for sensitivity analysis, or enough range that rounding is small.

use serde::Deserialize;
use toml::Spanned;

use super::design::{Factor, Point, check_size, check_value, line_of, present, refuse_ignored};
use super::limits;
use crate::kpi::Kpi;
use crate::scenario::Scenario;
use crate::sensitivity::{
    MorrisDesign, SaltelliDesign, morris_design, morris_indices_with, saltelli_design,
    sobol_indices,
};

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Morris,
    Sobol,
}

/// `[sensitivity]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivityTable {
    method: Method,
    kpis: Vec<String>,
    /// Morris: trajectories r (default 20) and grid levels p (even, default 4).
    trajectories: Option<usize>,
    levels: Option<usize>,
    /// Sobol': base samples n (a power of two; default 256).
    samples: Option<usize>,
    seed: Option<u64>,
    /// Bootstrap resamples for the confidence intervals (default 1000).
    bootstrap: Option<usize>,
    factor: Vec<FactorRange>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactorRange {
    path: Spanned<String>,
    min: Spanned<f64>,
    max: Spanned<f64>,
}

/// The analysis: its design (kept to compute indices from outputs) and what it reads.
#[derive(Clone, Debug)]
pub struct Sensitivity {
    pub design: AnalysisDesign,
    pub kpis: Vec<Kpi>,
    pub bootstrap: usize,
    pub seed: u64,
}

#[derive(Clone, Debug)]
pub enum AnalysisDesign {
    Morris(MorrisDesign),
    Sobol(SaltelliDesign),
}

/// One factor's indices for one KPI: Morris μ*, μ, σ (with μ*'s CI), or Sobol' S1 and ST
/// (with CIs). Unused fields are NaN.
#[derive(Clone, Debug)]
pub struct IndexRow {
    pub kpi: Kpi,
    pub factor: String,
    pub mu_star: f64,
    pub mu_star_ci: (f64, f64),
    pub mu: f64,
    pub sigma: f64,
    pub first: f64,
    pub first_ci: (f64, f64),
    pub total: f64,
    pub total_ci: (f64, f64),
    /// Elementary effects (Morris) or base rows (Sobol') used.
    pub used: usize,
}

impl Sensitivity {
    pub fn method_name(&self) -> &'static str {
        match self.design {
            AnalysisDesign::Morris(_) => "morris",
            AnalysisDesign::Sobol(_) => "sobol",
        }
    }

    /// Indices for `kpi` from one output per design point (NaN for a failed point).
    /// Morris effects are per unit of the factor's own range (`max − min`), so factors
    /// with different units compare.
    pub fn indices(&self, kpi: Kpi, factors: &[Factor], outputs: &[f64]) -> Vec<IndexRow> {
        let nan2 = (f64::NAN, f64::NAN);
        match &self.design {
            AnalysisDesign::Morris(d) => morris_indices_with(d, outputs, self.bootstrap, self.seed)
                .into_iter()
                .zip(factors)
                .map(|(m, f)| IndexRow {
                    kpi,
                    factor: f.path.clone(),
                    mu_star: m.mu_star,
                    mu_star_ci: m.mu_star_ci,
                    mu: m.mu,
                    sigma: m.sigma,
                    first: f64::NAN,
                    first_ci: nan2,
                    total: f64::NAN,
                    total_ci: nan2,
                    used: m.n_effects,
                })
                .collect(),
            AnalysisDesign::Sobol(d) => sobol_indices(d, outputs, self.bootstrap, self.seed)
                .into_iter()
                .zip(factors)
                .map(|(s, f)| IndexRow {
                    kpi,
                    factor: f.path.clone(),
                    mu_star: f64::NAN,
                    mu_star_ci: nan2,
                    mu: f64::NAN,
                    sigma: f64::NAN,
                    first: s.first,
                    first_ci: s.first_ci,
                    total: s.total,
                    total_ci: s.total_ci,
                    used: s.n_used,
                })
                .collect(),
        }
    }
}

/// Builds the factors, the points to run and the analysis from `[sensitivity]`,
/// refusing keys the method would ignore and sizes above [`super::limits`] before
/// anything is allocated. `text` is the experiment file (for line numbers).
pub fn build(
    base: &Scenario,
    t: SensitivityTable,
    text: &str,
) -> Result<(Vec<Factor>, Vec<Point>, Sensitivity), String> {
    if t.factor.is_empty() {
        return Err(
            "list the parameters to analyse as [[sensitivity.factor]] with `path`, `min` and `max`"
                .into(),
        );
    }
    let kpis = Kpi::parse_list(&t.kpis)?;
    if kpis.is_empty() {
        return Err("`kpis` must name at least one KPI".into());
    }
    check_method_keys(&t)?;
    let factors = factor_ranges(base, &t.factor, text)?;
    let k = factors.len();
    let seed = t.seed.unwrap_or(1);
    let bootstrap = check_bootstrap(t.bootstrap.unwrap_or(1000), k)?;
    let (design, unit) = match t.method {
        Method::Morris => {
            let d = morris(&t, k, bootstrap, seed)?;
            let unit = d.points.clone();
            (AnalysisDesign::Morris(d), unit)
        }
        Method::Sobol => {
            let d = sobol(&t, k, bootstrap, seed)?;
            let unit = d.points();
            (AnalysisDesign::Sobol(d), unit)
        }
    };
    let points = super::design::scale(base, &factors, &unit)?;
    Ok((
        factors,
        points,
        Sensitivity {
            design,
            kpis,
            bootstrap,
            seed,
        },
    ))
}

/// Refuses the keys of the other method (Morris takes `trajectories` and `levels`,
/// Sobol' `samples`): silently ignoring them would run a different analysis than
/// the file seems to ask for.
fn check_method_keys(t: &SensitivityTable) -> Result<(), String> {
    let ignored = match t.method {
        Method::Morris => present(&[("samples", t.samples.is_some())]),
        Method::Sobol => present(&[
            ("trajectories", t.trajectories.is_some()),
            ("levels", t.levels.is_some()),
        ]),
    };
    let method = match t.method {
        Method::Morris => "morris",
        Method::Sobol => "sobol",
    };
    refuse_ignored(
        &ignored,
        method,
        " (Morris takes `trajectories` and `levels`, Sobol' takes `samples`)",
    )
}

/// The factors' ranges, each naming a parameter of `base` once, both ends valid for
/// it, `min` below `max`.
fn factor_ranges(
    base: &Scenario,
    written: &[FactorRange],
    text: &str,
) -> Result<Vec<Factor>, String> {
    let mut factors: Vec<Factor> = Vec::new();
    for (i, f) in written.iter().enumerate() {
        let path = f.path.get_ref();
        let at = format!(
            "line {}: factor `{path}`",
            line_of(text, f.path.span().start)
        );
        base.get_path(path).map_err(|e| format!("{at}: {e}"))?;
        if let Some(first) = written[..i].iter().find(|g| g.path.get_ref() == path) {
            return Err(format!(
                "{at} is listed twice (first on line {}); give each factor once",
                line_of(text, first.path.span().start)
            ));
        }
        let at_key = |span: std::ops::Range<usize>| {
            format!("line {}: factor `{path}`", line_of(text, span.start))
        };
        let (min, max) = (*f.min.get_ref(), *f.max.get_ref());
        check_value(base, path, min)
            .map_err(|e| format!("{}: `min`: {e}", at_key(f.min.span())))?;
        check_value(base, path, max)
            .map_err(|e| format!("{}: `max`: {e}", at_key(f.max.span())))?;
        if min >= max {
            return Err(format!(
                "{at}: `min` ({}) must be below `max` ({})",
                min, max
            ));
        }
        factors.push(Factor {
            path: path.clone(),
            min,
            max,
        });
    }
    Ok(factors)
}

/// `bootstrap` if its resamples of `k` factors' indices fit [`limits`].
fn check_bootstrap(bootstrap: usize, k: usize) -> Result<usize, String> {
    if bootstrap > limits::MAX_BOOTSTRAP {
        return Err(format!(
            "`bootstrap` = {bootstrap} is more than the {} resamples allowed (see the README's limits)",
            limits::MAX_BOOTSTRAP
        ));
    }
    if bootstrap
        .checked_mul(k)
        .is_none_or(|v| v > limits::MAX_BOOTSTRAP_VALUES)
    {
        return Err(format!(
            "`bootstrap` = {bootstrap} × {k} factors is more than the {} resampled indices allowed per KPI (see the README's limits); use fewer resamples",
            limits::MAX_BOOTSTRAP_VALUES
        ));
    }
    Ok(bootstrap)
}

/// Refuses `bootstrap` resamples of `points` outputs above [`limits::MAX_BOOTSTRAP_WORK`].
fn check_bootstrap_work(bootstrap: usize, points: usize) -> Result<(), String> {
    if (bootstrap as u64).saturating_mul(points as u64) > limits::MAX_BOOTSTRAP_WORK {
        return Err(format!(
            "`bootstrap` = {bootstrap} resamples of {points} points is more than {} resampled outputs per KPI (see the README's limits); use fewer resamples",
            limits::MAX_BOOTSTRAP_WORK
        ));
    }
    Ok(())
}

/// Morris screening of `k` factors: `trajectories` r (default 20) one-at-a-time paths
/// on a grid of `levels` (even, default 4), r × (k + 1) points.
fn morris(
    t: &SensitivityTable,
    k: usize,
    bootstrap: usize,
    seed: u64,
) -> Result<MorrisDesign, String> {
    let r = t.trajectories.unwrap_or(20);
    let levels = t.levels.unwrap_or(4);
    if levels < 2 || !levels.is_multiple_of(2) || levels > 1_000_000 {
        return Err(format!(
            "`levels` must be an even number from 2 to 1000000 (Morris grid), found {levels}"
        ));
    }
    if r < 2 {
        return Err(format!("`trajectories` must be at least 2, found {r}"));
    }
    let n = r.saturating_mul(k + 1);
    check_size(n, k, &format!("`trajectories` = {r} × ({k} factors + 1)"))?;
    check_bootstrap_work(bootstrap, n)?;
    Ok(morris_design(k, r, levels, seed))
}

/// Sobol' indices of `k` factors from a Saltelli design of `samples` base rows (a
/// power of two, default 256), n × (k + 2) points.
fn sobol(
    t: &SensitivityTable,
    k: usize,
    bootstrap: usize,
    seed: u64,
) -> Result<SaltelliDesign, String> {
    let n = t.samples.unwrap_or(256);
    if n < 2 || !n.is_power_of_two() {
        return Err(format!(
            "`samples` must be a power of two ≥ 2 (Sobol' base sample), found {n}"
        ));
    }
    let total = n.saturating_mul(k + 2);
    check_size(total, k, &format!("`samples` = {n} × ({k} factors + 2)"))?;
    check_bootstrap_work(bootstrap, total)?;
    Ok(saltelli_design(k, n, seed, false))
}
