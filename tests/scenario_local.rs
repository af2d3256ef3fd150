//! What a commissioner writes for a local option: a `title` (and `description`) that
//! names it in every output, and changes to one inherited `[[service]]` or
//! `[[profile]]` entry by name (`[service.NAME]`, `[profile.NAME]`) instead of
//! repeating the whole list: only the keys given change, problems name the file, line
//! and entry, and a partial `[[service]]` list explains the rule.

use std::fs;
use std::path::Path;

use holdsim::scenario::{Scenario, ScenarioError, load};

use crate::util::root;

/// Loads `text` as a scenario file whose `base` is the bundled baseline (by absolute
/// path), so its lines start at 2.
fn load_over_baseline(dir: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let base = root().join("scenarios/baseline.toml");
    let file = dir.join("local.toml");
    fs::write(
        &file,
        format!("base = {:?}\n{text}", base.display().to_string()),
    )
    .unwrap();
    load(&file, &[])
}

fn problems(result: Result<Scenario, ScenarioError>) -> String {
    match result {
        Ok(_) => panic!("expected the scenario to be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_patch_changes_only_the_keys_it_gives() {
    let dir = tempfile::tempdir().unwrap();
    let base = load(&root().join("scenarios/baseline.toml"), &[]).unwrap();
    let patched = load_over_baseline(
        dir.path(),
        "[service.talking_therapies]\nwait_median_days = 20\n\n\
         [profile.waiting]\nsessions_mean = 5\nservices = { hospital = 2.5 }\n",
    )
    .unwrap();
    // The three keys given changed, by the values given.
    let get = |s: &Scenario, p: &str| s.get_path(p).unwrap().as_f64();
    assert_eq!(
        get(&patched, "service.talking_therapies.wait_median_days"),
        20.0
    );
    assert_eq!(get(&patched, "profile.waiting.sessions_mean"), 5.0);
    let weight = |s: &Scenario| {
        let waiting = s.profiles.iter().find(|p| p.name == "waiting").unwrap();
        waiting
            .services
            .iter()
            .find(|(n, _)| n == "hospital")
            .unwrap()
            .1
    };
    assert_eq!(weight(&patched), 2.5);
    // Everything else is the base scenario's, so undoing the three gives it back.
    let mut undone = patched.clone();
    for path in [
        "service.talking_therapies.wait_median_days",
        "profile.waiting.sessions_mean",
        "profile.waiting.services.hospital",
    ] {
        let value = if path.ends_with("hospital") {
            holdsim::scenario::Number::Float(weight(&base))
        } else {
            base.get_path(path).unwrap()
        };
        undone.set_path(path, value).unwrap();
    }
    assert_eq!(undone, base);
    assert_ne!(patched, base);
}

#[test]
fn patch_problems_name_the_file_line_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 5] = [
        (
            "[service.hospitl]\nwait_p90_days = 300\n",
            &[
                "local.toml, line 2",
                "`service.hospitl`",
                "did you mean `hospital`",
                "`[[service]]` gives the whole list",
            ],
        ),
        (
            "[service.hospital]\nwait_median = 3\n",
            &["line 3", "`service.hospital.wait_median`", "unknown key"],
        ),
        (
            "[service.hospital]\nwait_median_days = \"soon\"\n",
            &["line 3", "`service.hospital.wait_median_days`", "expected"],
        ),
        (
            "[service.hospital]\nname = \"acute\"\n",
            &["line 3", "keeps its name", "`[[service]]`"],
        ),
        // A patch that breaks a rule across keys is reported at the patched line.
        (
            "[service.hospital]\nwait_median_days = 400\n",
            &["line 3", "wait_p90_days"],
        ),
    ];
    for (text, needles) in cases {
        let message = problems(load_over_baseline(dir.path(), text));
        for needle in needles {
            assert!(
                message.contains(needle),
                "`{needle}` missing from:\n{message}\nfor:\n{text}"
            );
        }
    }
}

#[test]
fn a_partial_service_list_explains_the_replace_rule() {
    let dir = tempfile::tempdir().unwrap();
    let message = problems(load_over_baseline(
        dir.path(),
        "[[service]]\nname = \"talking_therapies\"\nwait_median_days = 20\n",
    ));
    for needle in [
        "missing required key wait_p90_days",
        "replaces the whole inherited list",
        "`[service.NAME]`",
    ] {
        assert!(
            message.contains(needle),
            "`{needle}` missing from:\n{message}"
        );
    }
}

#[test]
fn titles_are_inherited_replaced_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let base = load(&root().join("scenarios/baseline.toml"), &[]).unwrap();
    // Inherited through `base` like any key, replaced by the file's own.
    let inherited = load_over_baseline(dir.path(), "").unwrap();
    assert_eq!(inherited.title, base.title);
    let own = load_over_baseline(
        dir.path(),
        "title = \"  Four link workers  \"\ndescription = \"A fourth post, no cap.\"\n",
    )
    .unwrap();
    assert_eq!(own.title.as_deref(), Some("Four link workers"), "trimmed");
    assert_eq!(own.description.as_deref(), Some("A fourth post, no cap."));
    // A title changes no number of the model.
    assert_eq!(
        Scenario {
            title: None,
            description: None,
            ..own.clone()
        },
        Scenario {
            title: None,
            ..base.clone()
        }
    );
    // `check` prints it and what `check` prints loads back the same.
    let again = holdsim::scenario::load_str("check", &own.to_toml(), &[]).unwrap();
    assert_eq!(again, own);
    for (text, needles) in [
        (
            "title = 3\n",
            &["line 2", "`title`", "expected text in quotes"][..],
        ),
        ("titel = \"x\"\n", &["`titel`", "did you mean `title`"]),
    ] {
        let message = problems(load_over_baseline(dir.path(), text));
        for needle in needles {
            assert!(
                message.contains(needle),
                "`{needle}` missing from:\n{message}"
            );
        }
    }
    let long = format!("title = \"{}\"\n", "x".repeat(2001));
    assert!(problems(load_over_baseline(dir.path(), &long)).contains("at most 2000 characters"));
}
