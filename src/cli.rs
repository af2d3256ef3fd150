//! Command-line interface: what the user typed, parsed by clap. The commands
//! themselves live in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A count that must be at least 1 (`--threads`), refused by clap (exit 2) otherwise.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number ≥ 1")),
    }
}

/// A seed as scenario files hold it: TOML integers are signed 64-bit, so a seed the
/// files could not record (and so could not reproduce) is refused here.
fn seed(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if i64::try_from(n).is_ok() => Ok(n),
        _ => Err(format!(
            "`{text}` is not a seed: a whole number from 0 to {} (a scenario file's integer)",
            i64::MAX
        )),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "holdsim",
    version,
    about = "Simulate social prescribing link workers, the patients they hold, and the strain that builds until some burn out and leave.",
    long_about = None,
    after_help = "Start with:  holdsim run scenarios/baseline.toml\nScenario format: every key is in docs/parameters.md; `holdsim check FILE` prints the resolved scenario."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run Monte Carlo replications of a scenario and write KPIs with confidence intervals.
    Run(RunArgs),
    /// Compare scenarios on common random numbers: paired differences with CIs, plots, report.html.
    Compare(CompareArgs),
    /// Run every point of an experiment's design (grid, Latin hypercube, random, table); resumable.
    Sweep(SweepArgs),
    /// Morris or Sobol' sensitivity analysis of KPIs over parameter ranges ([sensitivity] experiment).
    Sensitivity(SweepArgs),
    /// Calibrate uncertain parameters to observed figures: history matching, then ABC (posterior.csv, calibrated.toml).
    Calibrate(CalibrateArgs),
    /// Combine the shards of a sweep (DIR/shard-K-of-N/) into DIR, as a single run would have written it.
    Merge(MergeArgs),
    /// Write (and optionally submit) Slurm array and merge jobs for a sharded sweep.
    Slurm(SlurmArgs),
    /// Validate a scenario and print it with every default filled in.
    Check(CheckArgs),
    /// Redraw the plots (SVG and PNG) of a results folder without rerunning, at a size, without titles or with your own labels.
    Plot(PlotArgs),
    /// Rebuild report.html (and its plots) of a results folder without rerunning.
    Report(ResultsArgs),
    /// Start the web app: a form for your PCN and options, run comparisons in the browser, keep a log.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  holdsim serve            # then open http://127.0.0.1:8080/\n  holdsim serve --bind 0.0.0.0 --token \"$(openssl rand -hex 16)\""
)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but loopback needs --token or --insecure.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Folder of the scenario log: every job's results (default: ~/.local/share/holdsim).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Require this secret: `Authorization: Bearer TOKEN`, or open the page once with ?token=TOKEN.
    #[arg(long)]
    pub token: Option<String>,
    /// Allow a non-loopback --bind without a token (only behind a proxy that authenticates).
    #[arg(long)]
    pub insecure: bool,
    /// Most replications one job may ask for.
    #[arg(long, default_value_t = 1000)]
    pub max_replications: u32,
    /// Most simulated site-days (sites × days × replications, all scenarios) one job may ask for.
    #[arg(long, default_value_t = 50_000_000)]
    pub max_site_days: u64,
    /// Worker threads of a job (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = at_least_one)]
    pub threads: Option<usize>,
}

/// Options shared by commands that read a scenario.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Override one parameter for this run by its dotted path, e.g.
    /// `--set workforce.link_workers=4` or `--set profile.waiting.holding_hours_mean=0.5`
    /// (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Number of replications (default: the scenario's `run.replications`).
    #[arg(short = 'n', long)]
    pub replications: Option<u32>,
    /// Base seed (default: the scenario's `run.seed`).
    #[arg(long, value_parser = seed)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = at_least_one)]
    pub threads: Option<usize>,
    /// Output folder (default: results/<scenario file stem>).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the output folder if it exists.
    #[arg(long)]
    pub force: bool,
    /// Also write weekly series per site (timeseries_by_site.csv).
    #[arg(long)]
    pub per_site: bool,
    /// A posterior.csv written by `holdsim calibrate`: each replication runs with one
    /// particle's parameter values, drawn by weight, so results carry parameter
    /// uncertainty as well as chance (docs/calibration.md).
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (TOML), two or more.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// The scenario the others are compared with (one of the files given; default: the first).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Replications per scenario (default: the baseline's `run.replications`).
    #[arg(short = 'n', long)]
    pub replications: Option<u32>,
    /// Base seed for every scenario (default: the baseline's `run.seed`).
    #[arg(long, value_parser = seed)]
    pub seed: Option<u64>,
    /// Override a parameter in every scenario, e.g. `--set run.sites=2` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = at_least_one)]
    pub threads: Option<usize>,
    /// Output folder (default: results/compare-<A>-vs-<B>…).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the output folder if it exists.
    #[arg(long)]
    pub force: bool,
    /// Give each scenario its own random streams instead of common random numbers (to see
    /// what common random numbers buy: wider CIs of differences).
    #[arg(long)]
    pub independent_streams: bool,
    /// Skip rerunning the comparison across the plausible range of each assumption that
    /// decides it (by default 5 values of up to 4 assumptions; see robustness.csv).
    #[arg(long)]
    pub no_robustness: bool,
    /// A posterior.csv written by `holdsim calibrate`: replication r of every scenario
    /// runs with the same particle, drawn by weight (docs/calibration.md).
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// A results folder written by `holdsim run` or `holdsim compare`.
    pub results: PathBuf,
}

