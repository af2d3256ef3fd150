//! Calibration files: a base scenario, the parameters to calibrate with their
//! uniform priors, and the observed targets.
//!
//! ```toml
//! base = "../scenarios/baseline.toml"
//! title = "…"
//! [calibration]            # every key optional, defaults below
//! [[parameter]]            # path, optional min/max (default: the registry's plausible range)
//! [[target]]               # kpi, value, sd, source, optional scenario and discrepancy_sd
//! ```
//!
//! Every problem is collected (not only the first) and named by file, line and key,
//! as scenario problems are; sizes are bounded before anything runs.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::CalibrationError;
use crate::experiment::design::{check_value, line_of};
use crate::kpi::{ALL_KPIS, Kpi};
use crate::scenario::{self, Problem, Scenario};
use crate::source::FileSource;

/// Most parameters one calibration may fit: beyond a handful, direct-simulation
/// history matching cannot cover the space with thousands of points.
pub const MAX_PARAMETERS: usize = 12;
/// Most particles, points per wave, replications, waves and generations: each bounds
/// memory or work before anything is allocated.
pub const MAX_PARTICLES: usize = 100_000;
pub const MAX_REPLICATIONS: u32 = 10_000;
pub const MAX_WAVES: u32 = 20;
pub const MAX_GENERATIONS: u32 = 50;

/// `[calibration]`, every key optional (docs/calibration.md gives why each default).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Replications per parameter point (default 20).
    pub replications: u32,
    pub seed: u64,
    /// Posterior sample size (default 1000).
    pub particles: usize,
    /// History-matching waves (default 3).
    pub waves: u32,
    /// Points run per wave (default: `particles`).
    pub wave_points: usize,
    /// Implausibility cut-off (default 3, Pukelsheim's three-sigma rule).
    pub cutoff: f64,
    /// Model-discrepancy sd as a share of each observed value, for targets that do not
    /// give their own `discrepancy_sd` (default 0.05).
    pub discrepancy: f64,
    /// Most ABC generations (default 8); the schedule usually reaches its floor sooner.
    pub generations: u32,
    /// Proposals one generation may simulate, as a multiple of `particles` (default 20).
    pub attempts: u32,
}

/// A parameter to calibrate and its uniform prior.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub path: String,
    pub min: f64,
    pub max: f64,
    /// Whether `min`/`max` came from the registry's plausible range.
    pub from_registry: bool,
}

/// An observed figure and the model output it is compared with.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub kpi: Kpi,
    pub value: f64,
    pub sd: f64,
    /// Model-discrepancy sd (given, or `discrepancy` × |value|).
    pub discrepancy_sd: f64,
    pub source: String,
    /// Index into [`Calibration::scenarios`] (0: the base scenario).
    pub scenario: usize,
}

impl Target {
    /// Observation plus model-discrepancy variance: what the data and the model's
    /// known imperfection allow, before simulation noise.
    pub fn fixed_variance(&self) -> f64 {
        self.sd * self.sd + self.discrepancy_sd * self.discrepancy_sd
    }
}

