//! Scenario-file validation: every bad file in `tests/bad_scenarios/` is rejected
//! with a problem naming the file, the dotted key, the line and what was expected;
//! `--set` overrides, `base` inheritance (`tests/good_scenarios/`), the defaults of
//! docs/parameters.md and the `to_toml` round trip; and a property test that loading
//! accepts exactly the in-range values of a few keys and never panics.

use std::path::{Path, PathBuf};

use holdsim::scenario::{Number, Problem, Record, Scenario, ScenarioError, load, load_str};
use proptest::prelude::*;

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

fn bad(file: &str) -> PathBuf {
    dir("bad_scenarios").join(file)
}

fn good(file: &str) -> PathBuf {
    dir("good_scenarios").join(file)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn load_ok(path: &Path, overrides: &[&str]) -> Scenario {
    load(path, &strings(overrides))
        .unwrap_or_else(|e| panic!("{} should load:\n{e}", path.display()))
}

fn load_err(path: &Path, overrides: &[&str]) -> ScenarioError {
    match load(path, &strings(overrides)) {
        Ok(_) => panic!("{} should be rejected", path.display()),
        Err(e) => e,
    }
}

fn str_ok(text: &str, overrides: &[&str]) -> Scenario {
    load_str("test.toml", text, &strings(overrides)).unwrap_or_else(|e| panic!("should load:\n{e}"))
}

fn str_err(text: &str, overrides: &[&str]) -> ScenarioError {
    match load_str("test.toml", text, &strings(overrides)) {
        Ok(_) => panic!("should be rejected:\n{text}\noverrides {overrides:?}"),
        Err(e) => e,
    }
}

/// The only problem of an error that should have exactly one.
fn single(e: &ScenarioError) -> &Problem {
    assert_eq!(
        e.problems.len(),
        1,
        "expected exactly one problem, got:\n{e}"
    );
    &e.problems[0]
}

fn file_name(source: &str) -> String {
    Path::new(source)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// One bad scenario file and the problem it must produce.
struct Case {
    file: &'static str,
    /// The file the problem is reported in, when not `file` itself (base chains).
    source: Option<&'static str>,
    key: Option<&'static str>,
    line: Option<usize>,
    /// Fragments the message must contain: what was expected (and found).
    fragments: &'static [&'static str],
}

const fn case(
    file: &'static str,
    key: &'static str,
    line: usize,
    fragments: &'static [&'static str],
) -> Case {
    Case {
        file,
        source: None,
        key: Some(key),
        line: Some(line),
        fragments,
    }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Unknown names.
    case("unknown_key.toml", "workforce.link_workerz", 4, &["unknown key (did you mean `link_workers`?)", "[workforce] has: link_workers, hours_per_week"]),
    case("unknown_section.toml", "workfroce", 5, &["unknown section (did you mean `workforce`?)", "expected one of [run], [referrals]"]),
    case("top_level_key.toml", "horizon_days", 2, &["unknown top-level key", "`horizon_days` belongs in the [run] section"]),
    case("profile_unknown_key.toml", "profile.solo.holding_hours", 13, &["unknown key", "[[profile]] has: name, weight, sessions_mean"]),
    case("service_unknown_key.toml", "service.hospital.wait_mean_days", 6, &["unknown key (did you mean `wait_median_days`?)", "[[service]] has: name, wait_median_days, wait_p90_days"]),
    // Types.
    case("wrong_type_link_workers.toml", "workforce.link_workers", 3, &["expected an integer in [1, 10000], found a string"]),
    case("float_for_integer.toml", "run.replications", 3, &["expected an integer ≥ 1, found 10.0"]),
    case("boolean_value.toml", "support.training_effect", 3, &["expected a number in [0, 1], found a boolean"]),
    case("link_workers_too_large.toml", "workforce.link_workers", 3, &["expected an integer in [1, 10000], found 5000000000"]),
    case("section_not_a_table.toml", "run", 2, &["expected a table (`[run]`), found an integer"]),
    case("profile_not_array.toml", "profile", 2, &["expected an array of tables (`[[profile]]`)", "(`[profile.NAME]`), found a table"]),
    case("services_not_a_table.toml", "profile.solo.services", 7, &["expected a table of service name = weight, found an integer"]),
    // Ranges of scalar keys.
    case("zero_link_workers.toml", "workforce.link_workers", 3, &["expected an integer in [1, 10000], found 0"]),
    case("negative_warmup.toml", "run.warmup_days", 3, &["expected an integer ≥ 0, found -1"]),
    case("negative_caseload_cap.toml", "policy.caseload_cap", 3, &["expected an integer ≥ 0, found -5"]),
    case("probability_above_one.toml", "strain.p_exit_after_burnout", 5, &["expected a number in [0, 1], found 1.5"]),
    case("percentage_for_probability.toml", "policy.queue_dropout_per_week", 3, &["expected a number in [0, 1], found 2"]),
    case("negative_rate.toml", "referrals.rate_per_week", 3, &["expected a number in [0, 100000], found -2.0"]),
    case("negative_cost.toml", "cost.recruitment_cost", 3, &["expected a number in [0, 1000000000000], found -1"]),
    case("nan_value.toml", "strain.alpha", 3, &["expected a number in [0, 1000000], found nan"]),
    case("infinite_peak_day.toml", "referrals.peak_day", 3, &["expected a number in [-36500, 36500], found inf"]),
    case("threshold_mean_too_low.toml", "strain.threshold_mean", 3, &["expected a number > 0.2, found 0.2"]),
    case("seasonal_amplitude_one.toml", "referrals.seasonal_amplitude", 3, &["expected a number in [0, 1), found 1.0"]),
    case("zero_intake_threshold.toml", "policy.intake_threshold", 3, &["expected a number > 0, found 0"]),
    case("zero_session_hours.toml", "workforce.session_hours", 3, &["expected a number in (0, 168], found 0"]),
    case("zero_patient_facing_fraction.toml", "workforce.patient_facing_fraction", 3, &["expected a number in [0.001, 1], found 0"]),
    // Ranges of [[profile]] and [[service]] keys.
    case("sessions_mean_below_one.toml", "profile.solo.sessions_mean", 5, &["expected a number in [1, 10000], found 0.5"]),
    case("prep_weeks_below_one.toml", "profile.solo.prep_weeks_mean", 9, &["expected a number in [1, 10000], found 0.5"]),
    case("zero_profile_weight.toml", "profile.solo.weight", 4, &["expected a number > 0, found 0.0"]),
    case("zero_holding_cv.toml", "profile.solo.holding_hours_cv", 13, &["expected a number in (0, 100], found 0.0"]),
    case("distress_mean_one.toml", "profile.solo.distress_mean", 14, &["expected a number in (0, 1), found 1.0"]),
    case("profile_service_weight_zero.toml", "profile.solo.services.hospital", 7, &["expected a weight > 0, found 0"]),
    case("zero_service_median.toml", "service.hospital.wait_median_days", 14, &["expected a number > 0, found 0"]),
    // Required keys of [[profile]] and [[service]].
    case("profile_missing_key.toml", "profile.solo", 2, &["missing required key holding_hours_cv", "every key is required"]),
    case("profile_without_name.toml", "profile", 2, &["[[profile]] #1 has no `name`"]),
    case("service_missing_key.toml", "service.hospital", 2, &["missing required key wait_p90_days"]),
    // Rules across keys (docs/parameters.md, docs/model.md § 8).
    case("horizon_not_after_warmup.toml", "run.horizon_days", 4, &["horizon_days (180) must exceed warmup_days (180)"]),
    case("warmup_past_default_horizon.toml", "run.warmup_days", 3, &["horizon_days (1825) must exceed warmup_days (2000)"]),
    case("beta_sd_infeasible.toml", "profile.solo.distress_sd", 15, &["distress_sd (0.6) is infeasible", "sd² must be < mean·(1 − mean) = 0.2500"]),
    case("rest_recovery_too_strong.toml", "strain.rho_rest", 3, &["rho_rest · (1 + supervision_effect · supervision_hours_per_month) = 1.5000 must be < 1"]),
    case("recruitment_p90_below_median.toml", "workforce.recruitment_p90_days", 4, &["recruitment_p90_days (60) must be ≥ recruitment_median_days (90)"]),
    case("sick_leave_p90_below_median.toml", "strain.sick_leave_p90_days", 3, &["sick_leave_p90_days (20) must be ≥ sick_leave_median_days (28)"]),
    case("service_p90_not_above_median.toml", "service.hospital.wait_p90_days", 15, &["wait_p90_days (91) must exceed wait_median_days (91)"]),
    case("profile_unknown_service.toml", "profile.solo.services", 7, &["names service `dentist`, which no [[service]] defines", "defined: talking_therapies"]),
    case("profile_waits_without_services.toml", "profile.solo.services", 7, &["p_waits is 0.5 but the profile names no service to wait for"]),
    case("duplicate_profile_name.toml", "profile.solo.name", 18, &["profile name `solo` is used twice"]),
    case("duplicate_service_name.toml", "service.hospital.name", 23, &["service name `hospital` is used twice"]),
    case("no_profiles.toml", "profile", 2, &["at least one [[profile]] is required"]),
    // Syntax: the parser's span gives the line.
    Case { file: "syntax_error.toml", source: None, key: None, line: Some(4), fragments: &["invalid TOML", "line 4, column 16"] },
    Case { file: "duplicate_key.toml", source: None, key: None, line: Some(4), fragments: &["invalid TOML", "duplicate key"] },
    // `base` chains.
    case("base_missing_file.toml", "base", 3, &["cannot read base scenario", "does_not_exist.toml"]),
    case("base_not_a_string.toml", "base", 2, &["expected a file path string, found an integer"]),
    Case { file: "base_cycle_a.toml", source: Some("base_cycle_b.toml"), key: Some("base"), line: Some(3), fragments: &["`base` files form a cycle", "base_cycle_a.toml → ", "base_cycle_b.toml → "] },
    Case { file: "base_cycle_b.toml", source: Some("base_cycle_a.toml"), key: Some("base"), line: Some(2), fragments: &["`base` files form a cycle", "base_cycle_b.toml → ", "base_cycle_a.toml → "] },
    Case { file: "inherits_bad_base.toml", source: Some("negative_rate.toml"), key: Some("referrals.rate_per_week"), line: Some(3), fragments: &["expected a number in [0, 100000], found -2.0"] },
    case("horizon_below_inherited_warmup.toml", "run.horizon_days", 4, &["horizon_days (300) must exceed warmup_days (365)"]),
    // Issue 8: values that used to pass `check` and panic in `run`, now refused by a
    // key's limit or by the model's own derivation (`Model::try_new`).
    case("holding_cv_too_small.toml", "profile.solo.holding_hours_cv", 13, &["Gamma(holding_hours_mean, holding_hours_cv)", "too small for a Gamma: its shape 1/cv² is inf"]),
    case("holding_mean_subnormal.toml", "profile.solo.holding_hours_mean", 12, &["too small to be a Gamma's scale", "set the mean to 0 for none"]),
    case("distress_sd_tiny.toml", "profile.solo.distress_sd", 15, &["expected a number ≥ 0.000001, found 1e-200"]),
    Case { file: "site_group_names_removed_profile.toml", source: Some("site_group_profile_base.toml"), key: Some("site_group"), line: Some(5), fragments: &["in site group `complex-heavy`", "`profile.complex.weight` cannot be set here: no profile `complex`"] },
    case("horizon_too_long.toml", "run.horizon_days", 4, &["expected an integer in [1, 36500], found 4294967295"]),
    case("too_many_posts.toml", "workforce.link_workers", 7, &["sites × link_workers = 10000000000 posts in all; at most 10000000"]),
    case("capacity_too_small.toml", "workforce.hours_per_week", 5, &["expected a number ≥ 0.1, found 1e-300"]),
    case("base_is_directory.toml", "base", 3, &["cannot read base scenario", "it is a directory, not a regular file"]),
    case("rest_recovery_nan.toml", "support.supervision_effect", 8, &["expected a number in [0, 1000], found 1e308"]),
];

