//! The scenarios bundled into the binary, posted scenario text loaded on top of them,
//! and the bundled literature posterior. Uploads are parsed in memory
//! ([`MemoryFiles`]): a posted file can inherit (`base = "pressured"`) only from a
//! bundled scenario, never read a server path.

use std::path::PathBuf;

use holdsim_core::source::MemoryFiles;

use crate::scenario::{Problem, Scenario, ScenarioError};

/// Every file of `scenarios/`, by stem, as the binary carries it.
pub const BUNDLED: &[(&str, &str)] = &[
    ("my-pcn", include_str!("../../scenarios/my-pcn.toml")),
    ("baseline", include_str!("../../scenarios/baseline.toml")),
    ("pressured", include_str!("../../scenarios/pressured.toml")),
    ("supported", include_str!("../../scenarios/supported.toml")),
    (
        "option-supervision",
        include_str!("../../scenarios/option-supervision.toml"),
    ),
    (
        "option-fourth-worker",
        include_str!("../../scenarios/option-fourth-worker.toml"),
    ),
    ("england", include_str!("../../scenarios/england.toml")),
];

/// The bundled literature calibration's posterior (`calibration/literature-posterior.csv`,
/// what `holdsim calibrate calibration/literature.toml` wrote), so the web app can offer
/// "calibrated to published figures" without a file on the server.
pub const LITERATURE_POSTERIOR: &str = include_str!("../../calibration/literature-posterior.csv");

/// How the bundled posterior is named in job records, manifests and reports: the
/// repository file, so a reader can find it and rerun the job by CLI.
pub const LITERATURE_POSTERIOR_SOURCE: &str = "calibration/literature-posterior.csv";

/// The bundled scenario's text, by stem (with or without `.toml`).
pub fn text(name: &str) -> Option<&'static str> {
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    BUNDLED.iter().find(|(n, _)| *n == stem).map(|(_, t)| *t)
}

/// A source holding the bundled files (as `NAME` and `NAME.toml`, so `base` may name
/// either) and the posted file as `label`.
fn files_with(label: &str, posted: &str) -> MemoryFiles {
    let mut files = MemoryFiles::default();
    for (name, text) in BUNDLED {
        files.0.insert(PathBuf::from(name), text.to_string());
        files
            .0
            .insert(PathBuf::from(format!("{name}.toml")), text.to_string());
    }
    files.0.insert(PathBuf::from(label), posted.to_string());
    files
}

/// Refuses a `base` that names anything but a bundled scenario, in the words of a
/// scenario problem (the loader would only say the file does not exist).
fn check_base(label: &str, posted: &str) -> Result<(), ScenarioError> {
    let Ok(table) = posted.parse::<toml::Table>() else {
        return Ok(()); // the loader reports the syntax error with its line
    };
    let Some(base) = table.get("base") else {
        return Ok(());
    };
    match base.as_str() {
        Some(name) if text(name).is_some() && !name.contains('/') => Ok(()),
        _ => Err(ScenarioError {
            problems: vec![Problem {
                source: label.to_string(),
                line: None,
                key: Some("base".into()),
                message: format!(
                    "expected the name of a bundled scenario ({}); a posted scenario cannot read other files",
                    names().join(", ")
                ),
            }],
        }),
    }
}

/// The bundled scenarios' names, for messages and the page's picker.
pub fn names() -> Vec<&'static str> {
    BUNDLED.iter().map(|(n, _)| *n).collect()
}

/// Loads posted scenario text as the file `label` (problems name it), with `overrides`
/// (`key=value`, as `--set` takes them) applied, through the CLI's validator.
pub fn load_posted(
    label: &str,
    posted: &str,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    check_base(label, posted)?;
    let files = files_with(label, posted);
    holdsim_core::scenario::load(&files, std::path::Path::new(label), overrides)
}

/// A bundled scenario, resolved (for the page's form).
pub fn load_bundled(name: &str) -> Option<Scenario> {
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    text(stem)?;
    let files = files_with("", "");
    holdsim_core::scenario::load(&files, std::path::Path::new(&format!("{stem}.toml")), &[]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_scenario_loads_and_other_bases_are_refused() {
        for name in names() {
            assert!(load_bundled(name).is_some(), "{name}");
        }
        let ok = load_posted("a.toml", "base = \"pressured\"\n", &[]).unwrap();
        assert_eq!(
            ok.title.as_deref(),
            load_bundled("pressured").unwrap().title.as_deref()
        );
        for bad in ["/etc/passwd", "../scenarios/baseline.toml", "nothing"] {
            let e = load_posted("a.toml", &format!("base = \"{bad}\"\n"), &[]).unwrap_err();
            assert_eq!(e.problems[0].key.as_deref(), Some("base"), "{bad}");
        }
    }

    #[test]
    fn the_bundled_posterior_reads_and_runs_every_bundled_scenario() {
        let used = crate::commands::PosteriorUsed {
            source: LITERATURE_POSTERIOR_SOURCE.into(),
            posterior: crate::calibrate::posterior_file::parse(LITERATURE_POSTERIOR, "bundled")
                .unwrap(),
        };
        assert!(used.posterior.len() > 100);
        for name in names() {
            let scenario = load_bundled(name).unwrap();
            used.drawn_for(&scenario, name)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}
