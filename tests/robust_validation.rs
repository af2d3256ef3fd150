//! Issue 8, classes 2 and 6: one validator. A scenario that passes `check` runs
//! without panicking — for every numeric key at its extremes (subnormal, tiny, huge,
//! the range boundaries and the values next to them), for inherited site groups, and
//! for profile weights near `f64::MAX`; and a `base` (or scenario) path that is not a
//! regular file of sane size is refused, naming it, instead of blocking or reading
//! until memory runs out.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use holdsim::engine::{self, Options};
use holdsim::model::Model;
use holdsim::scenario::registry::{Kind, Range};
use holdsim::scenario::{
    self, MAX_INPUT_BYTES, Number, Profile, Record, Scenario, Service, Spec, load, load_str,
};
use proptest::prelude::*;

use crate::util::{holdsim, root};

/// Runs `cmd`, killing it if it has not finished after a minute: a guard against the
/// hang being tested for (a FIFO `base` blocked for ever), not a timing assertion.
fn run_guarded(cmd: &mut Command) -> (Option<ExitStatus>, String) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn holdsim");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            use std::io::Read;
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return (Some(status), err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "still running after 60 s: killed".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ------------------------------------------------------- class 2: the values

/// The values the issue found passing `check` and panicking in `run`, and their
/// neighbours: `check` and `run` must agree (both 0 or both 2), never 101.
#[test]
fn panics_on_accepted_values_check_and_run_agree() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    let overrides = [
        "profile.waiting.holding_hours_cv=1e-200",
        "profile.waiting.holding_hours_cv=1e200",
        "profile.waiting.holding_hours_cv=1e-160",
        "profile.waiting.holding_hours_mean=5e-324",
        "profile.waiting.sessions_mean=1e300",
        "profile.waiting.prep_weeks_mean=1e300",
        "referrals.rate_per_week=1e300",
        "profile.waiting.distress_sd=1e-200",
        "referrals.peak_day=-1.7e308",
        "workforce.hours_per_week=5e-324",
        "strain.alpha=1.7e308",
        "strain.strain_turnover_k=1e300",
        "profile.waiting.holding_hours_cv=100",
    ];
    for (i, o) in overrides.iter().enumerate() {
        let (check, check_err) = run_guarded(
            holdsim(dir.path())
                .arg("check")
                .arg(&baseline)
                .args(["--set", o]),
        );
        let (run, run_err) = run_guarded(
            holdsim(dir.path())
                .arg("run")
                .arg(&baseline)
                .args(["-n", "1", "--quiet", "--out"])
                .arg(dir.path().join(format!("out{i}")))
                .args([
                    "--set",
                    "run.horizon_days=60",
                    "--set",
                    "run.warmup_days=10",
                ])
                .args(["--set", o]),
        );
        let (check, run) = (check.and_then(|s| s.code()), run.and_then(|s| s.code()));
        assert!(
            matches!(check, Some(0 | 2)),
            "check --set {o}: {check:?}\n{check_err}"
        );
        assert_eq!(
            run, check,
            "run and check disagree on --set {o}\ncheck: {check_err}\nrun: {run_err}"
        );
        if check == Some(2) {
            assert!(
                check_err.contains(o),
                "the problem names the --set: {check_err}"
            );
        }
    }
}

/// Sizes: each size key is bounded so its arithmetic cannot overflow 32 bits, and
/// sites × posts over all groups is bounded too.
#[test]
fn panics_on_accepted_values_size_keys_are_bounded() {
    for (set, fragment) in [
        (
            "run.horizon_days=4294967295",
            "expected an integer in [1, 36500]",
        ),
        (
            "run.sites=4294967295",
            "expected an integer in [1, 1000000]",
        ),
        (
            "workforce.link_workers=4294967295",
            "expected an integer in [1, 10000]",
        ),
    ] {
        let e = load_str("t.toml", "", &[set.to_string()]).unwrap_err();
        assert!(e.to_string().contains(fragment), "{set}: {e}");
    }
    let e = load_str(
        "t.toml",
        "[run]\nsites = 1000000\n[workforce]\nlink_workers = 10000\n",
        &[],
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("sites × link_workers = 10000000000 posts in all"),
        "{e}"
    );
    // Groups may not add up to more sites than run.sites may hold.
    let groups = "[[site_group]]\ncount = 1000000\n[[site_group]]\ncount = 1000000\n";
    let e = load_str("t.toml", groups, &[]).unwrap_err();
    assert!(
        e.to_string()
            .contains("2000000 sites in all; at most 1000000"),
        "{e}"
    );
}

// ------------------------------------------ class 2: inherited groups, one validator

