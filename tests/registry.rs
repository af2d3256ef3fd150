//! The registry knows what is essential, what is assumed and what it drives: every
//! assumption has a usable plausible range, the essential inputs are the ones a PCN
//! knows, every lever and KPI names real assumptions, and the `my-pcn.toml` template
//! loads, runs and compares.

use std::collections::BTreeSet;
use std::fs;

use holdsim::kpi::ALL_KPIS;
use holdsim::scenario::{
    self, LEVERS, Number, Scenario, Spec, all_specs, assumptions_behind, lever, spec,
};

use crate::util::{holdsim, root};

/// The essential inputs of issue 11 point 9, as dotted keys (`service.KEY` for every
/// service's keys).
const ESSENTIAL: [&str; 11] = [
    "referrals.rate_per_week",
    "workforce.link_workers",
    "workforce.hours_per_week",
    "support.supervision_hours_per_month",
    "support.training_effect",
    "policy.caseload_cap",
    "policy.max_holding_weeks",
    "service.wait_median_days",
    "service.wait_p90_days",
    "cost.lw_cost_per_year",
    "cost.supervision_cost_per_hour",
];

fn essential_keys() -> BTreeSet<String> {
    ESSENTIAL.iter().map(|k| k.to_string()).collect()
}

/// A value for `spec`'s key, typed by its kind.
fn number(spec: &Spec, x: f64) -> Number {
    Number::of_kind(spec.kind, x)
}

#[test]
fn every_assumption_has_a_plausible_range_inside_its_valid_range_around_its_default() {
    let mut assumptions = 0;
    for (key, s) in all_specs() {
        if s.is_assumption() {
            assumptions += 1;
            assert!(
                s.plausible.is_some(),
                "{key} is an assumption without a plausible range"
            );
        }
        let Some((low, high)) = s.plausible else {
            continue;
        };
        assert!(low < high, "{key}: plausible {low} to {high} is empty");
        for x in [low, high] {
            assert!(
                s.range.contains(x),
                "{key}: plausible bound {x} outside {}",
                s.range
            );
        }
        if let Some(d) = s.default {
            let d = d.as_f64();
            assert!(
                (low..=high).contains(&d),
                "{key}: default {d} outside {low} to {high}"
            );
        }
        assert!(
            !s.plausible_why.is_empty(),
            "{key}: plausible range without its reason"
        );
    }
    // The scenario format has some twenty-five assumptions; a registry that lost its
    // "assumption" marks would pass the loop above vacuously.
    assert!(assumptions >= 25, "only {assumptions} assumptions found");
}

/// The robustness reruns and calibration set one assumption at a time to any value of
/// its range: each bound must give a valid scenario, on the baseline and on a scenario
/// with more supervision (where the recovery rule across keys bites first).
#[test]
fn every_plausible_bound_gives_a_valid_scenario() {
    let supported = scenario::load(&root().join("scenarios/supported.toml"), &[]).unwrap();
    for base in [Scenario::default(), supported] {
        for (key, s) in all_specs() {
            let Some((low, high)) = s.plausible else {
                continue;
            };
            for x in [low, high] {
                let mut sc = base.clone();
                sc.set_path(&key, number(s, x))
                    .unwrap_or_else(|e| panic!("{key} = {x}: {e}"));
                let problems = sc.validate();
                assert!(problems.is_empty(), "{key} = {x}: {problems:?}");
            }
        }
    }
}

#[test]
fn the_essential_inputs_are_exactly_the_ones_a_pcn_knows() {
    let flagged: BTreeSet<String> = all_specs()
        .into_iter()
        .filter(|(_, s)| s.essential)
        .map(|(key, _)| key)
        .collect();
    assert_eq!(flagged, essential_keys());
    for key in essential_keys() {
        assert!(spec(&key).is_some_and(|s| s.essential), "{key}");
    }
}

#[test]
fn every_key_has_a_label_of_its_own() {
    let mut seen = BTreeSet::new();
    for (key, s) in all_specs() {
        assert!(!s.label.trim().is_empty(), "{key} has no label");
        assert!(
            seen.insert(s.label),
            "{key}: label `{}` names another key too",
            s.label
        );
    }
}

