//! holdsim: an agent-based simulation of social prescribing link workers, the
//! "holding" work they do, and the strain that builds until some burn out and leave.
//!
//! See `ARCHITECTURE.md` for the map of modules and `docs/model.md` for the model.

pub mod budget;
pub mod build_info;
mod catalogue;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod dist;
pub mod docs;
pub mod engine;
pub mod experiment;
pub mod kpi;
pub mod model;
pub mod numbers;
pub mod output;
pub mod plot;
pub mod progress;
pub mod report;
pub mod results;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
pub mod sweep;