/// A `[[site_group]]` inherited from a base that sets a key of a profile the child
/// file removed used to pass `check` and panic in `run`; now it is refused at the
/// group's own line in the base, and `Model::try_new` refuses it too.
#[test]
fn panics_on_accepted_values_inherited_site_group_names_removed_profile() {
    let path = root().join("tests/bad_scenarios/site_group_names_removed_profile.toml");
    let e = load(&path, &[]).unwrap_err();
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = &e.problems[0];
    assert!(
        p.source.ends_with("site_group_profile_base.toml"),
        "{}",
        p.source
    );
    assert_eq!(p.line, Some(5));
    assert!(
        p.message
            .contains("`profile.complex.weight` cannot be set here: no profile `complex`"),
        "{p}"
    );

    // The same scenario built by hand (as a sweep would): refused, not a panic.
    let mut s = load(
        &root().join("tests/good_scenarios/site_group_profile_base.toml"),
        &[],
    )
    .expect("the base alone is valid");
    s.profiles.retain(|p| p.name != "complex");
    assert!(!s.validate().is_empty());
    assert!(Model::try_new(&s).is_err());
}

// ------------------------------------------------ class 6: weights near f64::MAX

/// Profile and service weights near `f64::MAX` are normalised by their largest,
/// so their sum cannot overflow: equal huge weights still mean equal shares.
#[test]
fn special_files_and_contention_profile_weights_near_max_normalise() {
    let mut s = Scenario::default();
    s.run.horizon_days = 60;
    s.run.warmup_days = 10;
    for p in &mut s.profiles {
        p.weight = f64::MAX;
        for entry in &mut p.services {
            entry.1 = f64::MAX;
        }
    }
    assert!(s.validate().is_empty(), "{:?}", s.validate());
    let model = Model::try_new(&s).expect("valid");
    let shares: Vec<f64> = model.profiles.iter().map(|p| p.cumulative_weight).collect();
    assert_eq!(shares, [0.25, 0.5, 0.75, 1.0]);
    let waiting = &model.profiles[1].services;
    let services: Vec<f64> = waiting.iter().map(|&(c, _)| c).collect();
    assert_eq!(services, [0.25, 0.5, 0.75, 1.0]);
    let rep = engine::run_replication(&model, 0, &Options::default());
    assert!(rep.window.0.iter().all(|x| x.is_finite()));
}

// ----------------------------------------------- class 6: special files as `base`

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// `base` naming a FIFO used to block for ever, `/dev/zero` to read until memory ran
/// out; a directory or an over-large file is refused too. Each is a clear problem
/// naming the path, with exit code 2, before anything is read.
#[test]
fn special_files_and_contention_base_must_be_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let large = d.join("large.toml");
    std::fs::File::create(&large)
        .unwrap()
        .set_len(MAX_INPUT_BYTES + 1)
        .unwrap();
    std::fs::create_dir(d.join("folder.toml")).unwrap();
    let cases = [
        ("pipe.toml", "a FIFO (named pipe), not a regular file"),
        ("/dev/zero", "a character device, not a regular file"),
        ("folder.toml", "a directory, not a regular file"),
        ("large.toml", "larger than the 16777216 bytes (16 MiB)"),
    ];
    for (base, fragment) in cases {
        let child = d.join("child.toml");
        write(&child, &format!("base = \"{base}\"\n[run]\nseed = 3\n"));
        let (status, err) = run_guarded(holdsim(d).arg("check").arg(&child));
        assert_eq!(status.and_then(|s| s.code()), Some(2), "base {base}: {err}");
        assert!(err.contains(fragment), "base {base}: {err}");
        assert!(err.contains(base), "names the path: {err}");
        assert!(err.contains("line 1"), "points at `base`: {err}");
    }
    // The scenario file itself, too.
    for (path, fragment) in [
        (fifo.as_path(), "a FIFO (named pipe)"),
        (Path::new("/dev/zero"), "a character device"),
    ] {
        let (status, err) = run_guarded(holdsim(d).arg("check").arg(path));
        assert_eq!(status.and_then(|s| s.code()), Some(2), "{err}");
        assert!(err.contains(fragment), "{err}");
    }
}

// --------------------------------------- the property: check-then-run never panics

