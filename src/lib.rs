//! holdsim: an agent-based simulation of social prescribing link workers, the
//! "holding" work they do, and the strain that builds until some burn out and leave.
//!
//! This library is the I/O layer every front end shares — file loading, result files,
//! results reading, plots, the report, the commands — over the pure simulation core
//! [`holdsim_core`], whose modules are re-exported here under their own names. See
//! `ARCHITECTURE.md` for the crate and module map and `docs/model.md` for the model.

pub use holdsim_core::{
    analysis, calibration, compare, dist, economics, engine, kpi, model, posterior, rng,
    robustness, runner, sensitivity, source, stats, verdict,
};

pub mod budget;
pub mod build_info;
pub mod calibrate;
pub mod cli;
pub mod commands;
pub mod docs;
pub mod error;
pub mod experiment;
pub mod input;
pub mod numbers;
pub mod output;
pub mod plot;
pub mod progress;
pub mod report;
pub mod results;
pub mod scenario;
#[cfg(feature = "serve")]
pub mod serve;
pub mod sweep;
