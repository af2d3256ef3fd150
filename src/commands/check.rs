//! `holdsim check`: validate a scenario and print it with every default filled in.
//!
//! Loading runs the one validator, `Model::try_new`'s own derivation (cross-key
//! rules, every distribution's limits, every `[[site_group]]` after inheritance), so
//! a scenario `check` accepts is one `run` can build and run; only the per-day
//! series are not built here, which keeps `check` fast on many site groups.

use super::load_scenario;
use crate::cli::CheckArgs;

pub fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let s = load_scenario(&args.scenario.scenario, &args.scenario.overrides, &[])?;
    println!(
        "# {} is valid. Resolved scenario, every default filled in:\n",
        args.scenario.scenario.display()
    );
    print!("{}", s.to_toml());
    Ok(())
}