/// Every numeric key of the registry as a dotted path on the default scenario, with
/// its spec: the sections' keys, each default profile's and service's keys, and each
/// profile's service weights (any finite number > 0).
fn numeric_keys() -> Vec<(String, Spec)> {
    let mut keys = Vec::new();
    for section in scenario::SECTIONS {
        for spec in scenario::section_specs(section).expect("section") {
            keys.push((format!("{section}.{}", spec.key), *spec));
        }
    }
    let weight = Spec {
        key: "services",
        kind: Kind::Float,
        default: None,
        range: Range::Above(0.0),
        unit: "",
        about: "",
        label: "",
        essential: false,
        plausible: None,
        plausible_why: "",
    };
    let s = Scenario::default();
    for p in &s.profiles {
        for spec in Profile::specs() {
            keys.push((format!("profile.{}.{}", p.name, spec.key), *spec));
        }
        for (service, _) in &p.services {
            keys.push((format!("profile.{}.services.{service}", p.name), weight));
        }
    }
    for sv in &s.services {
        for spec in Service::specs() {
            keys.push((format!("service.{}.{}", sv.name, spec.key), *spec));
        }
    }
    keys
}

/// Extreme values for a key: its boundaries and their neighbours, subnormal, tiny,
/// huge and the largest numbers, in and out of range (out of range must be refused).
fn extremes(spec: &Spec) -> Vec<Number> {
    let (lo, _, hi, _) = spec.range.bounds();
    match spec.kind {
        Kind::Int => {
            let mut v: Vec<i64> = vec![0, 1, 2, i64::from(u32::MAX), i64::MAX, -1];
            for b in [lo, hi] {
                if b.abs() < 1e18 {
                    let b = b as i64;
                    v.extend([b - 1, b, b + 1]);
                }
            }
            v.into_iter().map(Number::Int).collect()
        }
        Kind::Float => {
            let mut v = vec![
                0.0,
                5e-324,
                f64::MIN_POSITIVE,
                1e-300,
                1e-12,
                1e-6,
                0.5,
                1.0,
                1e6,
                1e12,
                1e300,
                f64::MAX,
                -5e-324,
                -1.0,
            ];
            for b in [lo, hi] {
                if b.abs() < f64::MAX {
                    v.extend([b.next_down(), b, b.next_up()]);
                }
            }
            v.into_iter().map(Number::Float).collect()
        }
    }
}

/// Work of one replication, roughly site-days × (posts + daily referrals): above a
/// budget the replication is not run (the model is still built), so the suite stays
/// fast; the engine's per-site code is the same whatever the number of sites.
fn work(s: &Scenario) -> f64 {
    f64::from(s.run.sites)
        * f64::from(s.run.horizon_days)
        * (f64::from(s.workforce.link_workers) + s.referrals.rate_per_week / 5.0)
}

/// The loader's text for a value, as `--set` takes it.
fn text(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(x) => format!("{x:?}"),
    }
}

fn cases() -> impl Strategy<Value = Vec<(String, Number)>> {
    let choices: Vec<(String, Number)> = numeric_keys()
        .into_iter()
        .flat_map(|(path, spec)| extremes(&spec).into_iter().map(move |n| (path.clone(), n)))
        .collect();
    proptest::collection::vec(proptest::sample::select(choices), 1..=3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// One to three keys set to extreme values on a short default scenario: the
    /// loader (what `check` runs) and `Model::try_new` agree, and when they accept,
    /// a replication runs without panicking and every recorded total and KPI is
    /// finite.
    #[test]
    fn panics_on_accepted_values_extreme_in_range_values_never_panic(sets in cases()) {
        let mut s = Scenario::default();
        s.run.horizon_days = 60;
        s.run.warmup_days = 10;
        s.run.replications = 1;
        let base = "[run]\nhorizon_days = 60\nwarmup_days = 10\nreplications = 1\n";
        let mut refused = false;
        for (path, n) in &sets {
            refused |= s.set_path(path, *n).is_err();
        }
        let overrides: Vec<String> = sets.iter().map(|(p, n)| format!("{p}={}", text(*n))).collect();
        let loaded = load_str("prop.toml", base, &overrides);
        let model = if refused { None } else { Model::try_new(&s).ok() };
        prop_assert_eq!(
            loaded.is_ok(),
            model.is_some(),
            "the loader and Model::try_new disagree on {:?}: {:?}",
            overrides,
            loaded.as_ref().err().map(|e| e.to_string())
        );
        prop_assert_eq!(s.validate().is_empty() && !refused, model.is_some());
        if let (Some(model), Ok(loaded)) = (model, loaded) {
            prop_assert_eq!(&loaded, &s);
            if work(&s) <= 2e7 {
                let rep = engine::run_replication(&model, 0, &Options::default());
                for (i, x) in rep.window.0.iter().enumerate() {
                    prop_assert!(x.is_finite(), "series {} is {} for {:?}", i, x, overrides);
                }
                let kpis = holdsim::kpi::compute(&model, &rep);
                for k in holdsim::kpi::ALL_KPIS {
                    if let Some(x) = kpis[k] {
                        prop_assert!(x.is_finite(), "{:?} is {} for {:?}", k, x, overrides);
                    }
                }
            }
        }
    }
}
