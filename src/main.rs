//! The `holdsim` binary: parse, dispatch, report errors. Everything else is in the library.

use std::process::ExitCode;

use clap::Parser;
use holdsim::cli::{Cli, Command};
use holdsim::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run(args),
        Command::Compare(args) => commands::compare(args),
        Command::Sweep(args) => commands::sweep(args),
        Command::Sensitivity(args) => commands::sensitivity(args),
        Command::Check(args) => commands::check(args),
        Command::Plot(args) => commands::plot(args),
        Command::Report(args) => commands::report(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2 for a scenario or command line the user must fix, 1 for anything else.
            let usage = e
                .downcast_ref::<holdsim::scenario::ScenarioError>()
                .is_some()
                || e.downcast_ref::<commands::UsageError>().is_some();
            if usage {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