#[test]
fn every_bad_file_names_file_key_line_and_expectation() {
    let mut failures = Vec::new();
    for c in CASES {
        let e = load_err(&bad(c.file), &[]);
        let shown = e.to_string();
        if e.problems.len() != 1 {
            failures.push(format!("{}: expected one problem, got:\n{shown}", c.file));
            continue;
        }
        let p = &e.problems[0];
        let source = c.source.unwrap_or(c.file);
        let mut wrong = Vec::new();
        if file_name(&p.source) != source {
            wrong.push(format!("source {:?}, expected {source}", p.source));
        }
        if p.key.as_deref() != c.key {
            wrong.push(format!("key {:?}, expected {:?}", p.key, c.key));
        }
        if p.line != c.line {
            wrong.push(format!("line {:?}, expected {:?}", p.line, c.line));
        }
        for f in c.fragments {
            if !p.message.contains(f) {
                wrong.push(format!("message lacks {f:?}"));
            }
        }
        // What the user sees names all of it too.
        let mut expected_shown = vec![source.to_string()];
        expected_shown.extend(c.line.map(|l| format!(", line {l}")));
        expected_shown.extend(c.key.map(|k| format!("`{k}`: ")));
        for s in expected_shown {
            if !shown.contains(&s) {
                wrong.push(format!("display lacks {s:?}"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!("{}:\n  {}\n{shown}", c.file, wrong.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad files misreported:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_bad_file_has_a_case() {
    let mut files: Vec<String> = std::fs::read_dir(dir("bad_scenarios"))
        .expect("tests/bad_scenarios")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let uncovered: Vec<&String> = files
        .iter()
        .filter(|f| !CASES.iter().any(|c| c.file == f.as_str()))
        .collect();
    assert!(
        uncovered.is_empty(),
        "bad scenarios without a case: {uncovered:?}"
    );
    assert!(
        CASES.iter().all(|c| files.iter().any(|f| f == c.file)),
        "a case names a missing file"
    );
    assert!(files.len() >= 20);
    // Each file's first line says what is wrong with it.
    for f in &files {
        let text = std::fs::read_to_string(bad(f)).expect("readable");
        assert!(
            text.starts_with("# "),
            "{f} should start with a comment saying what is wrong"
        );
    }
}

#[test]
fn display_is_a_one_screen_list_of_every_problem() {
    let text = "[run]\nreplications = 0\n\n[workforce]\nlink_workers = 2.5\nhours = 30\n";
    let e = str_err(text, &[]);
    let shown = e.to_string();
    assert_eq!(e.problems.len(), 3, "{shown}");
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "invalid scenario (3 problems):");
    assert_eq!(
        lines[1],
        "  - test.toml, line 2, `run.replications`: expected an integer ≥ 1, found 0"
    );
    assert_eq!(
        lines[2],
        "  - test.toml, line 5, `workforce.link_workers`: expected an integer in [1, 10000], found 2.5"
    );
    assert!(
        lines[3].starts_with("  - test.toml, line 6, `workforce.hours`: unknown key"),
        "{shown}"
    );
    assert_eq!(lines.len(), 4);

    let one = str_err("[run]\nsites = 0\n", &[]);
    assert!(
        one.to_string()
            .starts_with("invalid scenario (1 problem):\n  - "),
        "{one}"
    );
}

#[test]
fn missing_file_and_base_in_text_are_reported() {
    let e = load_err(&bad("no_such_file.toml"), &[]);
    let p = single(&e);
    assert_eq!(file_name(&p.source), "no_such_file.toml");
    assert!(p.message.contains("cannot read scenario file"), "{e}");

    // Text has no directory to resolve `base` against: refuse rather than ignore it.
    let e = str_err("# comment\nbase = \"base.toml\"\n", &[]);
    let p = single(&e);
    assert_eq!((p.key.as_deref(), p.line), (Some("base"), Some(2)));
    assert!(p.message.contains("`base` is not supported here"), "{e}");
}

#[test]
fn integers_are_accepted_for_float_keys() {
    let s = str_ok(
        "[referrals]\nrate_per_week = 20\npeak_day = -3\n[strain]\nalpha = 0\n",
        &[],
    );
    assert_eq!(s.referrals.rate_per_week, 20.0);
    assert_eq!(s.referrals.peak_day, -3.0);
    assert_eq!(s.strain.alpha, 0.0);
    // TOML's other integer spellings are integers too.
    let s = str_ok("[run]\nseed = 0x10\nreplications = 1_000\n", &[]);
    assert_eq!((s.run.seed, s.run.replications), (16, 1000));
}

#[test]
fn boundaries_are_inclusive_or_exclusive_as_documented() {
    // Accepted at the edge.
    str_ok(
        "[run]\nwarmup_days = 0\nhorizon_days = 1\nseed = 0\n[workforce]\npatient_facing_fraction = 1.0\nramp_start = 1.0\n\
         recruitment_p90_days = 90\n[strain]\nrho_work = 0\np_exit_after_burnout = 1\nthreshold_mean = 0.2000001\n\
         sick_leave_p90_days = 28\n[policy]\ncaseload_cap = 0\nmax_holding_weeks = 0.5\nrupture_distress = 1\n[referrals]\nseasonal_amplitude = 0\n",
        &[],
    );
    // Rejected at the edge.
    for (text, key) in [
        ("[strain]\nrho_work = 1.0\n", "strain.rho_work"),
        ("[strain]\nrho_rest = 1.0\n", "strain.rho_rest"),
        (
            "[strain]\nbase_turnover_per_year = 1.0\n",
            "strain.base_turnover_per_year",
        ),
        ("[workforce]\nramp_start = 0.0\n", "workforce.ramp_start"),
        (
            "[workforce]\nonboarding_days = 0\n",
            "workforce.onboarding_days",
        ),
        (
            "[policy]\nrupture_distress = 1.01\n",
            "policy.rupture_distress",
        ),
        (
            "[policy]\nmax_holding_weeks = -0.5\n",
            "policy.max_holding_weeks",
        ),
        ("[run]\nsites = 0\n", "run.sites"),
        ("[run]\nseed = -1\n", "run.seed"),
        (
            "[support]\ntraining_effect = 1.5\n",
            "support.training_effect",
        ),
        (
            "[support]\nsupervision_hours_per_month = -1\n",
            "support.supervision_hours_per_month",
        ),
        ("[strain]\nthreshold_sd = -0.1\n", "strain.threshold_sd"),
    ] {
        let e = str_err(text, &[]);
        assert_eq!(single(&e).key.as_deref(), Some(key), "{text}: {e}");
        assert_eq!(single(&e).line, Some(2), "{text}: {e}");
    }
}

// ---------------------------------------------------------------- --set overrides

#[test]
fn valid_overrides_change_values() {
    let s = str_ok(
        "[workforce]\nlink_workers = 2\n",
        &[
            "workforce.link_workers=6",
            "referrals.rate_per_week = 20",
            "strain.alpha=0.07",
            "run.seed=7",
            "profile.waiting.holding_hours_mean=1.25",
            "profile.connect.services.hospital=0.25",
            "service.hospital.wait_p90_days=300",
        ],
    );
    assert_eq!(s.workforce.link_workers, 6, "--set wins over the file");
    assert_eq!(s.referrals.rate_per_week, 20.0);
    assert_eq!(s.strain.alpha, 0.07);
    assert_eq!(s.run.seed, 7);
    let waiting = s
        .profiles
        .iter()
        .find(|p| p.name == "waiting")
        .expect("waiting");
    assert_eq!(waiting.holding_hours_mean, 1.25);
    let connect = s
        .profiles
        .iter()
        .find(|p| p.name == "connect")
        .expect("connect");
    assert_eq!(
        connect.services,
        vec![
            ("benefits".into(), 0.5),
            ("hospital".into(), 0.25),
            ("talking_therapies".into(), 0.5)
        ],
        "a new service weight is added in name order"
    );
    assert_eq!(
        s.services
            .iter()
            .find(|v| v.name == "hospital")
            .expect("hospital")
            .wait_p90_days,
        300.0
    );
    assert_eq!(
        s.get_path("profile.connect.services.hospital"),
        Ok(Number::Float(0.25))
    );

    // Later overrides win over earlier ones; untouched keys keep their defaults.
    let s = str_ok(
        "",
        &["workforce.link_workers=4", "workforce.link_workers=5"],
    );
    assert_eq!(s.workforce.link_workers, 5);
    assert_eq!(s.workforce.hours_per_week, 37.5);
}

#[test]
fn bad_overrides_name_the_set_and_what_was_expected() {
    #[rustfmt::skip]
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        ("workforce.link_workerz=5", Some("workforce.link_workerz"), &["unknown key (did you mean `link_workers`?)", "[workforce] has: link_workers"]),
        ("nosuch.key=1", Some("nosuch.key"), &["unknown section", "run, referrals, workforce"]),
        ("link_workers=4", Some("link_workers"), &["expected a dotted path such as `workforce.link_workers`"]),
        ("workforce.link_workers", None, &["expected `key=value`"]),
        ("workforce.link_workers=0", Some("workforce.link_workers"), &["expected an integer in [1, 10000], found 0"]),
        ("workforce.link_workers=3.5", Some("workforce.link_workers"), &["expected an integer in [1, 10000], found 3.5"]),
        ("workforce.link_workers=abc", Some("workforce.link_workers"), &["expected an integer in [1, 10000], found `abc`"]),
        ("workforce.link_workers=", Some("workforce.link_workers"), &["expected an integer in [1, 10000], found nothing"]),
        ("workforce.link_workers=true", Some("workforce.link_workers"), &["expected an integer in [1, 10000], found a boolean"]),
        ("strain.p_exit_after_burnout=1.5", Some("strain.p_exit_after_burnout"), &["expected a number in [0, 1], found 1.5"]),
        ("strain.alpha=nan", Some("strain.alpha"), &["expected a number in [0, 1000000], found nan"]),
        ("referrals.peak_day=inf", Some("referrals.peak_day"), &["expected a number in [-36500, 36500], found inf"]),
        ("profile.nobody.weight=1", Some("profile.nobody.weight"), &["no profile `nobody` in this scenario"]),
        ("profile.connect.weightz=1", Some("profile.connect.weightz"), &["unknown key (did you mean `weight`?)", "[[profile]] has: weight"]),
        ("profile.connect.distress_mean=1", Some("profile.connect.distress_mean"), &["expected a number in (0, 1), found 1"]),
        ("profile.connect.services.hospital=0", Some("profile.connect.services.hospital"), &["> 0, found 0"]),
        ("service.nowhere.wait_p90_days=10", Some("service.nowhere.wait_p90_days"), &["no service `nowhere` in this scenario"]),
        ("service.hospital.wait_days=10", Some("service.hospital.wait_days"), &["unknown key", "[[service]] has: wait_median_days, wait_p90_days"]),
        // Cross-key rules broken by an override are reported at the override.
        ("run.warmup_days=2000", Some("run.warmup_days"), &["horizon_days (1825) must exceed warmup_days (2000)"]),
        ("service.hospital.wait_p90_days=50", Some("service.hospital.wait_p90_days"), &["wait_p90_days (50) must exceed wait_median_days (91)"]),
        ("profile.connect.distress_sd=0.9", Some("profile.connect.distress_sd"), &["distress_sd (0.9) is infeasible"]),
        ("support.supervision_hours_per_month=40", Some("support.supervision_hours_per_month"), &["must be < 1"]),
        ("profile.connect.services.dentist=1", Some("profile.connect.services"), &["names service `dentist`"]),
    ];
    for &(o, key, fragments) in cases {
        let e = str_err("", &[o]);
        let p = single(&e);
        assert_eq!(p.source, format!("--set {o}"), "{e}");
        assert_eq!(p.line, None, "{e}");
        assert_eq!(p.key.as_deref(), key, "{e}");
        for f in fragments {
            assert!(
                p.message.contains(f),
                "--set {o}: message lacks {f:?}:\n{e}"
            );
        }
        assert!(e.to_string().contains(&format!("--set {o}")), "{e}");
    }
}

#[test]
fn overrides_apply_to_files_and_their_bases() {
    let s = load_ok(
        &good("child/grandchild.toml"),
        &[
            "workforce.link_workers=6",
            "profile.isolated.weight=3",
            "service.hospital.wait_median_days=100",
        ],
    );
    assert_eq!(s.workforce.link_workers, 6);
    assert_eq!(s.profiles[0].weight, 3.0);
    assert_eq!(s.services[1].wait_median_days, 100.0);
    // A profile the file replaced away is no longer there to override.
    let e = load_err(&good("child/child.toml"), &["profile.connect.weight=1"]);
    assert!(single(&e).message.contains("no profile `connect`"), "{e}");
}

// ---------------------------------------------------------------- inheritance

#[test]
fn child_overrides_base_and_replaces_profiles_whole() {
    let base = load_ok(&good("base.toml"), &[]);
    assert_eq!(base.workforce.link_workers, 4);
    assert_eq!(
        base.profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["connect", "waiting"]
    );

    let child = load_ok(&good("child/child.toml"), &[]);
    // Overridden by the child.
    assert_eq!(child.workforce.link_workers, 5);
    // Inherited from the base.
    assert_eq!(child.workforce.hours_per_week, 30.0);
    assert_eq!(child.referrals.rate_per_week, 20.0);
    assert_eq!((child.run.warmup_days, child.run.replications), (365, 20));
    // Defaults where neither says anything.
    assert_eq!(child.strain.alpha, 0.05);
    assert_eq!(child.run.horizon_days, 1825);
    // [[profile]] replaced whole: none of the base's two profiles survive.
    assert_eq!(child.profiles.len(), 1);
    let p = &child.profiles[0];
    assert_eq!(p.name, "isolated");
    assert_eq!(p.weight, 2.0);
    assert_eq!(
        p.services,
        vec![("hospital".into(), 0.5), ("talking_therapies".into(), 0.5)]
    );
    // [[service]] not given anywhere: the defaults.
    assert_eq!(child.services, Scenario::default().services);
    // Everything else is equal to the base.
    let mut expected = base.clone();
    expected.workforce.link_workers = 5;
    expected.profiles = child.profiles.clone();
    assert_eq!(child, expected);
}

#[test]
fn grandchild_inherits_through_the_chain() {
    let g = load_ok(&good("child/grandchild.toml"), &[]);
    let child = load_ok(&good("child/child.toml"), &[]);
    assert_eq!(g.run.replications, 10);
    assert_eq!(g.workforce.link_workers, 5, "from child.toml");
    assert_eq!(
        g.referrals.rate_per_week, 20.0,
        "from base.toml, two levels up"
    );
    assert_eq!(
        g.profiles, child.profiles,
        "not given here: inherited from child.toml"
    );
    let names: Vec<&str> = g.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["talking_therapies", "hospital"],
        "[[service]] replaced whole"
    );
    assert_eq!(
        (g.services[0].wait_median_days, g.services[0].wait_p90_days),
        (14.0, 60.0)
    );

    let keeps = load_ok(&good("keeps_profiles.toml"), &[]);
    let base = load_ok(&good("base.toml"), &[]);
    assert_eq!(keeps.strain.alpha, 0.07);
    assert_eq!(
        keeps.profiles, base.profiles,
        "a child without [[profile]] keeps the base's"
    );
}

#[test]
fn base_path_is_relative_to_the_child_file() {
    // The working directory is the crate root, not the child's directory; `base =
    // "../base.toml"` must still resolve against the child file.
    let absolute = load_ok(&good("child/child.toml"), &[]);
    let relative = load_ok(Path::new("tests/good_scenarios/child/child.toml"), &[]);
    assert_eq!(absolute, relative);
    let dotted = load_ok(
        Path::new("tests/good_scenarios/../good_scenarios/child/./child.toml"),
        &[],
    );
    assert_eq!(absolute, dotted);
    assert_eq!(absolute.workforce.hours_per_week, 30.0);
}

#[test]
fn bundled_scenarios_load_and_inherit_the_baseline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let baseline = load_ok(&root.join("baseline.toml"), &[]);
    assert!(baseline.title.is_some(), "the baseline names itself");
    assert_eq!(
        Scenario {
            title: None,
            ..baseline.clone()
        },
        Scenario::default(),
        "the baseline is the defaults, with a title"
    );
    let pressured = load_ok(&root.join("pressured.toml"), &[]);
    let mut expected = baseline.clone();
    expected.referrals.rate_per_week = 20.0;
    expected.title = pressured.title.clone();
    assert_ne!(pressured.title, baseline.title, "each option names itself");
    assert_eq!(pressured, expected);
    let supported = load_ok(&root.join("supported.toml"), &[]);
    assert_eq!(supported.policy.caseload_cap, 30);
    assert_eq!(supported.support.supervision_hours_per_month, 2.0);
    assert_eq!(supported.profiles, baseline.profiles);
    for s in [&baseline, &pressured, &supported] {
        round_trip(s);
    }
}

// ---------------------------------------------------------------- defaults

#[test]
fn empty_file_gives_the_defaults() {
    assert_eq!(str_ok("", &[]), Scenario::default());
    assert_eq!(
        str_ok("# only a comment\n[run]\n[strain]\n", &[]),
        Scenario::default()
    );
}

#[test]
fn defaults_match_defaults_md() {
    let s = Scenario::default();
    // [run]
    assert_eq!(
        (
            s.run.horizon_days,
            s.run.warmup_days,
            s.run.replications,
            s.run.seed,
            s.run.sites
        ),
        (1825, 180, 100, 20240621, 1)
    );
    // Scalars from every section, read by dotted path as `--set` and sweeps do.
    #[rustfmt::skip]
    let expected: &[(&str, Number)] = &[
        ("referrals.rate_per_week", Number::Float(12.0)),
        ("referrals.seasonal_amplitude", Number::Float(0.1)),
        ("referrals.peak_day", Number::Float(15.0)),
        ("workforce.link_workers", Number::Int(3)),
        ("workforce.hours_per_week", Number::Float(37.5)),
        ("workforce.patient_facing_fraction", Number::Float(0.7)),
        ("workforce.session_hours", Number::Float(0.6)),
        ("workforce.overtime_max", Number::Float(0.2)),
        ("workforce.onboarding_days", Number::Float(90.0)),
        ("workforce.ramp_start", Number::Float(0.5)),
        ("workforce.recruitment_median_days", Number::Float(90.0)),
        ("workforce.recruitment_p90_days", Number::Float(180.0)),
        ("strain.alpha", Number::Float(0.05)),
        ("strain.beta", Number::Float(0.05)),
        ("strain.gamma", Number::Float(0.1)),
        ("strain.rho_work", Number::Float(0.01)),
        ("strain.rho_rest", Number::Float(0.1)),
        ("strain.holding_multiplier", Number::Float(1.5)),
        ("strain.threshold_mean", Number::Float(1.0)),
        ("strain.threshold_sd", Number::Float(0.2)),
        ("strain.sick_leave_median_days", Number::Float(28.0)),
        ("strain.sick_leave_p90_days", Number::Float(90.0)),
        ("strain.strain_after_leave", Number::Float(0.4)),
        ("strain.p_exit_after_burnout", Number::Float(0.4)),
        ("strain.base_turnover_per_year", Number::Float(0.08)),
        ("strain.strain_turnover_k", Number::Float(2.0)),
        ("support.training_effect", Number::Float(0.0)),
        ("support.supervision_hours_per_month", Number::Float(0.5)),
        ("support.supervision_effect", Number::Float(0.25)),
        ("policy.intake_threshold", Number::Float(1.1)),
        ("policy.caseload_cap", Number::Int(0)),
        ("policy.max_holding_weeks", Number::Float(0.0)),
        ("policy.queue_dropout_per_week", Number::Float(0.02)),
        ("policy.p_drop_on_rupture", Number::Float(0.15)),
        ("policy.rupture_distress", Number::Float(0.1)),
        ("cost.lw_cost_per_year", Number::Float(36428.0)),
        ("cost.recruitment_cost", Number::Float(5000.0)),
    ];
    for &(path, value) in expected {
        assert_eq!(s.get_path(path), Ok(value), "{path}");
    }
}

/// A default profile row of docs/model.md § 8: name, [weight, sessions_mean, p_waits], services,
/// [p_prepares, prep_weeks_mean, p_witnessing, witnessing_resolve_per_week,
/// holding_hours_mean, holding_hours_cv, distress_mean, distress_sd].
type ProfileRow = (
    &'static str,
    [f64; 3],
    &'static [(&'static str, f64)],
    [f64; 8],
);

#[test]
fn default_profiles_and_services_match_defaults_md() {
    let s = Scenario::default();
    // name, weight, sessions_mean, p_waits, services, p_prepares, prep_weeks_mean,
    // p_witnessing, witnessing_resolve_per_week, holding_hours_mean, holding_hours_cv,
    // distress_mean, distress_sd
    #[rustfmt::skip]
    let expected: [ProfileRow; 4] = [
        ("connect", [0.55, 4.0, 0.1], &[("talking_therapies", 0.5), ("benefits", 0.5)], [0.1, 4.0, 0.05, 0.15, 0.25, 0.5, 0.3, 0.15]),
        ("waiting", [0.20, 6.0, 1.0], &[("talking_therapies", 0.4), ("community_mental_health", 0.3), ("hospital", 0.2), ("benefits", 0.1)], [0.2, 4.0, 0.2, 0.1, 0.375, 0.5, 0.55, 0.2]),
        ("complex", [0.15, 8.0, 0.4], &[("community_mental_health", 0.5), ("benefits", 0.5)], [0.7, 8.0, 0.3, 0.08, 0.5, 0.5, 0.6, 0.2]),
        ("isolated", [0.10, 6.0, 0.2], &[("talking_therapies", 0.5), ("hospital", 0.5)], [0.3, 6.0, 0.9, 0.05, 0.375, 0.5, 0.7, 0.15]),
    ];
    assert_eq!(s.profiles.len(), 4);
    for (p, (name, head, services, tail)) in s.profiles.iter().zip(expected) {
        assert_eq!(p.name, name);
        assert_eq!([p.weight, p.sessions_mean, p.p_waits], head, "{name}");
        assert_eq!(
            [
                p.p_prepares,
                p.prep_weeks_mean,
                p.p_witnessing,
                p.witnessing_resolve_per_week,
                p.holding_hours_mean,
                p.holding_hours_cv,
                p.distress_mean,
                p.distress_sd
            ],
            tail,
            "{name}"
        );
        // Kept in name order (docs/model.md § 7.2), whatever the order in § 8.
        let mut want: Vec<(String, f64)> =
            services.iter().map(|&(n, w)| (n.to_string(), w)).collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(p.services, want, "{name}");
    }
    let services: Vec<(&str, f64, f64)> = s
        .services
        .iter()
        .map(|v| (v.name.as_str(), v.wait_median_days, v.wait_p90_days))
        .collect();
    assert_eq!(
        services,
        [
            ("talking_therapies", 28.0, 120.0),
            ("community_mental_health", 45.0, 135.0),
            ("hospital", 91.0, 260.0),
            ("benefits", 105.0, 190.0)
        ]
    );
    assert!(
        s.validate().is_empty(),
        "the defaults are valid: {:?}",
        s.validate()
    );
}

#[test]
fn registry_defaults_agree_with_the_structs() {
    let s = Scenario::default();
    for section in holdsim::scenario::SECTIONS {
        for spec in holdsim::scenario::section_specs(section).expect("section") {
            let path = format!("{section}.{}", spec.key);
            assert_eq!(s.get_path(&path).ok(), spec.default, "{path}");
            assert!(
                spec.range.contains(spec.default.expect("default").as_f64()),
                "{path} default out of its own range"
            );
        }
    }
    assert!(
        holdsim::scenario::Profile::specs()
            .iter()
            .all(|s| s.default.is_none()),
        "profile keys are required"
    );
}

// ---------------------------------------------------------------- round trip

fn round_trip(s: &Scenario) {
    let text = s.to_toml();
    let again = load_str("resolved.toml", &text, &[])
        .unwrap_or_else(|e| panic!("to_toml output should load:\n{e}\n\n{text}"));
    assert_eq!(&again, s, "round trip changed the scenario:\n{text}");
}

#[test]
fn to_toml_loads_back_to_an_equal_scenario() {
    round_trip(&Scenario::default());
    round_trip(&load_ok(&good("child/grandchild.toml"), &[]));
    round_trip(&load_ok(
        &good("base.toml"),
        &[
            "referrals.peak_day=-0.1",
            "strain.alpha=1e-9",
            "cost.lw_cost_per_year=1e12",
            "run.seed=9007199254740993",
        ],
    ));

    // Names that are not bare TOML keys must be quoted and escaped.
    let mut s = Scenario::default();
    s.profiles[0].name = "a \"quoted\" name \\ with a backslash".into();
    s.services[2].name = "the.hospital ward".into();
    for p in &mut s.profiles {
        for entry in &mut p.services {
            if entry.0 == "hospital" {
                entry.0 = "the.hospital ward".into();
            }
        }
        p.services.sort_by(|a, b| a.0.cmp(&b.0));
    }
    round_trip(&s);
}

// ---------------------------------------------------------------- properties

/// A value as written in a scenario file.
#[derive(Clone, Copy, Debug)]
enum Value {
    Int(i64),
    Float(f64),
}

impl Value {
    fn toml(self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Float(x) if x.is_nan() => "nan".into(),
            Value::Float(x) if x == f64::INFINITY => "inf".into(),
            Value::Float(x) if x == f64::NEG_INFINITY => "-inf".into(),
            // Debug keeps a decimal point or exponent, so this is a TOML float.
            Value::Float(x) => format!("{x:?}"),
        }
    }
}

