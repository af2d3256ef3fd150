//! Experiment files: a base scenario plus a design of experiments (`holdsim sweep`).
//!
//! An experiment file names its scenario with `base = "…"`, may set scenario keys
//! itself, and adds tables a scenario never has: `[experiment]` (replications, seed,
//! streams), `[design]` (grid, Latin hypercube, random or an explicit table of points,
//! varying any scenario key by its dotted path), and optionally `[adaptive]`. Every
//! path and every value is checked before anything runs; a point whose *combination*
//! of values is invalid is recorded with its error when the sweep reaches it.
//!
//! Every problem the user can fix is an [`ExperimentError::Usage`] or
//! [`ExperimentError::Scenario`] (exit 2 in the CLI) naming the file, the table, the
//! factor and its line, so the user knows what to change; sizes are bounded by
//! [`limits`] before anything is allocated.

pub mod design;
pub mod sensitivity;

/// Sizes an experiment may ask for. Each is checked with checked arithmetic before
/// anything is allocated, and a file above one is refused (exit 2) saying the size
/// and the limit. The README lists them.
pub mod limits {
    /// Points in one design (grid, sampled, table, Morris or Sobol').
    pub const MAX_POINTS: usize = 1_000_000;
    /// Points × factors: the values a design holds in memory (16 bytes each).
    pub const MAX_DESIGN_VALUES: usize = 10_000_000;
    /// Bootstrap resamples of a sensitivity analysis.
    pub const MAX_BOOTSTRAP: usize = 100_000;
    /// Bootstrap resamples × factors: the resampled indices kept per KPI.
    pub const MAX_BOOTSTRAP_VALUES: usize = 10_000_000;
    /// Bootstrap resamples × design points: the work of the intervals per KPI.
    pub const MAX_BOOTSTRAP_WORK: u64 = 10_000_000_000;
    /// Replications of one sweep point (`[experiment] replications`, `[adaptive]
    /// max_replications`): a point's rows are held in memory until it is written.
    pub const MAX_REPLICATIONS_PER_POINT: u32 = 100_000;
    /// A table design's CSV file, in bytes.
    pub const MAX_TABLE_BYTES: u64 = 256 * 1024 * 1024;
}

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::kpi::Kpi;
use crate::scenario::{self, Number, Scenario, ScenarioError};
use crate::source::FileSource;

/// Why an experiment file cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// Something in the file (or the path given) the user must fix.
    #[error("{0}")]
    Usage(String),
    /// The base scenario or the file's scenario keys.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The file could not be read for a reason outside the user's input (permissions,
    /// a failing disk).
    #[error("{0}")]
    Unreadable(String),
}

fn usage(message: String) -> ExperimentError {
    ExperimentError::Usage(message)
}

pub use design::{Factor, Point};

/// `[experiment]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsTable {
    name: Option<String>,
    replications: Option<u32>,
    seed: Option<u64>,
    common_random_numbers: Option<bool>,
}

/// `[design]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DesignTable {
    method: design::Method,
    points: Option<usize>,
    seed: Option<u64>,
    file: Option<String>,
    #[serde(default)]
    factor: Vec<design::FactorTable>,
}

/// `[adaptive]`: replications until the CI is tight enough (or a maximum).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdaptiveTable {
    target_relative_half_width: f64,
    kpis: Vec<String>,
    max_replications: u32,
    batch: Option<u32>,
}

