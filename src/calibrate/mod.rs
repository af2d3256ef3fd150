//! `holdsim calibrate`'s files: the checkpoint a killed calibration resumes from, and
//! the result tables (`posterior`, `parameters`, `waves`, `targets`), `calibrated.toml`
//! and the manifest. The method is the core's [`holdsim_core::calibration`].

pub mod checkpoint;
pub mod plots;
pub mod posterior_file;
pub mod report;

use holdsim_core::calibration::posterior::{effective_size, marginal, predictive};
use holdsim_core::calibration::{Calibration, Calibrator, Particle, Stage};
use serde_json::json;

use crate::experiment::typed;
use crate::output::table::{Cell, Column, ColumnKind, Schema};
use crate::scenario::Scenario;

/// `posterior.csv`/`.parquet`: one row per particle, one column per parameter (its
/// dotted path), and its weight (the weights sum to 1).
pub fn posterior_schema(calibration: &Calibration) -> Schema {
    Schema::new(vec![Column::new("particle", ColumnKind::Int)])
        .with(
            calibration.parameters.iter().map(|p| p.path.clone()),
            ColumnKind::Float,
        )
        .with(["weight"], ColumnKind::Float)
}

/// Fills `posterior`'s rows.
pub fn fill_posterior(
    particles: &[Particle],
    sink: &mut dyn crate::output::table::TableSink,
) -> anyhow::Result<()> {
    let mut cells = Vec::new();
    for (i, p) in particles.iter().enumerate() {
        cells.clear();
        cells.push(Cell::count(i));
        cells.extend(p.theta.iter().map(|&x| Cell::Float(Some(x))));
        cells.push(Cell::Float(Some(p.weight)));
        sink.row(&cells)?;
    }
    Ok(())
}

/// `parameters.csv`: per parameter, its prior and its posterior median and 90%
/// interval, and how much of the prior's width that interval keeps.
pub fn parameters_schema() -> Schema {
    Schema::new(vec![
        Column::new("parameter", ColumnKind::Text),
        Column::new("prior", ColumnKind::Text),
    ])
    .with(
        [
            "prior_min",
            "prior_max",
            "posterior_median",
            "posterior_p5",
            "posterior_p95",
            "interval_share_of_prior",
        ],
        ColumnKind::Float,
    )
}

pub fn fill_parameters(
    calibration: &Calibration,
    particles: &[Particle],
    sink: &mut dyn crate::output::table::TableSink,
) -> anyhow::Result<()> {
    for (i, p) in calibration.parameters.iter().enumerate() {
        let (median, low, high) = marginal(particles, i);
        let prior = if p.from_registry {
            "uniform, registry's plausible range"
        } else {
            "uniform"
        };
        let mut cells = vec![Cell::Text(&p.path), Cell::Text(prior)];
        cells.extend(
            [
                p.min,
                p.max,
                median,
                low,
                high,
                (high - low) / (p.max - p.min),
            ]
            .map(|x| Cell::Float(Some(x))),
        );
        sink.row(&cells)?;
    }
    Ok(())
}

/// `waves.csv`: per stage, what it ran and kept.
pub fn waves_schema() -> Schema {
    Schema::new(vec![
        Column::new("stage", ColumnKind::Text),
        Column::new("number", ColumnKind::Int),
        Column::new("simulated_points", ColumnKind::Int),
        Column::new("failed_points", ColumnKind::Int),
        Column::new("kept", ColumnKind::Int),
    ])
    .with(
        [
            "share_kept",
            "implausibility_cutoff",
            "tolerance",
            "effective_sample_size",
        ],
        ColumnKind::Float,
    )
}

pub fn fill_waves(
    calibration: &Calibration,
    stages: &[Stage],
    sink: &mut dyn crate::output::table::TableSink,
) -> anyhow::Result<()> {
    let cutoff = calibration.settings.cutoff;
    for stage in stages {
        let cells = match stage {
            Stage::Wave(w) => {
                let kept = w.kept(cutoff).count();
                [
                    Cell::Text("history matching"),
                    Cell::count(w.wave),
                    Cell::count(w.points.len()),
                    Cell::count(w.failed()),
                    Cell::count(kept),
                    Cell::Float(Some(kept as f64 / w.points.len() as f64)),
                    Cell::Float(Some(cutoff)),
                    Cell::Float(None),
                    Cell::Float(None),
                ]
            }
            Stage::Generation(g) => {
                let weights: Vec<f64> = g.particles.iter().map(|p| p.weight).collect();
                [
                    Cell::Text("abc"),
                    Cell::count(g.generation),
                    Cell::count(g.simulations),
                    Cell::Float(None),
                    Cell::count(g.particles.len()),
                    Cell::Float(Some(g.particles.len() as f64 / g.simulations as f64)),
                    Cell::Float(Some(cutoff)),
                    Cell::Float(Some(g.tolerance)),
                    Cell::Float(Some(effective_size(&weights))),
                ]
            }
        };
        sink.row(&cells)?;
    }
    Ok(())
}

