//! One file's top-level tables: scalar sections (`[run]`, …) key by key, arrays of
//! tables (`[[profile]]`, …) handed to [`super::entries`], changes to one inherited
//! entry (`[service.NAME]`) to [`super::patches`], experiment tables allowed
//! or refused, and anything else reported with the sections a file may hold.

use toml::Spanned;
use toml::de::{DeArray, DeString, DeTable, DeValue};

use super::patches::PATCHABLE;
use super::suggest::{expected_of, is_known, suggest};
use super::text::{Lossy, Text, describe, error_line, invalid_toml, to_number};
use super::{EXPERIMENT_TABLES, Loader};
use crate::scenario::sections::section_headers;
use crate::scenario::{ARRAY_SECTIONS, PathError, SECTIONS, Scenario, section_specs};

impl Loader {
    /// Applies one file's keys on top of `scenario`.
    pub(super) fn apply_text(&mut self, scenario: &mut Scenario, label: &str, text: &str) {
        let before = self.problems.len();
        self.apply_table(scenario, label, &Text::new(text));
        // The parsed table iterates keys in name order: list the problems in file order.
        self.problems[before..].sort_by_key(|p| p.line);
    }

    fn apply_table(&mut self, scenario: &mut Scenario, label: &str, text: &Text<'_>) {
        let table = match DeTable::parse(text) {
            Ok(t) => t.into_inner(),
            Err(e) => {
                self.problem(label, error_line(text, &e), None, invalid_toml(&e));
                return;
            }
        };
        for (name, value) in table.iter() {
            self.apply_top_level(scenario, label, text, name, value);
        }
    }

    /// Applies one top-level key of a file: `base` (read with the chain), an
    /// experiment table, a section, or a mistake.
    fn apply_top_level(
        &mut self,
        scenario: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        name: &Spanned<DeString<'_>>,
        value: &Spanned<DeValue<'_>>,
    ) {
        let line = Some(text.line(name.span().start));
        let name: &str = name.get_ref().as_ref();
        if name == "base" {
            return;
        }
        if TEXT_KEYS.contains(&name) {
            self.apply_text_key(scenario, label, line, name, value.get_ref());
            return;
        }
        if EXPERIMENT_TABLES.contains(&name) {
            if !self.experiment_tables_allowed {
                self.problem(
                    label,
                    line,
                    Some(name.into()),
                    format!("[{name}] belongs in an experiment file, so this is one: run it with `holdsim sweep {label}` (a scenario for `holdsim run` has no experiment tables)"),
                );
            }
            return;
        }
        match value.get_ref() {
            DeValue::Array(items) if ARRAY_SECTIONS.contains(&name) => {
                self.apply_array(scenario, label, text, name, items, line);
            }
            // `[service.NAME]` tables; a bare `[service]` of keys is the array mistake.
            DeValue::Table(entries) if PATCHABLE.contains(&name) && all_tables(entries) => {
                self.apply_patches(scenario, label, text, name, entries);
            }
            other if ARRAY_SECTIONS.contains(&name) => self.problem(
                label,
                line,
                Some(name.into()),
                format!(
                    "expected an array of tables (`[[{name}]]`){}, found {}",
                    if PATCHABLE.contains(&name) {
                        format!(" or tables changing inherited entries (`[{name}.NAME]`)")
                    } else {
                        String::new()
                    },
                    describe(other)
                ),
            ),
            DeValue::Table(keys) if section_specs(name).is_some() => {
                self.apply_section(scenario, label, text, name, keys);
            }
            other if section_specs(name).is_some() => self.problem(
                label,
                line,
                Some(name.into()),
                format!("expected a table (`[{name}]`), found {}", describe(other)),
            ),
            other => {
                let message = unknown_top_level(name, other);
                self.problem(label, line, Some(name.into()), message);
            }
        }
    }

