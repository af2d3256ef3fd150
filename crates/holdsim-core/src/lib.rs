//! The pure core of holdsim: everything that needs no file, network, clock or terminal.
//!
//! Scenarios (the parameter registry, TOML text parsing, validation), the model
//! derived from them, the engine, random streams and distributions, KPIs, statistics,
//! comparisons, experiment designs, sensitivity maths and parallel replications. Files
//! are reached only through a caller's [`source::FileSource`], so the CLI passes the
//! file system, the web app its uploads and tests a map in memory. The front ends (the
//! `holdsim` CLI and its I/O layer, the web app, the Python package) all stand on this
//! crate; its dependencies exclude every terminal, plotting, file-format and server
//! crate, which `cargo tree -p holdsim-core -e normal` shows and a test checks.

#![forbid(unsafe_code)]

pub mod analysis;
pub mod budget;
pub mod calibration;
mod catalogue;
pub mod compare;
pub mod dist;
pub mod economics;
pub mod engine;
pub mod experiment;
pub mod kpi;
pub mod model;
pub mod posterior;
pub mod rng;
pub mod robustness;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod source;
pub mod stats;
pub mod sweep;
pub mod verdict;
