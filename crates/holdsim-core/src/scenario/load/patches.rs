//! `[service.NAME]` and `[profile.NAME]`: change a few keys of one inherited entry
//! without repeating the list. A commissioner whose local talking-therapies wait is
//! 20 days should write three lines, not copy every service of the base scenario;
//! `[[service]]` still replaces the whole list, and TOML forbids both forms for one
//! name in one file, so the two cannot be mixed by accident.

use toml::de::{DeTable, DeValue};

use super::Loader;
use super::suggest::suggest;
use super::text::{Text, describe};
use crate::scenario::Scenario;

/// The arrays whose entries a file may change by name. Site groups are not among
/// them: a group is its `count` and `set`, so changing one is writing it again.
pub(crate) const PATCHABLE: [&str; 2] = ["profile", "service"];

impl Loader {
    /// Every `[ARRAY.NAME]` table of one file, applied in file order.
    pub(super) fn apply_patches(
        &mut self,
        scenario: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        array: &str,
        entries: &DeTable<'_>,
    ) {
        for (entry, keys) in entries.iter() {
            let line = Some(text.line(entry.span().start));
            let entry: &str = entry.get_ref().as_ref();
            let names = entry_names(scenario, array);
            if !names.iter().any(|n| n == entry) {
                let known: Vec<&str> = names.iter().map(String::as_str).collect();
                self.problem(
                    label,
                    line,
                    Some(format!("{array}.{entry}")),
                    format!(
                        "no inherited {array} named `{entry}` to change{}; the {array}s are: {}. `[{array}.NAME]` changes keys of one inherited entry; `[[{array}]]` gives the whole list",
                        suggest(entry, &known),
                        known.join(", ")
                    ),
                );
                continue;
            }
            match keys.get_ref() {
                DeValue::Table(keys) => self.apply_patch(scenario, label, text, array, entry, keys),
                other => self.problem(
                    label,
                    line,
                    Some(format!("{array}.{entry}")),
                    format!(
                        "expected a table of the keys to change (`[{array}.{entry}]`), found {}",
                        describe(other)
                    ),
                ),
            }
        }
    }

    /// The keys of one `[ARRAY.NAME]` table, each checked by the registry; a
    /// profile's `services` weights may be changed one by one.
    fn apply_patch(
        &mut self,
        scenario: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        array: &str,
        entry: &str,
        keys: &DeTable<'_>,
    ) {
        for (key, value) in keys.iter() {
            let line = Some(text.line(key.span().start));
            let key: &str = key.get_ref().as_ref();
            match (key, value.get_ref()) {
                ("name", _) => self.problem(
                    label,
                    line,
                    Some(format!("{array}.{entry}.name")),
                    format!(
                        "an inherited {array} keeps its name; to rename it, give the whole list with `[[{array}]]`"
                    ),
                ),
                ("services", DeValue::Table(weights)) if array == "profile" => {
                    for (service, weight) in weights.iter() {
                        let line = Some(text.line(service.span().start));
                        let service: &str = service.get_ref().as_ref();
                        let path = format!("profile.{entry}.services.{service}");
                        self.set_number(scenario, label, line, &path, weight.get_ref());
                    }
                }
                (_, value) => {
                    let path = format!("{array}.{entry}.{key}");
                    self.set_number(scenario, label, line, &path, value);
                }
            }
        }
    }
}

/// The names of the entries of `array` the scenario holds so far.
fn entry_names(scenario: &Scenario, array: &str) -> Vec<String> {
    match array {
        "profile" => scenario.profiles.iter().map(|p| p.name.clone()).collect(),
        "service" => scenario.services.iter().map(|s| s.name.clone()).collect(),
        _ => Vec::new(),
    }
}
