//! Experiment files from the file system: the core's experiments
//! ([`holdsim_core::experiment`], re-exported here) read through
//! [`crate::input::FileSystem`], their problems mapped to the CLI's exit codes.

use std::path::Path;

pub use holdsim_core::experiment::*;

use crate::commands::UsageError;
use crate::input::FileSystem;

/// Reads and checks an experiment file; `overrides` are `--set` strings applied to
/// the base scenario. A problem the user can fix is a [`UsageError`] or a scenario
/// error (exit 2).
pub fn load(path: &Path, overrides: &[String]) -> anyhow::Result<Experiment> {
    Experiment::load(&FileSystem, path, overrides).map_err(|e| match e {
        ExperimentError::Usage(message) => anyhow::Error::new(UsageError(message)),
        ExperimentError::Scenario(e) => anyhow::Error::new(e),
        ExperimentError::Unreadable(message) => anyhow::anyhow!(message),
    })
}
