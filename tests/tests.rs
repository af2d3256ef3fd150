//! All integration tests, in one binary (faster to build and link than one binary
//! per file). Each module covers one concern.

mod util;

mod architecture;
mod board_answers;
mod calibrate;
mod cli;
mod comparison;
mod crn_draws;
mod fuzz;
mod invariants;
mod model_properties;
mod posterior;
mod project_documents;
mod reference_agreement;
mod reference_model;
mod registry;
mod report_browser;
mod robust_experiments;
mod robust_outputs;
mod robust_resources;
mod robust_validation;
mod scenario_errors;
mod scenario_local;
mod scenario_sections;
#[cfg(feature = "serve")]
mod serve;
#[cfg(feature = "serve")]
mod serve_browser;
mod slurm;
mod sweep;
mod workbook;
