//! The `holdsim` binary: parse, dispatch, report errors. Everything else is in the library.

use std::process::ExitCode;

use clap::Parser;
use holdsim::cli::{Cli, Command};
use holdsim::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run(args),
        Command::Check(args) => commands::check(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2 for a scenario the user must fix, 1 for anything else.
            if e.downcast_ref::<holdsim::scenario::ScenarioError>()
                .is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
