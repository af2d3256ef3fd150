//! The `holdsim` binary: parse, dispatch, report errors. Everything else is in the
//! library, including which exit code an error gets ([`holdsim::error::exit_code`]).

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
        Command::Calibrate(args) => commands::calibrate(args),
        Command::Merge(args) => commands::merge(args),
        Command::Slurm(args) => commands::slurm(args),
        Command::Check(args) => commands::check(args),
        Command::Plot(args) => commands::plot(args),
        Command::Report(args) => commands::report(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => holdsim::serve::serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(holdsim::error::exit_code(&e))
        }
    }
}
