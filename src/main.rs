//! The `holdsim` binary: parse, dispatch, report errors. Everything else is in the library.

use std::process::ExitCode;

use clap::Parser;
use holdsim::cli::{Cli, Command};
use holdsim::commands;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away
    // (`holdsim … | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // Ctrl-C and `kill` remove what a command had half-written before exiting. Not for
    // `slurm`, whose child `sbatch` would inherit the blocked signals.
    if !matches!(cli.command, Command::Slurm(_)) {
        holdsim::output::interrupt::install();
    }
    let result = match &cli.command {
        Command::Run(args) => commands::run(args),
        Command::Compare(args) => commands::compare(args),
        Command::Sweep(args) => commands::sweep(args),
        Command::Sensitivity(args) => commands::sensitivity(args),
        Command::Merge(args) => commands::merge(args),
        Command::Slurm(args) => commands::slurm(args),
        Command::Check(args) => commands::check(args),
        Command::Plot(args) => commands::plot(args),
        Command::Report(args) => commands::report(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2 for a scenario, experiment or command line the user must fix, 1 for
            // anything else. The whole chain is searched, so context added on the way
            // up never turns an input problem into an environment one.
            let usage = e.chain().any(|c| {
                c.is::<holdsim::scenario::ScenarioError>() || c.is::<commands::UsageError>()
            });
            if usage {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