#[test]
fn spec_finds_every_declared_key_and_nothing_else() {
    let all = all_specs();
    assert!(all.len() > 50, "{} specs", all.len());
    for (key, s) in &all {
        let found = spec(key).unwrap_or_else(|| panic!("spec(\"{key}\") found nothing"));
        assert!(
            std::ptr::eq(found, *s),
            "spec(\"{key}\") found `{}`",
            found.key
        );
    }
    // Section keys are readable by the same dotted path on a scenario.
    let s = Scenario::default();
    for (key, _) in all
        .iter()
        .filter(|(k, _)| !k.starts_with("service.") && !k.starts_with("profile."))
    {
        assert!(s.get_path(key).is_ok(), "{key}");
    }
    // A path through one entry finds the record's spec.
    assert_eq!(
        spec("service.hospital.wait_median_days").map(|s| s.key),
        Some("wait_median_days")
    );
    assert_eq!(
        spec("profile.waiting.weight").map(|s| s.key),
        Some("weight")
    );
    for unknown in [
        "",
        "strain",
        "strain.nope",
        "nope.alpha",
        "service.nope",
        "a.b.c.d",
        "run.seed.x",
    ] {
        assert!(spec(unknown).is_none(), "spec(\"{unknown}\")");
    }
}

/// An assumption a lever or a KPI names must exist and have the range a rerun needs.
fn assert_assumption(key: &str, named_by: &str) {
    let s = spec(key).unwrap_or_else(|| panic!("{named_by} names unknown key {key}"));
    assert!(
        s.plausible.is_some(),
        "{named_by} names {key}, which has no plausible range"
    );
}

#[test]
fn every_lever_changes_a_key_and_rests_on_real_assumptions() {
    let mut keys = BTreeSet::new();
    for l in LEVERS {
        assert!(keys.insert(l.key), "lever {} listed twice", l.key);
        assert!(spec(l.key).is_some(), "lever {} is not a key", l.key);
        assert!(
            !l.words.is_empty() && !l.assumptions.is_empty(),
            "{}",
            l.key
        );
        for a in l.assumptions {
            assert_assumption(a, l.key);
        }
        assert_eq!(lever(l.key), Some(l));
    }
    // The levers of the issue: posts, supervision, training, cap, boundary, demand.
    for key in [
        "workforce.link_workers",
        "support.supervision_hours_per_month",
        "support.training_effect",
        "policy.caseload_cap",
        "policy.max_holding_weeks",
        "referrals.rate_per_week",
    ] {
        assert!(lever(key).is_some(), "no lever {key}");
    }
    assert_eq!(
        lever("support.supervision_hours_per_month")
            .unwrap()
            .assumptions[0],
        "support.supervision_effect"
    );
    assert!(lever("strain.alpha").is_none());
}

#[test]
fn every_kpi_names_real_assumptions_once_each() {
    for kpi in ALL_KPIS {
        let named = assumptions_behind(kpi);
        let distinct: BTreeSet<&str> = named.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            named.len(),
            "{} names one twice",
            kpi.name()
        );
        for a in named {
            assert_assumption(a, kpi.name());
        }
    }
    for kpi in holdsim::kpi::Kpi::headlines() {
        assert!(
            !assumptions_behind(kpi).is_empty(),
            "headline {} has none",
            kpi.name()
        );
    }
}

// ------------------------------------------------------------- scenarios/my-pcn.toml

