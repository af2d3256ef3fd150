//! `holdsim merge` and `holdsim slurm`: sharded sweeps on a Slurm cluster, through
//! Slurm itself (array jobs and a dependent merge job), not a home-made scheduler.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::sweep::default_out;
use crate::cli::{MergeArgs, SlurmArgs};
use crate::output::atomic::write_file;

pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    let merged = crate::sweep::merge::merge(&args.dir)?;
    println!(
        "Merged {} shards ({} points) into {} (points, replications, summary, status as CSV and Parquet; manifest.json).",
        merged.shards,
        merged.points,
        args.dir.display()
    );
    // A sharded sensitivity analysis gets its indices from the merged sweep.
    let manifest = std::fs::read_to_string(args.dir.join("manifest.json")).unwrap_or_default();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap_or_default();
    if let Some(method @ ("morris" | "sobol")) = manifest["method"].as_str() {
        println!(
            "This is a {method} sensitivity analysis: compute its indices with `holdsim sensitivity {} --out {}`.",
            manifest["experiment_file"].as_str().unwrap_or("EXPERIMENT"),
            args.dir.display()
        );
    }
    Ok(())
}

/// Single-quotes a path for a shell script.
fn sh(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(path))
    }
}

/// The array job and the merge job as sbatch scripts.
pub fn scripts(binary: &Path, experiment: &Path, out: &Path, args: &SlurmArgs) -> (String, String) {
    let partition = args
        .partition
        .as_ref()
        .map(|p| format!("#SBATCH --partition={p}\n"))
        .unwrap_or_default();
    let logs = out.join("slurm");
    let sweep = format!(
        "#!/bin/bash\n\
         # One shard of the sweep per array task; holdsim reads SLURM_ARRAY_TASK_ID/MIN/STEP/COUNT\n\
         # itself. A failed or cancelled shard resumes from its checkpoint when resubmitted:\n\
         #   sbatch --array=K {logs}/sweep.sbatch\n\
         #SBATCH --job-name=holdsim-sweep\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --mem={mem}\n\
         #SBATCH --time={time}\n\
         {partition}\
         #SBATCH --output={log}/shard-%a.out\n\
         set -euo pipefail\n\
         exec {bin} sweep {exp} --out {out} --threads {cpus} --quiet\n",
        logs = logs.display(),
        last = args.shards - 1,
        cpus = args.cpus,
        mem = args.mem,
        time = args.time,
        log = logs.display(),
        bin = sh(binary),
        exp = sh(experiment),
        out = sh(out),
    );
    let merge = format!(
        "#!/bin/bash\n\
         # Runs after every shard succeeded (afterok); if a shard fails this job is cancelled\n\
         # rather than left pending (--kill-on-invalid-dep=yes at submission).\n\
         #SBATCH --job-name=holdsim-merge\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --mem={mem}\n\
         #SBATCH --time={time}\n\
         {partition}\
         #SBATCH --output={log}/merge.out\n\
         set -euo pipefail\n\
         exec {bin} merge {out}\n",
        mem = args.mem,
        time = args.time,
        log = logs.display(),
        bin = sh(binary),
        out = sh(out),
    );
    (sweep, merge)
}

/// Writes the array job, the merge job and `submit.sh` for a sweep in shards, and
/// submits them with `--submit`.
pub fn slurm(args: &SlurmArgs) -> anyhow::Result<()> {
    check_shardable(args)?;
    let dir = write_jobs(args)?;
    println!(
        "Wrote {}/sweep.sbatch ({} array tasks), merge.sbatch and submit.sh.",
        dir.display(),
        args.shards
    );
    if !args.submit {
        println!("Submit with: bash {}", dir.join("submit.sh").display());
        return Ok(());
    }
    submit(&dir, args.shards)
}

