//! Scenarios from files: the core's scenario types and TOML parsing
//! ([`holdsim_core::scenario`], re-exported here), with `base` chains read from the
//! file system ([`crate::input::FileSystem`]).

use std::path::Path;

pub use holdsim_core::scenario::*;

use crate::input::FileSystem;

/// Loads a scenario file, its `base` chain and `overrides` (`path=value` strings, as
/// given to `--set`), then validates the result.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    holdsim_core::scenario::load(&FileSystem, path, overrides)
}

/// Loads the scenario an experiment file describes (its `base` chain and scenario
/// keys), ignoring its experiment tables.
pub fn load_experiment_scenario(
    path: &Path,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    holdsim_core::scenario::load_experiment_scenario(&FileSystem, path, overrides)
}
