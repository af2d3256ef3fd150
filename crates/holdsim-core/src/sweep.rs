//! Sweep points: every point of an experiment's design, each with its replications
//! (fixed or adaptive), run in parallel.
//!
//! Points are processed in chunks, in design order: a chunk's (point, replication)
//! jobs run in parallel and its results come back in point order, for the caller to
//! write (the CLI appends them to checkpointed files, so a killed sweep resumes
//! byte-identically; see the `holdsim` crate's `sweep::files`). Memory holds one
//! chunk at a time.

use rayon::prelude::*;

use crate::engine::{Options, Workspace, run_replication_in};
use crate::experiment::{Experiment, Point};
use crate::kpi::{self, Kpis};
use crate::model::Model;
use crate::stats::Summary;

/// One replication of one point.
#[derive(Clone, Debug)]
pub struct ReplicationRow {
    pub replication: u64,
    pub patient_days: f64,
    pub kpis: Kpis,
}

/// Everything a finished point contributes to the output files.
#[derive(Clone, Debug)]
pub struct PointResult {
    pub point: usize,
    /// `Err` with the reason when the point's scenario is invalid.
    pub outcome: Result<Vec<ReplicationRow>, String>,
}

fn replicate(model: &Model, range: std::ops::Range<u64>) -> Vec<ReplicationRow> {
    range
        .into_par_iter()
        .map_init(Workspace::default, |ws, r| {
            let rep = run_replication_in(ws, model, r, &Options::default());
            ReplicationRow {
                replication: r,
                patient_days: rep.patient_days,
                kpis: kpi::compute(model, &rep),
            }
        })
        .collect()
}

/// Whether every KPI the adaptive rule watches has a 95% CI half-width within
/// `target` of its mean. A KPI whose mean is 0 counts as met only when its half-width
/// is 0 too; one undefined in fewer than 2 replications is not yet met.
pub fn precise_enough(rows: &[ReplicationRow], kpis: &[kpi::Kpi], target: f64) -> bool {
    kpis.iter()
        .all(|&k| match Summary::of(rows.iter().map(|r| r.kpis[k])) {
            Some(s) if s.n > 1 => {
                let half = s.half_width();
                if s.mean == 0.0 {
                    half == 0.0
                } else {
                    half <= target * s.mean.abs()
                }
            }
            _ => false,
        })
}

/// Runs one point: its replications, adding batches while `[adaptive]` asks for more.
pub fn run_point(experiment: &Experiment, point: &Point) -> PointResult {
    let scenario = match experiment.scenario_at(point) {
        Ok(s) => s,
        Err(e) => {
            return PointResult {
                point: point.index,
                outcome: Err(e),
            };
        }
    };
    let mut model = match Model::try_new(&scenario) {
        Ok(m) => m,
        Err(e) => {
            return PointResult {
                point: point.index,
                outcome: Err(e.to_string()),
            };
        }
    };
    model.seed = experiment.seed_of(point);
    let first = u64::from(experiment.replications);
    let mut rows = replicate(&model, 0..first);
    if let Some(a) = &experiment.adaptive {
        let max = u64::from(a.max_replications);
        while (rows.len() as u64) < max
            && !precise_enough(&rows, &a.kpis, a.target_relative_half_width)
        {
            let done = rows.len() as u64;
            rows.extend(replicate(
                &model,
                done..(done + u64::from(a.batch)).min(max),
            ));
        }
    }
    PointResult {
        point: point.index,
        outcome: Ok(rows),
    }
}

/// Runs `points` (a chunk) in parallel and returns their results in design order.
pub fn run_chunk(experiment: &Experiment, points: &[Point]) -> Vec<PointResult> {
    points
        .par_iter()
        .map(|p| run_point(experiment, p))
        .collect()
}