/// A loaded, checked calibration.
#[derive(Clone, Debug)]
pub struct Calibration {
    pub path: PathBuf,
    pub title: String,
    pub settings: Settings,
    pub parameters: Vec<Parameter>,
    pub targets: Vec<Target>,
    /// The scenarios targets are measured under, as (name as written, scenario); the
    /// first is the base.
    pub scenarios: Vec<(String, Scenario)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalibrationFile {
    base: Option<Spanned<String>>,
    title: Option<String>,
    #[allow(dead_code, reason = "free text for the reader of the file")]
    description: Option<String>,
    calibration: Option<SettingsTable>,
    #[serde(default)]
    parameter: Vec<ParameterTable>,
    #[serde(default)]
    target: Vec<TargetTable>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsTable {
    replications: Option<Spanned<i64>>,
    seed: Option<u64>,
    particles: Option<Spanned<i64>>,
    waves: Option<Spanned<i64>>,
    wave_points: Option<Spanned<i64>>,
    cutoff: Option<Spanned<f64>>,
    discrepancy: Option<Spanned<f64>>,
    generations: Option<Spanned<i64>>,
    attempts: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParameterTable {
    path: Spanned<String>,
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetTable {
    kpi: Spanned<String>,
    value: Spanned<f64>,
    sd: Spanned<f64>,
    source: Spanned<String>,
    scenario: Option<Spanned<String>>,
    discrepancy_sd: Option<Spanned<f64>>,
}

/// Collects the file's problems, each with its line and key.
struct Problems<'a> {
    source: String,
    text: &'a str,
    found: Vec<Problem>,
}

impl Problems<'_> {
    fn at(&mut self, span: std::ops::Range<usize>, key: &str, message: impl Into<String>) {
        self.found.push(Problem {
            source: self.source.clone(),
            line: Some(line_of(self.text, span.start)),
            key: Some(key.to_string()),
            message: message.into(),
        });
    }

    fn file(&mut self, message: impl Into<String>) {
        self.found.push(Problem {
            source: self.source.clone(),
            line: None,
            key: None,
            message: message.into(),
        });
    }
}

impl Calibration {
    /// Reads and checks a calibration file and the scenarios it names (relative to
    /// its folder), through `files`.
    pub fn load(files: &dyn FileSource, path: &Path) -> Result<Calibration, CalibrationError> {
        let shown = path.display().to_string();
        let text = files.read_text(path).map_err(|e| {
            let message = format!("cannot read calibration file `{shown}`: {e}");
            if e.user_can_fix {
                CalibrationError::Usage(message)
            } else {
                CalibrationError::Unreadable(message)
            }
        })?;
        let file: CalibrationFile = toml::from_str(&text).map_err(|e| {
            CalibrationError::Usage(format!("{shown}: {}", e.to_string().trim_end()))
        })?;
        let mut problems = Problems {
            source: shown.clone(),
            text: &text,
            found: Vec::new(),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let Some(base) = &file.base else {
            return Err(CalibrationError::Usage(format!(
                "{shown}: a calibration names its scenario with `base = \"path/to/scenario.toml\"` (relative to the calibration file)"
            )));
        };
        let base_scenario = scenario::load(files, &dir.join(base.get_ref()), &[])?;
        let settings = settings(file.calibration.unwrap_or_default(), &mut problems);
        let parameters = parameters(&file.parameter, &base_scenario, &mut problems);
        let mut scenarios = vec![(base.get_ref().clone(), base_scenario)];
        let targets = targets(
            &file.target,
            (files, dir, settings.discrepancy),
            &mut scenarios,
            &parameters,
            &mut problems,
        )?;
        if !problems.found.is_empty() {
            let lines: Vec<String> = problems.found.iter().map(|p| p.to_string()).collect();
            return Err(CalibrationError::Usage(lines.join("\n")));
        }
        let title = file.title.unwrap_or_else(|| {
            path.file_stem()
                .map_or("calibration".into(), |s| s.to_string_lossy().into_owned())
        });
        Ok(Calibration {
            path: path.to_path_buf(),
            title,
            settings,
            parameters,
            targets,
            scenarios,
        })
    }

    /// The uniform prior's bounds of every parameter, in parameter order.
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        self.parameters.iter().map(|p| (p.min, p.max)).collect()
    }
}

/// A count key: whole, from `low` to `high`, else a problem and the default.
fn count(
    value: &Option<Spanned<i64>>,
    (key, low, high, default): (&str, i64, i64, i64),
    problems: &mut Problems,
) -> i64 {
    match value {
        None => default,
        Some(v) if (low..=high).contains(v.get_ref()) => *v.get_ref(),
        Some(v) => {
            problems.at(
                v.span(),
                &format!("calibration.{key}"),
                format!(
                    "expected a whole number from {low} to {high}, found {}",
                    v.get_ref()
                ),
            );
            default
        }
    }
}

/// A number key inside `(low, high]`, else a problem and the default.
fn number(
    value: &Option<Spanned<f64>>,
    (key, low, high, default): (&str, f64, f64, f64),
    problems: &mut Problems,
) -> f64 {
    match value {
        None => default,
        Some(v) if v.get_ref().is_finite() && *v.get_ref() > low && *v.get_ref() <= high => {
            *v.get_ref()
        }
        Some(v) => {
            problems.at(
                v.span(),
                &format!("calibration.{key}"),
                format!(
                    "expected a number above {low} and at most {high}, found {}",
                    v.get_ref()
                ),
            );
            default
        }
    }
}

fn settings(t: SettingsTable, problems: &mut Problems) -> Settings {
    let max_particles = MAX_PARTICLES as i64;
    let particles = count(
        &t.particles,
        ("particles", 10, max_particles, 1000),
        problems,
    );
    Settings {
        replications: count(
            &t.replications,
            ("replications", 2, i64::from(MAX_REPLICATIONS), 20),
            problems,
        ) as u32,
        seed: t.seed.unwrap_or(1),
        particles: particles as usize,
        waves: count(&t.waves, ("waves", 1, i64::from(MAX_WAVES), 3), problems) as u32,
        wave_points: count(
            &t.wave_points,
            ("wave_points", 10, max_particles, particles),
            problems,
        ) as usize,
        cutoff: number(&t.cutoff, ("cutoff", 0.0, 100.0, 3.0), problems),
        discrepancy: match &t.discrepancy {
            Some(v) if *v.get_ref() == 0.0 => 0.0,
            _ => number(&t.discrepancy, ("discrepancy", 0.0, 10.0, 0.05), problems),
        },
        generations: count(
            &t.generations,
            ("generations", 1, i64::from(MAX_GENERATIONS), 8),
            problems,
        ) as u32,
        attempts: count(&t.attempts, ("attempts", 1, 1000, 20), problems) as u32,
    }
}

/// The parameters, each a numeric key of the base scenario named once, with bounds
/// valid for the key (or the registry's plausible range when left out).
fn parameters(
    written: &[ParameterTable],
    base: &Scenario,
    problems: &mut Problems,
) -> Vec<Parameter> {
    if written.is_empty() {
        problems.file("list the parameters to calibrate as [[parameter]] tables with `path` (and optionally `min` and `max`)");
    }
    if written.len() > MAX_PARAMETERS {
        problems.file(format!(
            "{} parameters is more than the {MAX_PARAMETERS} one calibration may fit",
            written.len()
        ));
    }
    let mut out: Vec<Parameter> = Vec::new();
    for p in written {
        let path = p.path.get_ref();
        let key = path.clone();
        if let Err(e) = base.get_path(path) {
            problems.at(p.path.span(), &key, e.to_string());
            continue;
        }
        if out.iter().any(|q| &q.path == path) {
            problems.at(
                p.path.span(),
                &key,
                "is listed twice; give each parameter once",
            );
            continue;
        }
        let plausible = scenario::levers::spec(path).and_then(|s| s.plausible);
        let mut end = |given: &Option<Spanned<f64>>, name: &str, fallback: Option<f64>| {
            let x = match (given, fallback) {
                (Some(v), _) => *v.get_ref(),
                (None, Some(x)) => x,
                (None, None) => {
                    problems.at(p.path.span(), &key, format!("give `{name}`: the registry has no plausible range for this key to default to"));
                    return None;
                }
            };
            let span = given.as_ref().map_or(p.path.span(), |v| v.span());
            match check_value(base, path, x) {
                Ok(_) => Some(x),
                Err(e) => {
                    problems.at(span, &key, format!("`{name}`: {e}"));
                    None
                }
            }
        };
        let min = end(&p.min, "min", plausible.map(|r| r.0));
        let max = end(&p.max, "max", plausible.map(|r| r.1));
        let (Some(min), Some(max)) = (min, max) else {
            continue;
        };
        if min >= max {
            problems.at(
                p.min.as_ref().map_or(p.path.span(), |v| v.span()),
                &key,
                format!("`min` ({min}) must be below `max` ({max})"),
            );
            continue;
        }
        out.push(Parameter {
            path: path.clone(),
            min,
            max,
            from_registry: p.min.is_none() || p.max.is_none(),
        });
    }
    out
}

/// The targets, each a KPI with a finite value and a positive sd; a target's own
/// scenario is loaded once and must have every calibrated parameter.
fn targets(
    written: &[TargetTable],
    (files, dir, discrepancy_share): (&dyn FileSource, &Path, f64),
    scenarios: &mut Vec<(String, Scenario)>,
    parameters: &[Parameter],
    problems: &mut Problems,
) -> Result<Vec<Target>, CalibrationError> {
    if written.is_empty() {
        problems.file(
            "list the observed figures as [[target]] tables with `kpi`, `value`, `sd` and `source`",
        );
    }
    let mut out = Vec::new();
    for t in written {
        let name = t.kpi.get_ref();
        let key = name.clone();
        let Some(kpi) = Kpi::from_name(name) else {
            problems.at(
                t.kpi.span(),
                "kpi",
                format!(
                    "`{name}` is not a KPI; expected one of {}",
                    ALL_KPIS.map(|k| k.name()).join(", ")
                ),
            );
            continue;
        };
        let value = *t.value.get_ref();
        if !value.is_finite() {
            problems.at(t.value.span(), &key, "`value`: not a finite number");
        }
        let sd = *t.sd.get_ref();
        if !(sd.is_finite() && sd > 0.0) {
            problems.at(
                t.sd.span(),
                &key,
                format!("`sd`: the observation's sd must be a number above 0, found {sd}"),
            );
        }
        let discrepancy_sd = match &t.discrepancy_sd {
            Some(d) if d.get_ref().is_finite() && *d.get_ref() >= 0.0 => *d.get_ref(),
            Some(d) => {
                problems.at(
                    d.span(),
                    &key,
                    format!(
                        "`discrepancy_sd`: expected a number ≥ 0, found {}",
                        d.get_ref()
                    ),
                );
                0.0
            }
            None => discrepancy_share * value.abs(),
        };
        let scenario = match &t.scenario {
            None => 0,
            Some(written) => {
                scenario_index(written, (files, dir), scenarios, parameters, problems)?
            }
        };
        out.push(Target {
            kpi,
            value,
            sd,
            discrepancy_sd,
            source: t.source.get_ref().clone(),
            scenario,
        });
    }
    Ok(out)
}

/// The index in `scenarios` of a target's scenario, as written: loaded once (relative
/// to the calibration file), checked to have every calibrated parameter.
fn scenario_index(
    written: &Spanned<String>,
    (files, dir): (&dyn FileSource, &Path),
    scenarios: &mut Vec<(String, Scenario)>,
    parameters: &[Parameter],
    problems: &mut Problems,
) -> Result<usize, CalibrationError> {
    let name = written.get_ref();
    if let Some(i) = scenarios.iter().position(|(n, _)| n == name) {
        return Ok(i);
    }
    let loaded = scenario::load(files, &dir.join(name), &[])?;
    for p in parameters {
        if let Err(e) = loaded.get_path(&p.path) {
            problems.at(
                written.span(),
                name,
                format!("`scenario`: parameter `{}`: {e}", p.path),
            );
        }
    }
    scenarios.push((name.clone(), loaded));
    Ok(scenarios.len() - 1)
}
