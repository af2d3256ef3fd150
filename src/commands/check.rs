//! `holdsim check`: validate a scenario and print it with every default filled in.

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
