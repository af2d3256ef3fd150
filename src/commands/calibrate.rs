//! `holdsim calibrate FILE`: history matching then ABC to observed targets
//! (docs/calibration.md), checkpointed after every stage, results written whole.

use std::path::{Path, PathBuf};
use std::time::Instant;

use holdsim_core::calibration::{Calibration, CalibrationError, Calibrator, Particle, Stage};

use super::{UsageError, threads};
use crate::calibrate::{self, checkpoint};
use crate::cli::CalibrateArgs;
use crate::input::FileSystem;
use crate::output::atomic::Staging;
use crate::output::folder;
use crate::output::table::{Csv, Format, Parquet, Schema, TableSink};
use crate::progress;

/// Loads a calibration file, its errors typed for the exit code (2 for the user's).
pub fn load(path: &Path) -> anyhow::Result<Calibration> {
    Calibration::load(&FileSystem, path).map_err(|e| match e {
        CalibrationError::Usage(m) => UsageError(m).into(),
        CalibrationError::Scenario(e) => anyhow::Error::new(e),
        CalibrationError::Unreadable(m) => anyhow::anyhow!(m),
    })
}

pub fn calibrate(args: &CalibrateArgs) -> anyhow::Result<()> {
    let calibration = load(&args.file)?;
    let threads = threads(args.threads)?;
    admit(&calibration, threads)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(
            args.file
                .file_stem()
                .map_or("calibration".into(), |s| s.to_string_lossy().into_owned()),
        )
    });
    let staging = Staging::begin(&out, args.force)?;
    let saved = checkpoint::folder_for(&folder::resolve(&out)?);
    let fingerprint = checkpoint::fingerprint(&calibrate::describe(&calibration));
    if args.force {
        checkpoint::remove(&saved)?;
    }
    let stages = match checkpoint::load(&saved, &fingerprint) {
        checkpoint::Found::Nothing => Vec::new(),
        checkpoint::Found::Stages(stages) => {
            eprintln!(
                "Resuming {} after {} finished stage{}.",
                out.display(),
                stages.len(),
                if stages.len() == 1 { "" } else { "s" }
            );
            stages
        }
        checkpoint::Found::Unusable(why) => {
            eprintln!("Starting afresh: {why}.");
            Vec::new()
        }
    };
    let started = Instant::now();
    let mut calibrator = Calibrator::new(calibration, threads, stages)?;
    run_stages(&mut calibrator, &saved, &fingerprint, args.quiet)?;
    let wall = started.elapsed().as_secs_f64();
    write_results(&staging, &calibrator, wall, threads)?;
    staging.commit()?;
    checkpoint::remove(&saved)?;
    print_summary(&calibrator, &out, wall);
    Ok(())
}

/// Refuses (exit 2) a calibration whose points cannot fit, as a sweep's are refused:
/// each scenario a target is measured under, sized at the calibrated parameters'
/// largest values, for the most points the waves and generations may run.
fn admit(calibration: &Calibration, threads: usize) -> anyhow::Result<()> {
    let s = &calibration.settings;
    let most_points = (s.waves as usize)
        .saturating_mul(s.wave_points)
        .saturating_add(
            (s.generations as usize)
                .saturating_mul(s.attempts as usize)
                .saturating_mul(s.particles),
        );
    let simulator = holdsim_core::calibration::simulate::Simulator::new(calibration);
    for (i, experiment) in simulator.experiments().iter().enumerate() {
        if calibration.targets.iter().any(|t| t.scenario == i) {
            super::sweep::admit_as(
                experiment,
                most_points,
                threads,
                "this calibration",
                "use fewer replications, particles, waves, generations or attempts, or a smaller or shorter scenario",
            )?;
        }
    }
    Ok(())
}

/// Runs the remaining stages, each with its own progress bar, saving the checkpoint
/// after each.
fn run_stages(
    calibrator: &mut Calibrator,
    saved: &Path,
    fingerprint: &str,
    quiet: bool,
) -> anyhow::Result<()> {
    let settings = calibrator.calibration.settings.clone();
    while !calibrator.is_done() {
        let waves_done = calibrator
            .stages
            .iter()
            .filter(|s| matches!(s, Stage::Wave(_)))
            .count();
        let (length, what) = if waves_done < settings.waves as usize {
            (
                settings.wave_points as u64,
                format!("points (history-matching wave {})", waves_done + 1),
            )
        } else {
            (
                (settings.particles * 2) as u64,
                format!(
                    "points (ABC generation {}; up to {} accepted)",
                    calibrator.stages.len() - waves_done,
                    settings.particles
                ),
            )
        };
        let bar = progress::bar(length, &what, quiet);
        calibrator
            .run_next(&|| {
                // An ABC generation runs until enough are accepted: extend its bar.
                if bar.position() >= bar.length().unwrap_or(0) {
                    bar.inc_length(settings.particles as u64);
                }
                bar.inc(1);
            })
            .map_err(UsageError)?;
        bar.finish_and_clear();
        if !quiet && let Some(stage) = calibrator.stages.last() {
            eprintln!("{}", describe_stage(stage, settings.cutoff));
        }
        checkpoint::save(saved, fingerprint, &calibrator.stages)?;
    }
    Ok(())
}

