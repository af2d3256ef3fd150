//! Reading scenario files: TOML parsing with spans, `base = "…"` inheritance,
//! `--set` overrides, and problems that name file, line and key.
//!
//! One job per module: [`chain`] reads a file and the `base` files it inherits from;
//! [`sections`] applies one file's top-level tables; [`entries`] reads the entries of
//! its `[[profile]]`, `[[service]]` and `[[site_group]]` arrays; [`patches`] changes
//! one inherited entry (`[service.NAME]`, `[profile.NAME]`); [`overrides`] applies
//! `--set`; [`suggest`] words the problems (did-you-mean, what a key expects); and
//! [`text`] holds the TOML value and line helpers they share; [`origins`] remembers
//! where every key was set, so that problems found after loading (the cross-key
//! rules) point at the line to change. This module ties them together.

mod chain;
mod entries;
mod origins;
mod overrides;
mod patches;
mod sections;
mod suggest;
mod text;

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::DeTable;

use super::{Problem, Scenario, ScenarioError};
use crate::source::FileSource;
use origins::Origin;

pub(crate) use entries::Entries;
pub(crate) use text::Text;

/// Top-level tables that belong to experiment files (`holdsim sweep`), not scenarios.
pub const EXPERIMENT_TABLES: [&str; 4] = ["experiment", "design", "adaptive", "sensitivity"];

/// The largest scenario or experiment file a [`FileSource`] should hand over: far
/// beyond any hand-written file (the bundled ones are a few KB; 20,000 site groups are
/// ~2 MB), small enough that reading one can never exhaust memory.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Collects problems and remembers the origin of every key set so far.
pub(crate) struct Loader {
    problems: Vec<Problem>,
    origins: BTreeMap<String, Origin>,
    /// Where each `[[site_group]]` of the scenario (the last file's array) begins.
    group_origins: Vec<Origin>,
    /// Whether the file being applied may hold experiment tables (the top file of
    /// an experiment, read by [`load_experiment_scenario`]).
    experiment_tables_allowed: bool,
}

/// Loads a scenario file, its `base` chain and `overrides` (`path=value` strings, as
/// given to `--set`), then validates the result.
pub fn load(
    files: &dyn FileSource,
    path: &Path,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    load_chain(files, path, overrides, false)
}

/// Loads the scenario an experiment file describes: its `base` chain and any scenario
/// sections it sets (every one the table in `scenario::sections` lists), ignoring its
/// experiment tables (`[experiment]`, `[design]`, …), which [`crate::experiment`] reads.
pub fn load_experiment_scenario(
    files: &dyn FileSource,
    path: &Path,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    load_chain(files, path, overrides, true)
}

fn load_chain(
    files: &dyn FileSource,
    path: &Path,
    overrides: &[String],
    experiment: bool,
) -> Result<Scenario, ScenarioError> {
    let mut loader = Loader::new();
    let chain = loader.read_chain(files, path);
    let mut scenario = Scenario::default();
    if loader.problems.is_empty() {
        let top = chain.len().saturating_sub(1);
        for (i, (label, text)) in chain.iter().rev().enumerate() {
            loader.experiment_tables_allowed = experiment && i == top;
            loader.apply_text(&mut scenario, label, text);
        }
    }
    loader.finish(scenario, overrides, &path.display().to_string())
}

/// Loads a scenario from text (no `base` allowed), as if read from `label`.
pub fn load_str(label: &str, text: &str, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let mut loader = Loader::new();
    let mut scenario = Scenario::default();
    if let Ok(table) = DeTable::parse(text)
        && let Some(base) = table.get_ref().get("base")
    {
        let line = text::line_of(text, base.span().start);
        loader.problem(label, Some(line), Some("base".into()), "`base` is not supported here: there is no file to resolve it against; load the scenario from a file");
    }
    loader.apply_text(&mut scenario, label, text);
    loader.finish(scenario, overrides, label)
}

impl Loader {
    fn new() -> Loader {
        Loader {
            problems: Vec::new(),
            origins: BTreeMap::new(),
            group_origins: Vec::new(),
            experiment_tables_allowed: false,
        }
    }

    /// Applies the overrides to the files' scenario, derives its sites from its
    /// groups, and runs the model's checks, reporting each problem where the key
    /// behind it was set (`top` names the file for keys left at their defaults).
    fn finish(
        mut self,
        mut scenario: Scenario,
        overrides: &[String],
        top: &str,
    ) -> Result<Scenario, ScenarioError> {
        if self.problems.is_empty() {
            for o in overrides {
                self.apply_override(&mut scenario, o);
            }
        }
        // With [[site_group]]s the sites are the groups' sites, unless run.sites was set.
        if !scenario.site_groups.is_empty() && !self.origins.contains_key("run.sites") {
            let total: u64 = scenario
                .site_groups
                .iter()
                .map(|g| u64::from(g.count))
                .sum();
            scenario.run.sites = u32::try_from(total).unwrap_or(u32::MAX);
        }
        if self.problems.is_empty() {
            // The same derivation `Model::try_new` runs, so what passes here runs.
            for b in crate::model::Model::problems(&scenario) {
                let (key, origin) = match b.group.and_then(|i| self.group_origins.get(i)) {
                    Some(origin) => (b.key, origin.clone()),
                    None => self.locate(b.key, &b.related, top),
                };
                self.problems.push(Problem {
                    source: origin.source,
                    line: origin.line,
                    key: Some(key),
                    message: b.message,
                });
            }
        }
        if self.problems.is_empty() {
            Ok(scenario)
        } else {
            Err(ScenarioError {
                problems: self.problems,
            })
        }
    }

    fn problem(
        &mut self,
        source: &str,
        line: Option<usize>,
        key: Option<String>,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            source: source.to_string(),
            line,
            key,
            message: message.into(),
        });
    }
}