/// `targets.csv`: per target, the observation and the posterior predictive.
pub fn targets_schema() -> Schema {
    Schema::new(vec![
        Column::new("kpi", ColumnKind::Text),
        Column::new("scenario", ColumnKind::Text),
    ])
    .with(
        [
            "observed",
            "sd",
            "discrepancy_sd",
            "predictive_mean",
            "predictive_low_95",
            "predictive_high_95",
            "implausibility",
        ],
        ColumnKind::Float,
    )
    .with(["source"], ColumnKind::Text)
}

pub fn fill_targets(
    calibration: &Calibration,
    particles: &[Particle],
    sink: &mut dyn crate::output::table::TableSink,
) -> anyhow::Result<()> {
    for (i, t) in calibration.targets.iter().enumerate() {
        let p = predictive(particles, t, i);
        let mut cells = vec![
            Cell::Text(t.kpi.name()),
            Cell::Text(&calibration.scenarios[t.scenario].0),
        ];
        cells.extend(
            [
                t.value,
                t.sd,
                t.discrepancy_sd,
                p.mean,
                p.low,
                p.high,
                p.implausibility,
            ]
            .map(|x| Cell::Float(Some(x))),
        );
        cells.push(Cell::Text(&t.source));
        sink.row(&cells)?;
    }
    Ok(())
}

/// The base scenario with every calibrated parameter at its posterior median
/// (integer keys rounded), or why that combination is not a valid scenario.
pub fn calibrated_scenario(
    calibration: &Calibration,
    particles: &[Particle],
) -> Result<Scenario, String> {
    let mut scenario = calibration.scenarios[0].1.clone();
    for (i, p) in calibration.parameters.iter().enumerate() {
        let (median, _, _) = marginal(particles, i);
        let value = typed(&scenario, &p.path, median)?;
        scenario
            .set_path(&p.path, value)
            .map_err(|e| format!("{} = {median}: {e}", p.path))?;
    }
    scenario.validated()
}

/// `calibrated.toml`: a header saying where the values come from, then the resolved
/// scenario (every key, as `holdsim check` prints it), loadable by `run`.
pub fn calibrated_toml(calibration: &Calibration, scenario: &Scenario) -> String {
    let mut text = format!(
        "# Calibrated by `holdsim calibrate {}`: the base scenario `{}` with each\n# calibrated parameter at its posterior median:\n",
        calibration.path.display(),
        calibration.scenarios[0].0
    );
    for p in &calibration.parameters {
        let value = scenario
            .get_path(&p.path)
            .map_or_else(|e| e.to_string(), |v| v.to_string());
        text.push_str(&format!("#   {} = {value}\n", p.path));
    }
    text.push_str("# The medians alone hide the posterior's spread: see posterior.csv.\n\n");
    text.push_str(&scenario.to_toml());
    text
}

/// Everything that decides a calibration's results, as JSON: the manifest's core, and
/// (hashed) the checkpoint's fingerprint.
pub fn describe(calibration: &Calibration) -> serde_json::Value {
    let s = &calibration.settings;
    json!({
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "title": calibration.title,
        "settings": {
            "replications": s.replications, "seed": s.seed, "particles": s.particles,
            "waves": s.waves, "wave_points": s.wave_points, "cutoff": s.cutoff,
            "discrepancy": s.discrepancy, "generations": s.generations, "attempts": s.attempts,
        },
        "parameters": calibration.parameters.iter().map(|p| json!({
            "path": p.path, "min": p.min, "max": p.max, "from_registry": p.from_registry,
        })).collect::<Vec<_>>(),
        "targets": calibration.targets.iter().map(|t| json!({
            "kpi": t.kpi.name(), "value": t.value, "sd": t.sd,
            "discrepancy_sd": t.discrepancy_sd, "source": t.source,
            "scenario": calibration.scenarios[t.scenario].0,
        })).collect::<Vec<_>>(),
        "scenarios": calibration.scenarios.iter().map(|(name, s)| json!({
            "name": name, "scenario": s.to_json(),
        })).collect::<Vec<_>>(),
    })
}

/// The manifest: the description plus what the run did.
pub fn manifest(calibrator: &Calibrator, wall_seconds: f64, threads: usize) -> serde_json::Value {
    let mut m = describe(&calibrator.calibration);
    m["simulated_points"] = json!(calibrator.simulations());
    // Only the scenarios a target is measured under are run at each point.
    let c = &calibrator.calibration;
    let scenarios_run = (0..c.scenarios.len())
        .filter(|&i| c.targets.iter().any(|t| t.scenario == i))
        .count() as u64;
    m["replications_run"] =
        json!(calibrator.simulations() as u64 * u64::from(c.settings.replications) * scenarios_run);
    m["stages"] = json!(calibrator.stages.len());
    m["wall_seconds"] = json!(wall_seconds);
    m["threads"] = json!(threads);
    m
}