#[test]
fn my_pcn_template_sets_every_essential_input_and_loads_as_the_defaults() {
    let path = root().join("scenarios/my-pcn.toml");
    let text = fs::read_to_string(&path).unwrap();
    let loaded = scenario::load(&path, &[]).unwrap();
    let defaults = Scenario::default();
    for key in essential_keys() {
        if let Some(record_key) = key.strip_prefix("service.") {
            // Every default service is patched, with both its waits.
            for sv in &defaults.services {
                assert!(
                    text.contains(&format!("[service.{}]", sv.name)),
                    "{}",
                    sv.name
                );
                let path = format!("service.{}.{record_key}", sv.name);
                assert_eq!(loaded.get_path(&path), defaults.get_path(&path), "{path}");
            }
            continue;
        }
        let (_, name) = key.split_once('.').unwrap();
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{name} ="))),
            "my-pcn.toml does not set {key}"
        );
        // The template shows today's defaults, so it runs as the baseline does.
        assert_eq!(loaded.get_path(&key), defaults.get_path(&key), "{key}");
    }
    assert!(loaded.title.is_some() && loaded.description.is_some());
}

#[test]
fn my_pcn_template_checks_runs_and_compares_as_its_recipe_says() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["my-pcn.toml", "baseline.toml"] {
        fs::copy(root().join("scenarios").join(name), dir.path().join(name)).unwrap();
    }
    // The option file of the template's recipe.
    fs::write(
        dir.path().join("my-pcn-supervision.toml"),
        "base = \"my-pcn.toml\"\ntitle = \"2 hours of supervision a month\"\n\
         [support]\nsupervision_hours_per_month = 2\n",
    )
    .unwrap();
    let check = holdsim(dir.path())
        .args(["check", "my-pcn.toml"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let resolved = String::from_utf8_lossy(&check.stdout);
    assert!(resolved.contains("title = \"Our PCN today\""));
    // `check` marks the essential inputs in its comments.
    assert!(
        resolved.contains("rate_per_week = 12.0  # essential input"),
        "{resolved}"
    );
    let short = ["-n", "2", "-q", "--set", "run.horizon_days=400"];
    let run = holdsim(dir.path())
        .args(["run", "my-pcn.toml", "--out", "run"])
        .args(short)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(dir.path().join("run/summary.csv").is_file());
    let compare = holdsim(dir.path())
        .args([
            "compare",
            "my-pcn.toml",
            "my-pcn-supervision.toml",
            "--out",
            "cmp",
        ])
        .args(short)
        .output()
        .unwrap();
    assert!(
        compare.status.success(),
        "{}",
        String::from_utf8_lossy(&compare.stderr)
    );
    let table = fs::read_to_string(dir.path().join("cmp/compare.csv")).unwrap();
    assert!(table.contains("2 hours of supervision a month"), "{table}");
}

// ------------------------------------------------- a lever acts only through its links

/// Every non-cost KPI of replications `0..4` (costs price the lever itself).
fn outcomes(overrides: &[(&str, f64)]) -> Vec<Vec<Option<f64>>> {
    let s = crate::util::scenario(overrides);
    crate::util::kpis(&s, 4)
        .iter()
        .map(|k| {
            ALL_KPIS
                .into_iter()
                .filter(|kpi| !kpi.name().starts_with("cost"))
                .map(|kpi| k[kpi])
                .collect()
        })
        .collect()
}

/// The links of docs/model.md § 8.1 say supervision acts only through
/// `supervision_effect` and training only through `alpha`: with that assumption at 0,
/// the lever must change no outcome at all (bit for bit, on common random numbers),
/// and with it at its default the lever must change them.
#[test]
fn supervision_and_training_act_only_through_their_assumptions() {
    let cases = [
        (
            "support.supervision_hours_per_month",
            (0.0, 4.0),
            "support.supervision_effect",
        ),
        ("support.training_effect", (0.0, 0.5), "strain.alpha"),
    ];
    for (lever_key, (before, after), assumption) in cases {
        assert!(lever(lever_key).unwrap().assumptions.contains(&assumption));
        let off = |x| outcomes(&[(assumption, 0.0), (lever_key, x)]);
        assert_eq!(
            off(before),
            off(after),
            "{lever_key} acts without {assumption}"
        );
        let on = |x| outcomes(&[(lever_key, x)]);
        assert_ne!(
            on(before),
            on(after),
            "{lever_key} does nothing with {assumption}"
        );
    }
}
