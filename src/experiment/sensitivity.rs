//! `[sensitivity]`: a Morris screening or a Sobol' variance decomposition over chosen
//! parameter ranges. The design's points (on the unit cube, from
//! [`crate::sensitivity`]) are scaled to each factor's `[min, max]` and run like any
//! sweep (so they stream to disk and resume); each point's output is the mean of a
//! KPI over its replications, and the indices come from those outputs.
//!
//! Integer keys are rounded after scaling, which coarsens their effects; prefer float
//! keys for sensitivity analysis, or enough range that rounding is small.

use serde::Deserialize;

use super::design::{Factor, Point};
use super::typed;
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
    path: String,
    min: f64,
    max: f64,
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

/// Builds the factors, the points to run and the analysis from `[sensitivity]`.
pub fn build(
    base: &Scenario,
    t: SensitivityTable,
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
    let mut factors = Vec::new();
    for f in &t.factor {
        base.get_path(&f.path)
            .map_err(|e| format!("factor `{}`: {e}", f.path))?;
        if f.min.partial_cmp(&f.max) != Some(std::cmp::Ordering::Less) {
            return Err(format!(
                "factor `{}`: min ({}) must be below max ({})",
                f.path, f.min, f.max
            ));
        }
        for x in [f.min, f.max] {
            let n = typed(base, &f.path, x)?;
            base.clone()
                .set_path(&f.path, n)
                .map_err(|e| format!("`{}` = {x}: {e}", f.path))?;
        }
        if factors.iter().any(|g: &Factor| g.path == f.path) {
            return Err(format!("factor `{}` is listed twice", f.path));
        }
        factors.push(Factor {
            path: f.path.clone(),
            min: f.min,
            max: f.max,
        });
    }
    let k = factors.len();
    let seed = t.seed.unwrap_or(1);
    let bootstrap = t.bootstrap.unwrap_or(1000);
    let (design, unit) = match t.method {
        Method::Morris => {
            let levels = t.levels.unwrap_or(4);
            if levels < 2 || !levels.is_multiple_of(2) {
                return Err(format!(
                    "`levels` must be an even number ≥ 2 (Morris grid), found {levels}"
                ));
            }
            let r = t.trajectories.unwrap_or(20);
            if r < 2 {
                return Err(format!("`trajectories` must be at least 2, found {r}"));
            }
            let d = morris_design(k, r, levels, seed);
            let unit = d.points.clone();
            (AnalysisDesign::Morris(d), unit)
        }
        Method::Sobol => {
            let n = t.samples.unwrap_or(256);
            if n < 2 || !n.is_power_of_two() {
                return Err(format!(
                    "`samples` must be a power of two ≥ 2 (Sobol' base sample), found {n}"
                ));
            }
            let d = saltelli_design(k, n, seed, false);
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
