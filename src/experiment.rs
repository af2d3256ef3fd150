//! Experiment files from the file system: the core's experiments
//! ([`holdsim_core::experiment`], re-exported here) read through
//! [`crate::input::FileSystem`].

use std::path::Path;

pub use holdsim_core::experiment::*;

use crate::input::FileSystem;

/// Reads and checks an experiment file; `overrides` are `--set` strings applied to
/// the base scenario. `crate::error::exit_code` tells the user's problems
/// ([`ExperimentError::Usage`], [`ExperimentError::Scenario`]: exit 2) from the
/// machine's.
pub fn load(path: &Path, overrides: &[String]) -> anyhow::Result<Experiment> {
    Ok(Experiment::load(&FileSystem, path, overrides)?)
}
