//! Scenario sections declared once (issue 9, point 3): every section of the one table
//! (`SECTIONS`, `ARRAY_SECTIONS`) is accepted by a scenario file and by an experiment
//! file, reaches the scenario either way, and is rendered by `check`; misspelt
//! sections are pointed to every one; and an experiment over `england.toml` with its
//! own `[[site_group]]`s sweeps end to end.

use std::fs;

use holdsim::experiment;
use holdsim::scenario::{ARRAY_SECTIONS, SECTIONS, Scenario, load_str};

use crate::util::{holdsim, root};

/// A design of two points that any scenario accepts.
const DESIGN: &str =
    "[design]\nmethod = \"grid\"\n\n[[design.factor]]\npath = \"run.seed\"\nvalues = [1, 2]\n";

/// Every section name of the table, scalar sections first.
fn all_sections() -> Vec<&'static str> {
    SECTIONS.iter().chain(ARRAY_SECTIONS).copied().collect()
}

/// Moves a number off its default: integers up by one, floats by 1% (0 to 0.01).
fn nudge(value: &mut toml::Value) -> bool {
    match value {
        toml::Value::Integer(i) => *i += 1,
        toml::Value::Float(x) if *x == 0.0 => *x = 0.01,
        toml::Value::Float(x) => *x *= 0.99,
        _ => return false,
    }
    true
}

/// Nudges the first number of a table (its keys in rendering order).
fn nudge_first_number(table: &mut toml::Table) {
    let nudged = table.iter_mut().any(|(_, v)| nudge(v));
    assert!(nudged, "no number to change in {table:?}");
}

/// The resolved scenario of a site group as `check` renders it, parsed, with every
/// section moved off the defaults (the first number of each scalar section, and of
/// each array's first entry), so a section that did not reach a scenario shows.
/// `run.sites` is left out: the groups give it.
fn source_sections() -> toml::Table {
    let grouped = load_str(
        "groups.toml",
        "[[site_group]]\nname = \"pair\"\ncount = 2\nset = { \"workforce.link_workers\" = 2 }\n",
        &[],
    )
    .expect("a site group loads");
    let mut table: toml::Table = grouped.to_toml().parse().expect("check's TOML parses");
    for name in all_sections() {
        let section = table
            .get_mut(name)
            .unwrap_or_else(|| panic!("`check` does not render [{name}]"));
        match section {
            toml::Value::Table(t) => nudge_first_number(t),
            toml::Value::Array(entries) => match entries.first_mut() {
                Some(toml::Value::Table(t)) => nudge_first_number(t),
                other => panic!("[[{name}]] renders no entry: {other:?}"),
            },
            other => panic!("[{name}] renders as {other:?}"),
        }
    }
    table["run"].as_table_mut().unwrap().remove("sites");
    table
}

/// One section of `source` as file text.
fn section_text(source: &toml::Table, name: &str) -> String {
    let mut one = toml::Table::new();
    one.insert(name.into(), source[name].clone());
    toml::to_string(&one).expect("a section serialises")
}

/// Asserts that `scenario`, rendered as `check` does, holds section `name` as `source` gives it.
fn assert_holds(scenario: &Scenario, source: &toml::Table, name: &str, how: &str) {
    let rendered: toml::Table = scenario.to_toml().parse().expect("check's TOML parses");
    let got = rendered
        .get(name)
        .unwrap_or_else(|| panic!("{how}: `check` does not render [{name}]"));
    match (&source[name], got) {
        (toml::Value::Table(want), toml::Value::Table(got)) => {
            for (key, value) in want {
                assert_eq!(got.get(key), Some(value), "{how}: {name}.{key}");
            }
        }
        (want, got) => assert_eq!(got, want, "{how}: [[{name}]]"),
    }
}

#[test]
fn every_section_of_the_table_reaches_a_scenario_and_an_experiment_and_check_renders_it() {
    let source = source_sections();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("base.toml"), "# every key at its default\n").unwrap();
    for name in all_sections() {
        let text = section_text(&source, name);
        let scenario = load_str("one_section.toml", &text, &[])
            .unwrap_or_else(|e| panic!("a scenario with only [{name}] should load:\n{e}"));
        assert_holds(&scenario, &source, name, "scenario file");

        let path = dir.path().join(format!("{name}.toml"));
        fs::write(&path, format!("base = \"base.toml\"\n\n{text}\n{DESIGN}")).unwrap();
        let exp = experiment::load(&path, &[])
            .unwrap_or_else(|e| panic!("an experiment setting [{name}] should load: {e:#}"));
        assert_holds(&exp.scenario, &source, name, "experiment file");
        assert_eq!(exp.points.len(), 2);
    }
}

#[test]
fn a_misspelt_section_is_told_every_section_of_the_table() {
    let e = load_str("typo.toml", "[site_grup]\nname = \"x\"\n", &[]).unwrap_err();
    let message = &e.problems[0].message;
    assert!(message.contains("did you mean `site_group`?"), "{message}");
    for name in SECTIONS {
        assert!(message.contains(&format!("[{name}]")), "{name}: {message}");
    }
    for name in ARRAY_SECTIONS {
        assert!(
            message.contains(&format!("[[{name}]]")),
            "{name}: {message}"
        );
    }
}

#[test]
fn an_experiment_refuses_a_section_no_scenario_has() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("base.toml"), "").unwrap();
    let path = dir.path().join("exp.toml");
    fs::write(
        &path,
        format!("base = \"base.toml\"\n\n[site_grup]\n\n{DESIGN}"),
    )
    .unwrap();
    let e = experiment::load(&path, &[]).unwrap_err();
    let message = format!("{e:#}");
    assert!(message.contains("unknown field `site_grup`"), "{message}");
    assert!(message.contains("`site_group`"), "{message}");
}

#[test]
fn an_experiment_over_england_with_its_own_site_groups_sweeps() {
    let dir = tempfile::tempdir().unwrap();
    let england = root().join("scenarios/england.toml");
    let text = format!(
        "base = {england:?}\n\n\
         [experiment]\nreplications = 1\n\n\
         [design]\nmethod = \"grid\"\n\n\
         [[design.factor]]\npath = \"policy.caseload_cap\"\nvalues = [20, 40]\n\n\
         [[site_group]]\nname = \"small\"\ncount = 3\nset = {{ \"workforce.link_workers\" = 2 }}\n\n\
         [[site_group]]\nname = \"large\"\ncount = 2\nset = {{ \"workforce.link_workers\" = 4 }}\n"
    );
    fs::write(dir.path().join("england_groups.toml"), text).unwrap();
    let out = holdsim(dir.path())
        .args(["sweep", "england_groups.toml", "-q", "--out", "out"])
        .args([
            "--set",
            "run.horizon_days=120",
            "--set",
            "run.warmup_days=30",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    for point in ["0,", "1,"] {
        assert!(
            summary.lines().any(|l| l.starts_with(point)),
            "point {point} missing:\n{summary}"
        );
    }
    // The experiment's groups replace england.toml's: 5 sites, not 1,250.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/manifest.json")).unwrap())
            .unwrap();
    let scenario = &manifest["scenario"];
    assert_eq!(scenario["run"]["sites"], 5);
    let groups: Vec<&str> = scenario["site_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["small", "large"]);
}