/// A figure's width or height in pixels: 200 to 4000 (its PNG is twice that), refused
/// by clap (exit 2) otherwise.
fn figure_pixels(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if (200..=4000).contains(&n) => Ok(n),
        Ok(n) => Err(format!(
            "{n} pixels is outside 200 to 4000 (the PNG is drawn at twice the size)"
        )),
        Err(_) => Err(format!("`{text}` is not a whole number of pixels")),
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  holdsim plot results/compare-baseline-vs-supported\n  holdsim plot DIR --width 700 --no-title --out figures\n  holdsim plot DIR --only fan_lw_vacant --width 700 --height 420\n  holdsim plot DIR --label baseline=\"Current team\" --label \"years since start=Years\""
)]
pub struct PlotArgs {
    /// A results folder written by `holdsim run` or `holdsim compare`.
    #[arg(value_name = "DIR")]
    pub results: PathBuf,
    /// Width of every figure in pixels (the SVG's size; the PNG is twice as large).
    /// Default 900.
    #[arg(long, value_parser = figure_pixels)]
    pub width: Option<u32>,
    /// Height of every figure in pixels. Default: what each figure needs at its width.
    #[arg(long, value_parser = figure_pixels)]
    pub height: Option<u32>,
    /// Leave each figure's title and subtitle out of the image (for a journal or a
    /// slide that gives its own title).
    #[arg(long)]
    pub no_title: bool,
    /// Replace a text in the figures. KEY is an option's file stem or title (to rename
    /// the option everywhere), or an axis, panel or figure title exactly as drawn.
    /// Repeatable, e.g. `--label baseline="Current team" --label "years since start=Years"`.
    #[arg(long = "label", value_name = "KEY=TEXT")]
    pub labels: Vec<String>,
    /// Folder for the figures (default: DIR/plots, where the report looks for them).
    #[arg(short, long, value_name = "FOLDER")]
    pub out: Option<PathBuf>,
    /// Draw only this figure, by its file name without extension, e.g.
    /// `--only fan_lw_vacant` (repeatable; default: every figure).
    #[arg(long, value_name = "FIGURE")]
    pub only: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Experiment file (TOML with `base = "scenario.toml"` and a [design] table for
    /// `sweep`, or a [sensitivity] table for `sensitivity`).
    pub experiment: PathBuf,
    /// Output folder (default: results/<experiment file stem>). Rerunning the same
    /// command resumes an interrupted sweep there.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = at_least_one)]
    pub threads: Option<usize>,
    /// Discard whatever the output folder holds and start again.
    #[arg(long)]
    pub force: bool,
    /// Override a parameter of the base scenario, e.g. `--set run.sites=2` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Run only shard K of N (K from 0): the points whose index is K mod N, written to
    /// DIR/shard-K-of-N/. Inside a Slurm array job the shard is read from
    /// SLURM_ARRAY_TASK_ID/MIN/STEP/COUNT when this is not given. For `sensitivity`
    /// a shard runs only its points: the indices come after `holdsim merge DIR` and a
    /// final `holdsim sensitivity EXP --out DIR`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The sweep's output folder, holding shard-K-of-N/ folders.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// Experiment file (TOML with [design]).
    pub experiment: PathBuf,
    /// Number of shards (array tasks).
    #[arg(long)]
    pub shards: usize,
    /// Output folder on the shared filesystem (default: results/<experiment file stem>).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Slurm partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit per shard, as Slurm takes it (e.g. 01:00:00).
    #[arg(long, default_value = "01:00:00")]
    pub time: String,
    /// Memory per shard, as Slurm takes it (e.g. 2G).
    #[arg(long, default_value = "2G")]
    pub mem: String,
    /// CPUs per shard (threads of each shard's sweep).
    #[arg(long, default_value_t = 1)]
    pub cpus: usize,
    /// Submit the jobs with sbatch after writing them.
    #[arg(long)]
    pub submit: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  holdsim calibrate calibration/literature.toml\nThe file's format and the method: docs/calibration.md."
)]
pub struct CalibrateArgs {
    /// Calibration file (TOML with `base = "scenario.toml"`, [[parameter]] and [[target]] tables).
    pub file: PathBuf,
    /// Output folder (default: results/<file stem>). Rerunning the same command resumes
    /// an interrupted calibration after its last finished stage.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the output folder if it exists, and discard a saved checkpoint.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = at_least_one)]
    pub threads: Option<usize>,
    /// No progress bars.
    #[arg(short, long)]
    pub quiet: bool,
}
