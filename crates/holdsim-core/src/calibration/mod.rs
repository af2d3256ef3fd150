//! Calibration of uncertain scenario parameters to observed figures
//! (`holdsim calibrate`): history matching by direct simulation, then ABC
//! population Monte Carlo inside the space history matching did not rule out.
//! docs/calibration.md gives the algorithm, every tuning choice and its default.
//!
//! - [`file`] reads and checks a calibration file (TOML, problems with file, line
//!   and key), resolving each parameter's prior bounds from the registry's
//!   plausible range when the file leaves them out;
//! - [`simulate`] runs one parameter point: its scenario(s) built exactly as a sweep
//!   point's ([`crate::experiment::Experiment::scenario_at`], [`crate::sweep::run_point`]),
//!   reduced to each target's simulated mean and the variance of that mean;
//! - [`method`] the two stages (waves, then generations), resumable stage by stage;
//! - [`posterior`] weighted quantiles and the posterior predictive per target.
//!
//! Pure: no file, clock or terminal. Every random choice comes from a stream keyed by
//! (seed, stage, point index), points run in parallel and come back in index order,
//! so results are bit-identical for any thread count.

pub mod file;
pub mod method;
pub mod posterior;
pub mod simulate;

pub use file::{Calibration, Parameter, Settings, Target};
pub use method::{Calibrator, Generation, Particle, Stage, Wave};

use crate::scenario::ScenarioError;

/// Why a calibration file cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// Something in the file the user must fix; each line names file, line and key.
    #[error("{0}")]
    Usage(String),
    /// The base scenario or a target's scenario.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The file could not be read for a reason outside the user's input.
    #[error("{0}")]
    Unreadable(String),
}

#[cfg(test)]
mod tests;