/// A key under test and its documented range.
struct Key {
    section: &'static str,
    key: &'static str,
    integer: bool,
    in_range: fn(f64) -> bool,
}

fn keys() -> Vec<Key> {
    let k = |section, key, integer, in_range| Key {
        section,
        key,
        integer,
        in_range,
    };
    vec![
        // Grouped by section: a file gives each section once.
        k("run", "replications", true, |x| {
            x >= 1.0 && x <= f64::from(u32::MAX)
        }),
        k("referrals", "rate_per_week", false, |x| {
            (0.0..=100_000.0).contains(&x)
        }),
        k("referrals", "seasonal_amplitude", false, |x| {
            (0.0..1.0).contains(&x)
        }),
        k("referrals", "peak_day", false, |x| {
            (-36_500.0..=36_500.0).contains(&x)
        }),
        k("workforce", "link_workers", true, |x| {
            (1.0..=10_000.0).contains(&x)
        }),
        k("workforce", "patient_facing_fraction", false, |x| {
            (0.001..=1.0).contains(&x)
        }),
        k("strain", "rho_work", false, |x| (0.0..1.0).contains(&x)),
        k("strain", "threshold_mean", false, |x| x > 0.2),
        k("strain", "strain_turnover_k", false, |x| {
            (0.0..=100.0).contains(&x)
        }),
        k("policy", "caseload_cap", true, |x| {
            x >= 0.0 && x <= f64::from(u32::MAX)
        }),
        k("policy", "p_drop_on_rupture", false, |x| {
            (0.0..=1.0).contains(&x)
        }),
        k("cost", "lw_cost_per_year", false, |x| {
            (0.0..=1e12).contains(&x)
        }),
    ]
}

