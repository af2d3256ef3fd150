//! Output folders are the user's too, and nothing read back is trusted unchecked:
//! `--force` replaces only holdsim's own folders, a folder being written is locked,
//! a bad `--out` is refused before computing, a resumed checkpoint, merged shards and
//! results read by `report`/`plot` are verified, naming the file and line.

use std::fs;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{holdsim, root};

const SWEEP: &str = r#"
[run]
horizon_days = 60
warmup_days = 10
[experiment]
replications = 2
[design]
method = "latin_hypercube"
points = 8
seed = 3
[[design.factor]]
path = "workforce.link_workers"
min = 2
max = 5
"#;

use holdsim::sweep::files::FINAL;

fn experiment(dir: &Path) -> String {
    let base = root().join("scenarios/baseline.toml");
    fs::write(
        dir.join("exp.toml"),
        format!("base = \"{}\"\n{SWEEP}", base.display()),
    )
    .unwrap();
    "exp.toml".into()
}

fn baseline() -> String {
    root().join("scenarios/baseline.toml").display().to_string()
}

/// `holdsim run` of a tiny baseline into `out`, with extra arguments.
fn run(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let b = baseline();
    let mut args = vec![
        "run",
        b.as_str(),
        "--quiet",
        "-n",
        "2",
        "--set",
        "run.horizon_days=60",
        "--set",
        "run.warmup_days=10",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    holdsim(dir).args(&args).output().unwrap()
}

fn sweep(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["sweep", "--quiet", "--threads", "1"];
    all.extend_from_slice(args);
    holdsim(dir).args(&all).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

fn assert_refused(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit 2, got: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
}

#[test]
fn data_loss_sweep_force_refuses_user_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exp = experiment(dir);
    fs::write(dir.join("thesis.tex"), "years of work").unwrap();
    let o = sweep(dir, &[&exp, "--out", ".", "--force"]);
    assert_refused(&o, &["`.`", "working directory"]);
    assert_eq!(
        fs::read_to_string(dir.join("thesis.tex")).unwrap(),
        "years of work"
    );
    // `..` from a subfolder: the parent (and so the working directory) survives.
    fs::create_dir(dir.join("sub")).unwrap();
    fs::copy(dir.join(&exp), dir.join("sub/exp.toml")).unwrap();
    let o = sweep(&dir.join("sub"), &["exp.toml", "--out", "..", "--force"]);
    assert_refused(&o, &["`..`"]);
    assert!(dir.join("thesis.tex").exists() && dir.join("sub/exp.toml").exists());
    // A folder of the user's (no holdsim marker) is refused too.
    fs::create_dir(dir.join("mine")).unwrap();
    fs::write(dir.join("mine/notes.txt"), "mine").unwrap();
    let o = sweep(dir, &[&exp, "--out", "mine", "--force"]);
    assert_refused(&o, &["`mine`", "not written by holdsim"]);
    assert!(dir.join("mine/notes.txt").exists());
    // holdsim's own sweep folder is replaced with --force.
    let o = sweep(dir, &[&exp, "--out", "own"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sweep(dir, &[&exp, "--out", "own", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn data_loss_run_force_replaces_only_holdsims_own_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("mine")).unwrap();
    fs::write(dir.join("mine/thesis.tex"), "years of work").unwrap();
    let o = run(dir, "mine", &["--force"]);
    assert_refused(&o, &["`mine`", "not written by holdsim"]);
    assert!(dir.join("mine/thesis.tex").exists());
    let o = run(dir, "..", &["--force"]);
    assert_refused(&o, &["`..`"]);
    let o = run(dir, ".", &["--force"]);
    assert_refused(&o, &["`.`"]);
    // Its own folder: written, then replaced.
    let o = run(dir, "own", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("own/.holdsim").is_file(), "marked as holdsim's");
    let o = run(dir, "own", &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(dir), ["mine", "own"], "no leftovers beside it");
}

/// Takes the lock a holdsim command would take on `dir/NAME`, as another holdsim would.
fn hold_lock(dir: &Path, name: &str) -> fs::File {
    let path = dir.canonicalize().unwrap().join(format!(".{name}.lock"));
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    // SAFETY: flock on a descriptor this test owns.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(rc, 0);
    fs::write(&path, std::process::id().to_string()).unwrap();
    f
}

#[test]
fn special_files_and_contention_a_folder_being_written_is_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exp = experiment(dir);
    let o = run(dir, "done", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let held = [hold_lock(dir, "out"), hold_lock(dir, "done")];
    let pid = std::process::id().to_string();
    for o in [
        run(dir, "out", &[]),
        sweep(dir, &[&exp, "--out", "out"]),
        run(dir, "done", &["--force"]),
        holdsim(dir).args(["report", "done"]).output().unwrap(),
        holdsim(dir).args(["plot", "done"]).output().unwrap(),
    ] {
        let err = stderr(&o);
        // 1, not 2: the command is right and works once the other one finishes.
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("being written") && err.contains(&pid), "{err}");
    }
    assert!(!dir.join("out").exists(), "nothing written");
    assert!(!dir.join("done/report.html").exists(), "nothing written");
    drop(held);
    let o = run(dir, "out", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn special_files_and_contention_a_lock_left_by_a_killed_run_is_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let b = baseline();
    let mut child = holdsim(dir)
        .args(["run", &b, "--quiet", "-n", "1000", "--out", "out"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.join(".out.lock");
    let started = Instant::now();
    while fs::read_to_string(&lock).map_or(true, |t| t.trim().is_empty()) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never took its lock `{}`",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        fs::read_to_string(&lock).unwrap().trim(),
        child.id().to_string(),
        "the lock names its holder"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let o = run(dir, "out", &[]);
    assert!(
        o.status.success(),
        "stale lock not taken over: {}",
        stderr(&o)
    );
    assert_eq!(names(dir), ["out"], "no lock or staging folder left");
}

#[test]
fn special_files_and_contention_a_bad_out_is_refused_before_computing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exp = experiment(dir);
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("dangling")).unwrap();
    let o = run(dir, "dangling", &[]);
    assert_refused(&o, &["`dangling`", "does not exist"]);
    let o = sweep(dir, &[&exp, "--out", "dangling"]);
    assert_refused(&o, &["`dangling`", "does not exist"]);
    // A regular file, with or without --force: refused, untouched, nothing left over.
    fs::write(dir.join("file"), "keep").unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let o = run(dir, "file", extra);
        assert_refused(&o, &["`file`", "not a folder"]);
        let o = sweep(dir, &[&[&exp, "--out", "file"][..], extra].concat());
        assert_refused(&o, &["`file`", "not a folder"]);
    }
    // A folder inside that file: refused naming the file, not "cannot inspect".
    let o = run(dir, "file/inside", &[]);
    assert_refused(&o, &["`file/inside`", "file` is not a folder", "--out"]);
    assert_eq!(fs::read_to_string(dir.join("file")).unwrap(), "keep");
    assert_eq!(
        names(dir),
        ["dangling", "exp.toml", "file"],
        "no .partial leftovers"
    );
}

/// FNV-1a (64-bit) of `bytes` in hex, as the checkpoint records it (written out here,
/// independently of the code under test).
fn fnv(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Rebuilds `full` (a finished sweep) as `cut`: the state after its first `m` points
/// were checkpointed, with `edit` applied to the checkpoint's JSON.
fn interrupted(full: &Path, cut: &Path, m: usize, edit: &dyn Fn(&mut serde_json::Value)) {
    fs::create_dir_all(cut.join("progress")).unwrap();
    fs::copy(full.join("points.csv"), cut.join("points.csv")).unwrap();
    let (mut bytes, mut rows, mut hashes) = (vec![], vec![], vec![]);
    for name in ["replications.csv", "summary.csv", "status.csv"] {
        let text = fs::read_to_string(full.join(name)).unwrap();
        let mut kept = String::new();
        let mut n = 0;
        for (i, line) in text.lines().enumerate() {
            let early = (0..m).any(|p| line.starts_with(&format!("{p},")));
            if i == 0 || early {
                kept.push_str(line);
                kept.push('\n');
                n += usize::from(i > 0);
            }
        }
        fs::write(cut.join("progress").join(name), &kept).unwrap();
        bytes.push(kept.len());
        rows.push(n);
        hashes.push(fnv(kept.as_bytes()));
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(full.join("manifest.json")).unwrap()).unwrap();
    let mut cp = serde_json::json!({
        "fingerprint": manifest["fingerprint"],
        "points_done": m,
        "bytes": bytes,
        "rows": rows,
        "fnv1a": hashes,
    });
    edit(&mut cp);
    fs::write(cut.join("progress/checkpoint.json"), cp.to_string()).unwrap();
}

#[test]
fn trusted_damage_a_resumed_checkpoint_is_verified_against_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exp = experiment(dir);
    let o = sweep(dir, &[&exp, "--out", "full"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let full = dir.join("full");
    // The honest checkpoint, and ones claiming fewer or more points than the files
    // hold: each resumes from what the files verifiably hold, to the same results.
    for (out, claim) in [("honest", 4), ("fewer", 2), ("more", 7)] {
        let cut = dir.join(out);
        interrupted(&full, &cut, 4, &|cp| cp["points_done"] = claim.into());
        let o = sweep(dir, &[&exp, "--out", out]);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("Resuming"));
        for f in FINAL {
            assert!(
                fs::read(full.join(f)).unwrap() == fs::read(cut.join(f)).unwrap(),
                "{out}: {f} differs from an uninterrupted sweep"
            );
        }
    }
    // Files that do not match the checkpoint are refused, naming the file.
    let cut = dir.join("long");
    interrupted(&full, &cut, 4, &|cp| cp["bytes"][1] = 1_000_000.into());
    let o = sweep(dir, &[&exp, "--out", "long"]);
    assert_refused(&o, &["summary.csv", "shorter", "--force"]);
    let cut = dir.join("edited");
    interrupted(&full, &cut, 4, &|_| {});
    let status = cut.join("progress/status.csv");
    let text = fs::read_to_string(&status)
        .unwrap()
        .replacen("1,ok,2", "1,ok,3", 1);
    fs::write(&status, text).unwrap();
    let o = sweep(dir, &[&exp, "--out", "edited"]);
    assert_refused(&o, &["status.csv", "checksum", "--force"]);
    let cut = dir.join("rows");
    interrupted(&full, &cut, 4, &|cp| cp["rows"][0] = 3.into());
    let o = sweep(dir, &[&exp, "--out", "rows"]);
    assert_refused(&o, &["replications.csv", "rows"]);
}

/// Rewrites a CSV file line by line.
fn edit_lines(path: &Path, f: &dyn Fn(Vec<String>) -> Vec<String>) {
    let text = fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut out = f(lines).join("\n");
    out.push('\n');
    fs::write(path, out).unwrap();
}

#[test]
fn trusted_damage_merge_checks_every_shard_table_point_by_point() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let exp = experiment(dir);
    for k in 0..2 {
        let o = sweep(dir, &[&exp, "--out", "clean", "--shard", &format!("{k}/2")]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    type Damage = (&'static str, fn(&Path), &'static [&'static str]);
    let damages: [Damage; 5] = [
        (
            "header_only",
            |d| {
                edit_lines(&d.join("shard-1-of-2/summary.csv"), &|l| l[..1].to_vec());
            },
            &[
                "shard 1 of 2",
                "summary.csv",
                "ends after line 1, before point 1",
            ],
        ),
        (
            "dropped_row",
            |d| {
                edit_lines(&d.join("shard-0-of-2/replications.csv"), &|mut l| {
                    l.remove(2);
                    l
                });
            },
            &["shard 0 of 2", "replications.csv", "line 3"],
        ),
        (
            "duplicated_row",
            |d| {
                edit_lines(&d.join("shard-1-of-2/status.csv"), &|mut l| {
                    let again = l[2].clone();
                    l.insert(2, again);
                    l
                });
            },
            &["shard 1 of 2", "status.csv", "line 4"],
        ),
        (
            "extra_row",
            |d| {
                edit_lines(&d.join("shard-0-of-2/replications.csv"), &|mut l| {
                    let again = l[l.len() - 1].clone();
                    l.push(again);
                    l
                });
            },
            &["shard 0 of 2", "replications.csv", "line 10", "extra row"],
        ),
        (
            "duplicated_folder",
            |d| {
                fs::remove_dir_all(d.join("shard-1-of-2")).unwrap();
                copy_dir(&d.join("shard-0-of-2"), &d.join("shard-1-of-2"));
            },
            &["shard-1-of-2", "holds the results of shard 0 of 2"],
        ),
    ];
    for (name, damage, needles) in damages {
        let d = dir.join(name);
        copy_dir(&dir.join("clean"), &d);
        damage(&d);
        let o = holdsim(dir).args(["merge", name]).output().unwrap();
        assert_refused(&o, needles);
        assert!(!d.join("summary.csv").exists(), "{name}: nothing merged");
    }
    let o = holdsim(dir).args(["merge", "clean"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn trusted_damage_report_and_plot_refuse_an_edited_results_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = run(dir, "clean", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set_week = |value: &'static str| {
        move |d: &Path| {
            edit_lines(&d.join("timeseries.csv"), &|mut l| {
                l[3] = l[3].replacen("0,2,", &format!("0,{value},"), 1);
                l
            })
        }
    };
    type Damage = (&'static str, Box<dyn Fn(&Path)>, &'static [&'static str]);
    let damages: Vec<Damage> = vec![
        (
            "huge_week",
            Box::new(set_week("1e18")),
            &["timeseries.csv", "line 4", "week"],
        ),
        (
            "negative_week",
            Box::new(set_week("-5")),
            &["timeseries.csv", "line 4", "week"],
        ),
        (
            "nan_week",
            Box::new(set_week("NaN")),
            &["timeseries.csv", "line 4", "week"],
        ),
        (
            "missing_column",
            Box::new(|d: &Path| {
                let path = d.join("replications.csv");
                let mut reader = csv::Reader::from_path(&path).unwrap();
                let drop = reader
                    .headers()
                    .unwrap()
                    .iter()
                    .position(|h| h == "exits_per_post_year")
                    .unwrap();
                let mut rows = vec![reader.headers().unwrap().clone()];
                rows.extend(reader.records().map(Result::unwrap));
                let mut w = csv::Writer::from_path(&path).unwrap();
                for r in rows {
                    let kept: Vec<&str> = r
                        .iter()
                        .enumerate()
                        .filter(|&(i, _)| i != drop)
                        .map(|(_, c)| c)
                        .collect();
                    w.write_record(kept).unwrap();
                }
            }),
            &["replications.csv", "line 1", "exits_per_post_year"],
        ),
        (
            "extra_rows",
            Box::new(|d: &Path| {
                edit_lines(&d.join("replications.csv"), &|mut l| {
                    let again = l[2].clone();
                    l.push(again);
                    l
                })
            }),
            &["replications.csv", "line 4"],
        ),
    ];
    for (name, damage, needles) in damages {
        let d: PathBuf = dir.join(name);
        copy_dir(&dir.join("clean"), &d);
        damage(&d);
        for command in ["report", "plot"] {
            let o = holdsim(dir).args([command, name]).output().unwrap();
            assert_refused(&o, needles);
        }
    }
    let o = holdsim(dir).args(["report", "clean"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Ctrl-C (SIGINT) and `kill` (SIGTERM) part-way through a real run: the process ends
/// with 128 + the signal and leaves neither a results folder, nor its staging folder,
/// nor its lock file — nothing for the user to clean up.
#[test]
fn special_files_and_contention_an_interrupted_run_leaves_nothing_behind() {
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let dir = tempfile::tempdir().unwrap();
        let child = crate::util::start_long_run(dir.path());
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        let status = { child }.wait().unwrap();
        assert_eq!(status.code(), Some(code), "signal {signal}");
        let left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.is_empty(), "signal {signal} left {left:?}");
    }
}

#[test]
fn a_damaged_robustness_file_is_refused_by_report_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let s = |f: &str| {
        crate::util::root()
            .join("scenarios")
            .join(f)
            .display()
            .to_string()
    };
    let out = crate::util::holdsim(dir.path())
        .args(["compare", &s("baseline.toml"), &s("supported.toml")])
        .args(["-n", "4", "--quiet", "--out", "cmp"])
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    let path = dir.path().join("cmp/robustness.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[2].split(',').collect();
    lines[2] = format!("{},not-a-number,{}", fields[0], fields[2..].join(","));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = crate::util::holdsim(dir.path())
        .args(["report", "cmp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("robustness.csv") && stderr.contains("line 3") && stderr.contains("value"),
        "{stderr}"
    );
}
