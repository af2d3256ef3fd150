//! A sharded sweep on a real Slurm: a single-node cluster on localhost started from
//! Debian's packages by `scripts/slurm-local.sh`, `holdsim slurm --submit` (array job +
//! dependent merge job), and the merged results checked against a single-process run.
//! Skips when Slurm is not installed, except under `CI=true` (where `.ci/run` installs
//! it), where that is a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{holdsim, root};

/// Stops the daemons it started, however the test ends.
struct Cluster {
    state: PathBuf,
    conf: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("scripts/slurm-local.sh"))
            .arg("stop")
            .arg(&self.state)
            .status();
    }
}

fn have_slurm() -> bool {
    let found = ["slurmctld", "slurmd", "sbatch", "munged"].iter().all(|b| {
        Command::new("bash")
            .args(["-c", &format!("command -v {b} || test -x /usr/sbin/{b}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Slurm is required under CI (`scripts/slurm-local.sh install`; .ci/run does it)"
        );
        eprintln!("SKIPPED: Slurm not installed (run `scripts/slurm-local.sh install`)");
    }
    found
}

fn start(state: &Path) -> Cluster {
    let out = Command::new("bash")
        .arg(root().join("scripts/slurm-local.sh"))
        .arg("start")
        .arg(state)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "slurm-local.sh start failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let conf = stdout
        .lines()
        .find_map(|l| l.strip_prefix("export SLURM_CONF="))
        .map(|c| c.trim_matches(['"', '\'']).to_string())
        .expect("start prints export SLURM_CONF=…");
    Cluster {
        state: state.to_path_buf(),
        conf,
    }
}

#[test]
fn a_sharded_sweep_on_a_real_slurm_merges_to_the_single_process_result() {
    if !have_slurm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(&dir.path().join("slurm-state"));
    let scenarios = root().join("scenarios").display().to_string();
    fs::write(
        dir.path().join("exp.toml"),
        format!(
            "base = \"{scenarios}/baseline.toml\"\n[run]\nhorizon_days = 400\nwarmup_days = 50\n[experiment]\nreplications = 3\n[design]\nmethod = \"latin_hypercube\"\npoints = 18\nseed = 4\n[[design.factor]]\npath = \"referrals.rate_per_week\"\nmin = 8.0\nmax = 20.0\n"
        ),
    )
    .unwrap();

    let out = holdsim(dir.path())
        .args([
            "slurm", "exp.toml", "--shards", "3", "--out", "cluster", "--time", "00:05:00",
            "--mem", "200M", "--submit",
        ])
        .env("SLURM_CONF", &cluster.conf)
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Submitted array job"));

    // The merge job writes manifest.json last; wait for it with a deadline.
    let merged = dir.path().join("cluster/manifest.json");
    let deadline = Instant::now() + Duration::from_secs(180);
    while !merged.exists() {
        if Instant::now() > deadline {
            let logs: Vec<String> = fs::read_dir(dir.path().join("cluster/slurm"))
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| {
                            format!(
                                "{}:\n{}",
                                e.path().display(),
                                fs::read_to_string(e.path()).unwrap_or_default()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            panic!(
                "the merge job did not finish within 180 s; logs:\n{}",
                logs.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    for k in 0..3 {
        assert!(
            dir.path()
                .join(format!("cluster/shard-{k}-of-3/manifest.json"))
                .exists(),
            "shard {k} ran"
        );
    }

    let single = holdsim(dir.path())
        .args(["sweep", "--quiet", "exp.toml", "--out", "single"])
        .output()
        .unwrap();
    assert!(single.status.success());
    for f in holdsim::sweep::files::FINAL {
        assert!(
            fs::read(dir.path().join("cluster").join(f)).unwrap()
                == fs::read(dir.path().join("single").join(f)).unwrap(),
            "{f}: Slurm-merged result differs from the single-process run"
        );
    }
    drop(cluster);
}