impl Key {
    fn accepts(&self, v: Value) -> bool {
        match v {
            Value::Int(i) => (self.in_range)(i as f64),
            Value::Float(x) => !self.integer && x.is_finite() && (self.in_range)(x),
        }
    }
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..5).prop_map(Value::Int),
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(i64::MAX),
            Just(i64::MIN),
            Just(i64::from(u32::MAX)),
            Just(i64::from(u32::MAX) + 1)
        ]
        .prop_map(Value::Int),
        (-0.5f64..1.5).prop_map(Value::Float),
        (-1e6f64..1e6).prop_map(Value::Float),
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(1.0),
            Just(0.2),
            Just(0.2 + 1e-12),
            Just(1.0 - f64::EPSILON),
            Just(f64::MIN_POSITIVE),
            Just(f64::MAX),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(3.0),
        ]
        .prop_map(Value::Float),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// In a file: accepted exactly when every given value is in range; otherwise one
    /// problem per bad value, at its key and line; a loaded scenario holds the values
    /// and survives the `to_toml` round trip.
    #[test]
    fn file_values_accepted_exactly_in_range(values in proptest::collection::vec(proptest::option::of(value()), 12)) {
        let keys = keys();
        let mut text = String::new();
        let mut line = 0;
        let mut expected_bad = Vec::new();
        let mut section = "";
        for (k, v) in keys.iter().zip(&values) {
            let Some(v) = *v else { continue };
            if k.section != section {
                section = k.section;
                text.push_str(&format!("[{section}]\n"));
                line += 1;
            }
            text.push_str(&format!("{} = {}\n", k.key, v.toml()));
            line += 1;
            if !k.accepts(v) {
                expected_bad.push((format!("{}.{}", k.section, k.key), line));
            }
        }
        let result = std::panic::catch_unwind(|| load_str("prop.toml", &text, &[]));
        prop_assert!(result.is_ok(), "load_str panicked on:\n{}", text);
        match result.unwrap() {
            Ok(s) => {
                prop_assert!(expected_bad.is_empty(), "accepted out-of-range values {:?}:\n{}", expected_bad, text);
                for (k, v) in keys.iter().zip(&values) {
                    if let Some(v) = *v {
                        let got = s.get_path(&format!("{}.{}", k.section, k.key)).unwrap().as_f64();
                        let want = match v { Value::Int(i) => i as f64, Value::Float(x) => x };
                        prop_assert_eq!(got, want);
                    }
                }
                let again = load_str("resolved.toml", &s.to_toml(), &[]);
                prop_assert_eq!(again.as_ref().ok(), Some(&s), "round trip failed: {:?}", again.as_ref().err());
            }
            Err(e) => {
                let got: Vec<(String, usize)> = e.problems.iter().map(|p| (p.key.clone().unwrap_or_default(), p.line.unwrap_or(0))).collect();
                prop_assert_eq!(got, expected_bad, "\n{}\n{}", text, e);
                for p in &e.problems {
                    prop_assert!(p.message.starts_with("expected "), "{}", p.message);
                    prop_assert!(p.message.contains(", found "), "{}", p.message);
                }
            }
        }
    }

    /// The same through `--set`: one problem per bad override, naming it.
    #[test]
    fn overrides_accepted_exactly_in_range(values in proptest::collection::vec(proptest::option::of(value()), 12)) {
        let keys = keys();
        let mut overrides = Vec::new();
        let mut expected_bad = Vec::new();
        for (k, v) in keys.iter().zip(&values) {
            let Some(v) = *v else { continue };
            let o = format!("{}.{}={}", k.section, k.key, v.toml());
            if !k.accepts(v) {
                expected_bad.push(format!("--set {o}"));
            }
            overrides.push(o);
        }
        let result = std::panic::catch_unwind(|| load_str("prop.toml", "", &overrides));
        prop_assert!(result.is_ok(), "load_str panicked on {:?}", overrides);
        match result.unwrap() {
            Ok(_) => prop_assert!(expected_bad.is_empty(), "accepted {:?}", expected_bad),
            Err(e) => {
                let got: Vec<String> = e.problems.iter().map(|p| p.source.clone()).collect();
                prop_assert_eq!(got, expected_bad, "\n{}", e);
            }
        }
    }

    /// Profile keys: distress_mean in (0, 1), distress_sd > 0 with sd² < m(1 − m),
    /// sessions_mean ≥ 1.
    #[test]
    fn profile_values_accepted_exactly_when_valid(m in -0.2f64..1.2, sd in -0.1f64..0.7, sessions in 0.0f64..3.0) {
        let text = format!(
            "[[profile]]\nname = \"p\"\nweight = 1\nsessions_mean = {sessions:?}\np_waits = 0\nservices = {{}}\np_prepares = 0\n\
             prep_weeks_mean = 1\np_witnessing = 0\nwitnessing_resolve_per_week = 0\nholding_hours_mean = 0\n\
             holding_hours_cv = 1\ndistress_mean = {m:?}\ndistress_sd = {sd:?}\n"
        );
        let valid = m > 0.0 && m < 1.0 && sd >= 1e-6 && sd * sd < m * (1.0 - m) && sessions >= 1.0;
        let result = load_str("prop.toml", &text, &[]);
        prop_assert_eq!(result.is_ok(), valid, "m {} sd {} sessions {}: {:?}", m, sd, sessions, result.err().map(|e| e.to_string()));
        if let Err(e) = result {
            for p in &e.problems {
                prop_assert!(p.line.is_some() && p.key.as_deref().is_some_and(|k| k.starts_with("profile.p.")), "{}", e);
            }
        }
    }

    /// Arbitrary TOML-ish text never makes the loader panic.
    #[test]
    fn garbage_never_panics(text in "[\\[\\]a-z_.=\"{}, 0-9\n#+-]{0,300}") {
        let result = std::panic::catch_unwind(|| load_str("garbage.toml", &text, &[]));
        prop_assert!(result.is_ok(), "panicked on {:?}", text);
        if let Err(e) = result.unwrap() {
            prop_assert!(!e.problems.is_empty());
        }
    }
}