    /// `title` or `description`: free text, a later file's replacing an earlier's.
    fn apply_text_key(
        &mut self,
        scenario: &mut Scenario,
        label: &str,
        line: Option<usize>,
        name: &str,
        value: &DeValue<'_>,
    ) {
        let DeValue::String(text) = value else {
            let found = describe(value);
            let message = format!(
                "expected text in quotes, e.g. {name} = \"Three link workers with supervision\", found {found}"
            );
            self.problem(label, line, Some(name.into()), message);
            return;
        };
        let text = text.trim().to_string();
        if text.chars().count() > MAX_TEXT_CHARS {
            let message =
                format!("at most {MAX_TEXT_CHARS} characters; put longer notes in comments");
            self.problem(label, line, Some(name.into()), message);
            return;
        }
        let field = if name == "title" {
            &mut scenario.title
        } else {
            &mut scenario.description
        };
        *field = (!text.is_empty()).then_some(text);
        self.set_origin(name, label, line);
    }

    /// A file's `[[name]]` array: its entries replace the inherited ones, and the
    /// keys the inherited entries set no longer locate problems.
    fn apply_array(
        &mut self,
        scenario: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        name: &str,
        items: &DeArray<'_>,
        line: Option<usize>,
    ) {
        self.forget_prefix(&format!("{name}."));
        let known = scenario.read_array(self, name, label, text, items);
        debug_assert!(known, "ARRAY_SECTIONS lists `{name}`");
        self.set_origin(name, label, line);
    }

    /// The keys of a scalar section (`[workforce]`, …), each checked by the registry.
    fn apply_section(
        &mut self,
        scenario: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        section: &str,
        keys: &DeTable<'_>,
    ) {
        for (key, v) in keys.iter() {
            let line = Some(text.line(key.span().start));
            let key: &str = key.get_ref().as_ref();
            let path = format!("{section}.{key}");
            self.set_number(scenario, label, line, &path, v.get_ref());
        }
    }

    /// Sets the number at `path` (a section key, or an entry's key patched by name),
    /// remembering where it was set, or says what was expected there.
    pub(super) fn set_number(
        &mut self,
        scenario: &mut Scenario,
        label: &str,
        line: Option<usize>,
        path: &str,
        value: &DeValue<'_>,
    ) {
        match to_number(value) {
            Ok(n) => match scenario.set_path(path, n) {
                Ok(()) => self.set_origin(path, label, line),
                Err(e) => self.path_problem(label, line, path, e, &value.to_string_lossy()),
            },
            Err(found) => {
                let err = if is_known(path) {
                    PathError::Invalid {
                        expected: expected_of(path),
                    }
                } else {
                    PathError::UnknownKey
                };
                self.path_problem(label, line, path, err, &found);
            }
        }
    }
}

/// The free-text top-level keys: what outputs call the scenario and what it is for.
pub(crate) const TEXT_KEYS: [&str; 2] = ["title", "description"];

/// The longest title or description: a paragraph, not a document (outputs show it
/// whole, wrapped, so it must stay readable).
const MAX_TEXT_CHARS: usize = 2000;

/// Whether every value of `table` is itself a table (`[service.NAME]`), not a key.
fn all_tables(table: &DeTable<'_>) -> bool {
    table
        .iter()
        .all(|(_, v)| matches!(v.get_ref(), DeValue::Table(_)))
}

/// What to say about a top-level key that is no section: a misspelt section (with
/// a suggestion), a key that belongs in a section, or neither.
fn unknown_top_level(name: &str, value: &DeValue<'_>) -> String {
    let all = section_headers();
    let home = SECTIONS
        .iter()
        .find(|s| section_specs(s).is_some_and(|specs| specs.iter().any(|spec| spec.key == name)));
    match (value, home) {
        (DeValue::Table(_), _) => {
            let known: Vec<&str> = SECTIONS.iter().chain(ARRAY_SECTIONS).copied().collect();
            format!(
                "unknown section{}; expected one of {all}, or `base`, `title`, `description`",
                suggest(name, &known)
            )
        }
        (_, Some(section)) => {
            format!("unknown top-level key; `{name}` belongs in the [{section}] section")
        }
        (_, None) => {
            let known = ["base", "title", "description"];
            format!(
                "unknown top-level key{}; a scenario has only `base`, `title`, `description` and the sections {all}",
                suggest(name, &known)
            )
        }
    }
}