fn describe_stage(stage: &Stage, cutoff: f64) -> String {
    match stage {
        Stage::Wave(w) => {
            let kept = w.kept(cutoff).count();
            format!(
                "  wave {}: {} of {} points non-implausible ({:.1}%)",
                w.wave,
                kept,
                w.points.len(),
                100.0 * kept as f64 / w.points.len() as f64
            )
        }
        Stage::Generation(g) => format!(
            "  ABC generation {}: tolerance {:.3}, {} particles from {} simulated points",
            g.generation,
            g.tolerance,
            g.particles.len(),
            g.simulations
        ),
    }
}

/// Writes one table as CSV (and Parquet when asked) into the staging folder.
fn table(
    staging: &Staging,
    name: &str,
    schema: &Schema,
    parquet: bool,
    fill: &mut dyn FnMut(&mut dyn TableSink) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    staging.write(&format!("{name}.csv"), &Csv.bytes(schema, fill)?)?;
    if parquet {
        staging.write(&format!("{name}.parquet"), &Parquet.bytes(schema, fill)?)?;
    }
    Ok(())
}

fn write_results(
    staging: &Staging,
    calibrator: &Calibrator,
    wall: f64,
    threads: usize,
) -> anyhow::Result<()> {
    let calibration = &calibrator.calibration;
    let particles: &[Particle] = calibrator.posterior().unwrap_or_default();
    let schema = calibrate::posterior_schema(calibration);
    table(staging, "posterior", &schema, true, &mut |sink| {
        calibrate::fill_posterior(particles, sink)
    })?;
    table(
        staging,
        "parameters",
        &calibrate::parameters_schema(),
        false,
        &mut |sink| calibrate::fill_parameters(calibration, particles, sink),
    )?;
    table(
        staging,
        "waves",
        &calibrate::waves_schema(),
        false,
        &mut |sink| calibrate::fill_waves(calibration, &calibrator.stages, sink),
    )?;
    table(
        staging,
        "targets",
        &calibrate::targets_schema(),
        false,
        &mut |sink| calibrate::fill_targets(calibration, particles, sink),
    )?;
    match calibrate::calibrated_scenario(calibration, particles) {
        Ok(scenario) => staging.write(
            "calibrated.toml",
            calibrate::calibrated_toml(calibration, &scenario).as_bytes(),
        )?,
        Err(e) => eprintln!(
            "warning: the posterior medians together are not a valid scenario ({e}); calibrated.toml is not written"
        ),
    }
    let figures = crate::calibrate::plots::render(
        calibration,
        &calibrator.stages,
        particles,
        &staging.path().join("plots"),
    )?;
    staging.write(
        "report.html",
        crate::calibrate::report::html(calibrator, &figures, wall).as_bytes(),
    )?;
    let manifest = calibrate::manifest(calibrator, wall, threads);
    staging.write(
        "manifest.json",
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    Ok(())
}

fn print_summary(calibrator: &Calibrator, out: &Path, wall: f64) {
    let calibration = &calibrator.calibration;
    let particles = calibrator.posterior().unwrap_or_default();
    println!(
        "{} ({}): {} parameter points simulated × {} replications in {:.1} s",
        calibration.title,
        calibration.path.display(),
        calibrator.simulations(),
        calibration.settings.replications,
        wall
    );
    println!(
        "\nparameter                                   prior              posterior median [90% interval]"
    );
    for (i, p) in calibration.parameters.iter().enumerate() {
        let (median, low, high) = holdsim_core::calibration::posterior::marginal(particles, i);
        println!(
            "  {:<42} [{}, {}]  {}  [{}, {}]",
            p.path,
            crate::numbers::significant(p.min),
            crate::numbers::significant(p.max),
            crate::numbers::significant(median),
            crate::numbers::significant(low),
            crate::numbers::significant(high)
        );
    }
    if let Some(Stage::Generation(g)) = calibrator.stages.last()
        && g.tolerance > 1.0
    {
        println!(
            "\nNote: the ABC tolerance stopped at {:.2} (above the floor of 1) after the last allowed generation: the posterior is wider than the data alone allow; raise `generations` to go on.",
            g.tolerance
        );
    }
    println!("\nWrote {}.", out.display());
}
