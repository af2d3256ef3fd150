//! One parameter point run as a sweep point: the same scenario building
//! ([`Experiment::scenario_at`]: `--set`-style overrides by dotted path, then the
//! scenario's cross-key checks) and the same replications ([`sweep::run_point`]), so
//! a calibrated point is exactly what `sweep` would run. Each scenario a target is
//! measured under is one [`Experiment`]; the parameters apply to all of them, with
//! the same seed, so targets under two scenarios share common random numbers.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::file::{Calibration, Target};
use crate::experiment::{Experiment, Factor, Point, typed};
use crate::rng::mix;
use crate::stats::Summary;
use crate::sweep;

/// A target's simulated mean at one point, and the variance of that mean
/// (replication variance / replications): the simulation's own uncertainty.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Simulated {
    #[serde(with = "super::method::exact::one")]
    pub mean: f64,
    #[serde(with = "super::method::exact::one")]
    pub var_of_mean: f64,
}

/// Runs parameter points of one calibration.
#[derive(Clone, Debug)]
pub struct Simulator {
    experiments: Vec<Experiment>,
    targets: Vec<Target>,
}

impl Simulator {
    /// Each scenario's points as a sweep of the calibrated parameters (the first is
    /// the base): what a command sizes before running any.
    pub fn experiments(&self) -> &[Experiment] {
        &self.experiments
    }

    pub fn new(calibration: &Calibration) -> Simulator {
        let factors: Vec<Factor> = calibration
            .parameters
            .iter()
            .map(|p| Factor {
                path: p.path.clone(),
                min: p.min,
                max: p.max,
            })
            .collect();
        let experiments = calibration
            .scenarios
            .iter()
            .map(|(name, scenario)| Experiment {
                path: PathBuf::from(name),
                name: name.clone(),
                scenario: scenario.clone(),
                replications: calibration.settings.replications,
                seed: calibration.settings.seed,
                common_random_numbers: false,
                factors: factors.clone(),
                points: Vec::new(),
                adaptive: None,
                sensitivity: None,
                method: "calibration",
            })
            .collect();
        Simulator {
            experiments,
            targets: calibration.targets.clone(),
        }
    }

    /// Each target's simulated mean at `theta` (parameter order), with replications
    /// seeded from (`stage_seed`, `index`); `Err` says why the point cannot run (an
    /// invalid combination of values, a KPI undefined in the replications).
    pub fn run(
        &self,
        stage_seed: u64,
        index: usize,
        theta: &[f64],
    ) -> Result<Vec<Simulated>, String> {
        let mut per_scenario = Vec::with_capacity(self.experiments.len());
        for (i, base) in self.experiments.iter().enumerate() {
            // The base scenario is only run when a target is measured under it.
            if !self.targets.iter().any(|t| t.scenario == i) {
                per_scenario.push(Vec::new());
                continue;
            }
            let experiment = Experiment {
                seed: stage_seed,
                ..base.clone()
            };
            let values = experiment
                .factors
                .iter()
                .zip(theta)
                .map(|(f, &x)| typed(&experiment.scenario, &f.path, x))
                .collect::<Result<Vec<_>, _>>()?;
            let result = sweep::run_point(&experiment, &Point { index, values });
            per_scenario.push(result.outcome.map_err(|e| format!("{}: {e}", base.name))?);
        }
        self.targets
            .iter()
            .map(|t| {
                let rows = &per_scenario[t.scenario];
                match Summary::of(rows.iter().map(|r| r.kpis[t.kpi])) {
                    Some(s) if s.n >= 2 => Ok(Simulated {
                        mean: s.mean,
                        var_of_mean: s.sd * s.sd / s.n as f64,
                    }),
                    _ => Err(format!(
                        "`{}` is defined in fewer than 2 replications",
                        t.kpi.name()
                    )),
                }
            })
            .collect()
    }
}

/// The seed of one stage: wave `w` is stage `w`, ABC generation `g` is stage
/// `1000 + g`, so no two stages share replications' streams.
pub fn stage_seed(seed: u64, stage: u64) -> u64 {
    mix(mix(seed) ^ mix(stage.wrapping_add(0x5eed)))
}

/// Each target's implausibility at a point: |observed − simulated mean| over the
/// sd of their difference (observation, model discrepancy and the simulated mean's
/// variance together).
pub fn implausibilities(targets: &[Target], simulated: &[Simulated]) -> Vec<f64> {
    targets
        .iter()
        .zip(simulated)
        .map(|(t, s)| (t.value - s.mean).abs() / (t.fixed_variance() + s.var_of_mean).sqrt())
        .collect()
}