/// Refuses, before anything is written, what cannot be split into `--shards` array
/// tasks: no shards, a sensitivity analysis, more shards than points.
fn check_shardable(args: &SlurmArgs) -> anyhow::Result<()> {
    if args.shards == 0 {
        return Err(super::UsageError("--shards must be at least 1".into()).into());
    }
    let experiment = crate::experiment::load(&args.experiment, &[])?;
    if experiment.sensitivity.is_some() {
        return Err(super::UsageError(format!(
            "{} is a sensitivity analysis; `holdsim slurm` writes jobs for [design] sweeps. Shard it in your own array job with `holdsim sensitivity {} --out DIR` (it reads the SLURM_ARRAY_* variables, or give --shard K/N), then `holdsim merge DIR` and `holdsim sensitivity {} --out DIR` for the indices",
            args.experiment.display(),
            args.experiment.display(),
            args.experiment.display()
        ))
        .into());
    }
    if args.shards > experiment.points.len() {
        return Err(super::UsageError(format!(
            "--shards {} is more than the {} points of the design; use at most {}",
            args.shards,
            experiment.points.len(),
            experiment.points.len()
        ))
        .into());
    }
    Ok(())
}

/// Writes `sweep.sbatch`, `merge.sbatch` and `submit.sh` into the sweep folder's
/// `slurm/` (making and marking the sweep folder if new) and returns that `slurm/`.
fn write_jobs(args: &SlurmArgs) -> anyhow::Result<PathBuf> {
    let out = absolute(
        &args
            .out
            .clone()
            .unwrap_or_else(|| default_out(&args.experiment)),
    )?;
    let exp = absolute(&args.experiment)?;
    let binary = std::env::current_exe().context("cannot find the holdsim binary's path")?;
    let (sweep, merge) = scripts(&binary, &exp, &out, args);
    let dir = out.join("slurm");
    // The sharded sweep's folder: made here, so it is holdsim's (for merge and --force).
    let new_folder = !out.exists();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    if new_folder {
        crate::output::folder::write_marker(&out)?;
    }
    write_file(&dir.join("sweep.sbatch"), sweep.as_bytes())?;
    write_file(&dir.join("merge.sbatch"), merge.as_bytes())?;
    let submit = format!(
        "#!/bin/bash\n# Submits the shards as an array job, then the merge job after all of them succeed.\nset -euo pipefail\narray=$(sbatch --parsable {sweep})\narray=${{array%%;*}}\nmerge=$(sbatch --parsable --dependency=afterok:$array --kill-on-invalid-dep=yes {merge})\necho \"array job $array, merge job ${{merge%%;*}}\"\n",
        sweep = sh(&dir.join("sweep.sbatch")),
        merge = sh(&dir.join("merge.sbatch"))
    );
    write_file(&dir.join("submit.sh"), submit.as_bytes())?;
    Ok(dir)
}

/// Submits the jobs in `dir` as `submit.sh` would: the array job, then the merge job
/// after every shard succeeds.
fn submit(dir: &Path, shards: usize) -> anyhow::Result<()> {
    let array = sbatch(&[
        "--parsable",
        &dir.join("sweep.sbatch").display().to_string(),
    ])?;
    let merge_id = sbatch(&[
        "--parsable",
        &format!("--dependency=afterok:{array}"),
        "--kill-on-invalid-dep=yes",
        &dir.join("merge.sbatch").display().to_string(),
    ])?;
    println!(
        "Submitted array job {array} ({shards} shards) and merge job {merge_id} (after all shards succeed)."
    );
    Ok(())
}

/// Runs `sbatch ARGS` and returns the job id it prints (`--parsable`: `ID[;CLUSTER]`).
fn sbatch(args: &[&str]) -> anyhow::Result<String> {
    let o = Command::new("sbatch")
        .args(args)
        .output()
        .context("cannot run sbatch (is Slurm's client installed and on PATH?)")?;
    if !o.status.success() {
        bail!(
            "sbatch {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&o.stdout)
        .trim()
        .split(';')
        .next()
        .unwrap_or("")
        .to_string())
}