/// Declares [`ExperimentFile`] with a field for every scenario section the one table
/// lists ([`scenario::scenario_sections`]), so an experiment file accepts exactly the
/// sections a scenario does (with serde's `deny_unknown_fields` refusing the rest).
macro_rules! experiment_file {
    (
        tables { $( $(#[$tmeta:meta])* $table:ident : $table_ty:ident, )* }
        arrays { $( $(#[$ameta:meta])* $array:ident => $field:ident : $entry:ident = $default:expr, )* }
    ) => {
        /// The whole file as TOML sees it. Scenario sections pass through unread
        /// here: [`scenario::load_experiment_scenario`] checks them, with lines.
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ExperimentFile {
            base: Option<String>,
            #[allow(dead_code, reason = "accepted here, read by the scenario loader")]
            title: Option<IgnoredAny>,
            #[allow(dead_code, reason = "accepted here, read by the scenario loader")]
            description: Option<IgnoredAny>,
            experiment: Option<SettingsTable>,
            design: Option<DesignTable>,
            adaptive: Option<AdaptiveTable>,
            sensitivity: Option<sensitivity::SensitivityTable>,
            $(
                #[allow(dead_code, reason = "accepted here, read by the scenario loader")]
                $table: Option<IgnoredAny>,
            )*
            $(
                #[allow(dead_code, reason = "accepted here, read by the scenario loader")]
                $array: Option<IgnoredAny>,
            )*
        }
    };
}

scenario::scenario_sections!(experiment_file);

/// The replications algorithm (Hoad, Robinson & Davies 2010): run replications in
/// batches until the 95% CI half-width of every listed KPI is within
/// `target_relative_half_width` of its mean, or `max_replications` is reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Adaptive {
    pub target_relative_half_width: f64,
    pub kpis: Vec<Kpi>,
    pub max_replications: u32,
    /// Replications added per round after the first `replications`.
    pub batch: u32,
}

/// A loaded, checked experiment.
#[derive(Clone, Debug)]
pub struct Experiment {
    pub path: PathBuf,
    pub name: String,
    /// The scenario every point starts from.
    pub scenario: Scenario,
    /// Replications per point (the first round, with `[adaptive]`).
    pub replications: u32,
    pub seed: u64,
    /// Common random numbers across points (the default), else independent streams.
    pub common_random_numbers: bool,
    pub factors: Vec<Factor>,
    pub points: Vec<Point>,
    pub adaptive: Option<Adaptive>,
    /// The sensitivity analysis whose design this is (`holdsim sensitivity`).
    pub sensitivity: Option<sensitivity::Sensitivity>,
    /// The design method's name, for manifests.
    pub method: &'static str,
}

impl Experiment {
    /// Reads and checks an experiment file; `overrides` are `--set` strings applied to
    /// the base scenario.
    pub fn load(
        files: &dyn FileSource,
        path: &Path,
        overrides: &[String],
    ) -> Result<Experiment, ExperimentError> {
        let shown = path.display();
        let (text, file) = read_experiment_file(files, path)?;
        check_tables(&file, &shown.to_string())?;
        let scenario = scenario::load_experiment_scenario(files, path, overrides)?;
        let settings = file.experiment.unwrap_or_default();
        refuse_shadowed_overrides(&settings, overrides, &shown.to_string())?;
        let replications = settings.replications.unwrap_or(scenario.run.replications);
        if replications == 0 {
            return Err(usage(format!(
                "{shown}: [experiment] replications must be at least 1"
            )));
        }
        if replications > limits::MAX_REPLICATIONS_PER_POINT {
            return Err(usage(format!(
                "{shown}: [experiment] replications = {replications} is more than the {} a sweep point may run (see the README's limits)",
                limits::MAX_REPLICATIONS_PER_POINT
            )));
        }
        let seed = settings.seed.unwrap_or(scenario.run.seed);
        let dir = path.parent().unwrap_or(Path::new("."));
        let tables = (file.design, file.sensitivity);
        let design = build_design(&scenario, tables, (files, dir), &text)
            .map_err(|e| usage(format!("{shown}: {e}")))?;
        let adaptive = match file.adaptive {
            None => None,
            Some(a) => Some(
                check_adaptive(a, replications)
                    .map_err(|e| usage(format!("{shown}: [adaptive]: {e}")))?,
            ),
        };
        let name = settings.name.unwrap_or_else(|| {
            path.file_stem()
                .map_or("experiment".into(), |s| s.to_string_lossy().into_owned())
        });
        Ok(Experiment {
            path: path.to_path_buf(),
            name,
            scenario,
            replications,
            seed,
            common_random_numbers: settings.common_random_numbers.unwrap_or(true),
            factors: design.factors,
            points: design.points,
            adaptive,
            sensitivity: design.sensitivity,
            method: design.method,
        })
    }

    /// The scenario of one point, or why that combination is invalid.
    pub fn scenario_at(&self, point: &Point) -> Result<Scenario, String> {
        let mut s = self.scenario.clone();
        for (factor, value) in self.factors.iter().zip(&point.values) {
            s.set_path(&factor.path, *value)
                .map_err(|e| format!("{} = {value}: {e}", factor.path))?;
        }
        s.run.seed = self.seed;
        s.validated()
    }

    /// The seed a point runs with: the experiment's seed (common random numbers) or
    /// one derived from the point index.
    pub fn seed_of(&self, point: &Point) -> u64 {
        if self.common_random_numbers {
            self.seed
        } else {
            crate::rng::mix(self.seed ^ crate::rng::mix(point.index as u64 + 1))
        }
    }
}

/// The experiment file's text and its tables, or why it cannot be read or parsed.
fn read_experiment_file(
    files: &dyn FileSource,
    path: &Path,
) -> Result<(String, ExperimentFile), ExperimentError> {
    let shown = path.display();
    let text = files.read_text(path).map_err(|e| {
        let message = format!("cannot read experiment file `{shown}`: {e}");
        if e.user_can_fix {
            usage(message)
        } else {
            ExperimentError::Unreadable(message)
        }
    })?;
    let file: ExperimentFile = toml::from_str(&text)
        .map_err(|e| usage(format!("{shown}: {}", e.to_string().trim_end())))?;
    Ok((text, file))
}

/// Refuses a file without exactly one of `[design]` and `[sensitivity]`, or without
/// a `base` scenario, saying what to do instead.
fn check_tables(file: &ExperimentFile, shown: &str) -> Result<(), ExperimentError> {
    if file.design.is_none() && file.sensitivity.is_none() {
        return Err(usage(format!(
            "{shown} has no [design] or [sensitivity] table, so it is a scenario, not an experiment: run it with `holdsim run {shown}`; an experiment names its scenario with `base = \"…\"` and adds [design] (for `holdsim sweep`) or [sensitivity] (for `holdsim sensitivity`)"
        )));
    }
    if file.design.is_some() && file.sensitivity.is_some() {
        return Err(usage(format!(
            "{shown}: give either [design] (for `holdsim sweep`) or [sensitivity] (for `holdsim sensitivity`), not both"
        )));
    }
    if file.base.is_none() {
        return Err(usage(format!(
            "{shown}: an experiment must name its scenario with `base = \"path/to/scenario.toml\"` (relative to the experiment file)"
        )));
    }
    Ok(())
}

/// What an experiment's `[design]` or `[sensitivity]` table builds.
struct BuiltDesign {
    factors: Vec<Factor>,
    points: Vec<Point>,
    method: &'static str,
    sensitivity: Option<sensitivity::Sensitivity>,
}

/// The factors and points of the one design table [`check_tables`] let through, or
/// what is wrong with it (prefixed with the table's name).
fn build_design(
    scenario: &Scenario,
    tables: (Option<DesignTable>, Option<sensitivity::SensitivityTable>),
    files_and_dir: (&dyn FileSource, &Path),
    text: &str,
) -> Result<BuiltDesign, String> {
    match tables {
        (Some(d), _) => {
            let keys = design::DesignKeys {
                method: d.method,
                points: d.points,
                seed: d.seed,
                file: d.file.as_deref(),
            };
            let (factors, points, method) =
                design::build(scenario, keys, d.factor, files_and_dir, text)
                    .map_err(|e| format!("[design]: {e}"))?;
            Ok(BuiltDesign {
                factors,
                points,
                method,
                sensitivity: None,
            })
        }
        (None, Some(t)) => {
            let (factors, points, spec) =
                sensitivity::build(scenario, t, text).map_err(|e| format!("[sensitivity]: {e}"))?;
            Ok(BuiltDesign {
                factors,
                points,
                method: spec.method_name(),
                sensitivity: Some(spec),
            })
        }
        (None, None) => unreachable!("check_tables refuses a file without either"),
    }
}

/// A `--set run.replications` or `run.seed` that the experiment's own
/// `[experiment]` setting would silently win over is refused, naming where to change
/// it: a sweep of other replications than asked for must not look like an answer.
fn refuse_shadowed_overrides(
    settings: &SettingsTable,
    overrides: &[String],
    shown: &str,
) -> Result<(), ExperimentError> {
    let set_by_experiment = [
        (
            "run.replications",
            "replications",
            settings.replications.map(u64::from),
        ),
        ("run.seed", "seed", settings.seed),
    ];
    for (key, name, value) in set_by_experiment {
        let overridden = overrides
            .iter()
            .any(|o| o.split_once('=').is_some_and(|(k, _)| k.trim() == key));
        if let (true, Some(value)) = (overridden, value) {
            return Err(usage(format!(
                "{shown}: --set {key} has no effect here: the experiment's [experiment] {name} = {value} sets it for every point; change it in the experiment file"
            )));
        }
    }
    Ok(())
}

fn check_adaptive(a: AdaptiveTable, replications: u32) -> Result<Adaptive, String> {
    if !(a.target_relative_half_width.is_finite() && a.target_relative_half_width > 0.0) {
        return Err(format!(
            "target_relative_half_width must be a number > 0, found {}",
            a.target_relative_half_width
        ));
    }
    if a.kpis.is_empty() {
        return Err("kpis must name at least one KPI".into());
    }
    let kpis = Kpi::parse_list(&a.kpis)?;
    if a.max_replications < replications.max(2) {
        return Err(format!(
            "max_replications ({}) must be at least the first round's replications ({}) and at least 2",
            a.max_replications, replications
        ));
    }
    if a.max_replications > limits::MAX_REPLICATIONS_PER_POINT {
        return Err(format!(
            "max_replications = {} is more than the {} a sweep point may run (see the README's limits)",
            a.max_replications,
            limits::MAX_REPLICATIONS_PER_POINT
        ));
    }
    let batch = a.batch.unwrap_or(replications.clamp(1, 10));
    if batch == 0 {
        return Err("batch must be at least 1".into());
    }
    Ok(Adaptive {
        target_relative_half_width: a.target_relative_half_width,
        kpis,
        max_replications: a.max_replications,
        batch,
    })
}

/// A value as the key's type wants it: integers for integer keys (rounded), floats otherwise.
pub fn typed(base: &Scenario, path: &str, x: f64) -> Result<Number, String> {
    match base.get_path(path).map_err(|e| format!("`{path}`: {e}"))? {
        Number::Int(_) => Ok(Number::Int(x.round() as i64)),
        Number::Float(_) => Ok(Number::Float(x)),
    }
}
