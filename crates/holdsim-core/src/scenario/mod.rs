//! Scenarios: the user-facing description of a run, read from TOML files.
//!
//! Stage one of a two-stage configuration: [`load()`] reads a file (and the chain of
//! `base = "…"` files it inherits from), applies `--set` overrides, checks every key's
//! type and range against the [registry] and the cross-key rules of
//! docs/parameters.md, and returns a fully populated [`Scenario`] or every problem found,
//! each naming the file, line and key. Stage two, [`crate::model::Model`], derives
//! what the engine needs.

pub mod levers;
mod load;
pub mod params;
pub mod registry;
mod render;
mod sections;
mod validate;

use std::fmt;

pub use levers::{LEVERS, Lever, all_specs, assumptions_behind, lever, spec};
pub use load::{EXPERIMENT_TABLES, MAX_INPUT_BYTES, load, load_experiment_scenario, load_str};
pub use params::{Cost, Policy, Profile, Referrals, Run, Service, Strain, Support, Workforce};
pub use registry::{Number, Record, SetError, Spec};
pub(crate) use sections::scenario_sections;
pub use sections::{ARRAY_SECTIONS, SECTIONS, Scenario, section_specs};
pub(crate) use validate::{Broken, cross_key_problems};
pub use validate::{MAX_POSTS, MAX_SITES};

/// `[[site_group]]`: `count` sites whose parameters differ from the scenario's by `set`
/// (dotted paths; `run.*` excluded — horizon, warm-up and seed are the scenario's).
#[derive(Clone, Debug, PartialEq)]
pub struct SiteGroup {
    pub name: String,
    pub count: u32,
    pub set: Vec<(String, Number)>,
}

impl Scenario {
    /// Reads a scalar by dotted path: `workforce.link_workers`,
    /// `profile.waiting.holding_hours_mean`, `profile.waiting.services.hospital`,
    /// `service.hospital.wait_median_days`.
    pub fn get_path(&self, path: &str) -> Result<Number, PathError> {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            [section, key] => {
                let rec = self.section(section).ok_or(PathError::UnknownSection)?;
                rec.get_dyn(key).ok_or(PathError::UnknownKey)
            }
            ["profile", name, "services", service] => {
                let p = self.profile(name)?;
                p.services
                    .iter()
                    .find(|(s, _)| s == service)
                    .map(|&(_, w)| Number::Float(w))
                    .ok_or_else(|| {
                        PathError::UnknownEntry(format!("service `{service}` in profile `{name}`"))
                    })
            }
            ["profile", name, key] => self.profile(name)?.get(key).ok_or(PathError::UnknownKey),
            ["service", name, key] => self.service(name)?.get(key).ok_or(PathError::UnknownKey),
            _ => Err(PathError::Malformed),
        }
    }

    /// Sets a scalar by dotted path (see [`Scenario::get_path`]), checking its type
    /// and range. Cross-key rules are checked by [`Scenario::validate`].
    pub fn set_path(&mut self, path: &str, value: Number) -> Result<(), PathError> {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            [section, key] => {
                let rec = self.section_mut(section).ok_or(PathError::UnknownSection)?;
                rec.set_dyn(key, value).map_err(PathError::from)
            }
            ["profile", name, "services", service] => {
                let p = self.profile_mut(name)?;
                let w = value.as_f64();
                if !(w.is_finite() && w > 0.0) {
                    return Err(PathError::Invalid {
                        expected: "a number > 0".into(),
                    });
                }
                match p.services.iter_mut().find(|(s, _)| s == service) {
                    Some(entry) => entry.1 = w,
                    None => {
                        p.services.push((service.to_string(), w));
                        p.services.sort_by(|a, b| a.0.cmp(&b.0));
                    }
                }
                Ok(())
            }
            ["profile", name, key] => self
                .profile_mut(name)?
                .set(key, value)
                .map_err(PathError::from),
            ["service", name, key] => self
                .service_mut(name)?
                .set(key, value)
                .map_err(PathError::from),
            _ => Err(PathError::Malformed),
        }
    }

    fn profile(&self, name: &str) -> Result<&Profile, PathError> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| PathError::UnknownEntry(format!("profile `{name}`")))
    }

    fn profile_mut(&mut self, name: &str) -> Result<&mut Profile, PathError> {
        self.profiles
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| PathError::UnknownEntry(format!("profile `{name}`")))
    }

    fn service(&self, name: &str) -> Result<&Service, PathError> {
        self.services
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| PathError::UnknownEntry(format!("service `{name}`")))
    }

    fn service_mut(&mut self, name: &str) -> Result<&mut Service, PathError> {
        self.services
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| PathError::UnknownEntry(format!("service `{name}`")))
    }

    /// Everything that keeps this scenario from running, as `(dotted key, message)`:
    /// the rules that involve more than one key (docs/parameters.md, docs/model.md § 8) and
    /// the limits of the distributions the model builds — exactly what
    /// [`crate::model::Model::try_new`] refuses, because it is the same check.
    pub fn validate(&self) -> Vec<(String, String)> {
        crate::model::Model::problems(self)
            .into_iter()
            .map(|b| (b.key, b.message))
            .collect()
    }

    /// This scenario if [`Scenario::validate`] finds nothing, else its problems in one
    /// line (`key: message; …`): the reason a sweep point or calibrated scenario gives.
    pub fn validated(self) -> Result<Scenario, String> {
        let problems = self.validate();
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems
                .into_iter()
                .map(|(k, m)| format!("{k}: {m}"))
                .collect::<Vec<_>>()
                .join("; "))
        }
    }

    /// The resolved scenario as TOML, every key present, with units as comments.
    pub fn to_toml(&self) -> String {
        render::to_toml(self)
    }

    /// The resolved scenario as a JSON object (for manifests).
    pub fn to_json(&self) -> serde_json::Value {
        render::to_json(self)
    }

    /// This scenario without its `[[site_group]]`s: what every group starts from.
    /// Built once per scenario (never per group), so work on groups stays linear in
    /// their number.
    pub fn without_groups(&self) -> Scenario {
        // Every other field as it is, so a section added to the table is kept too.
        Scenario {
            site_groups: Vec::new(),
            ..self.clone()
        }
    }

    /// The scenario of one group of sites: this (group-free) scenario with the
    /// group's `set` applied and `run.sites` = its count; or every `set` path that
    /// cannot be applied (a profile or service a file inheriting the group removed,
    /// a value out of range) with the reason.
    pub fn with_group(&self, group: &SiteGroup) -> Result<Scenario, Vec<(String, PathError)>> {
        let mut s = self.clone();
        s.site_groups.clear();
        let mut problems = Vec::new();
        for (path, value) in &group.set {
            if let Err(e) = s.set_path(path, *value) {
                problems.push((path.clone(), e));
            }
        }
        s.run.sites = group.count;
        if problems.is_empty() {
            Ok(s)
        } else {
            Err(problems)
        }
    }

    /// Post-years in the KPI window, summed over sites (docs/model.md § 7.10).
    pub fn post_years(&self) -> f64 {
        f64::from(self.run.sites)
            * f64::from(self.workforce.link_workers)
            * f64::from(self.run.horizon_days - self.run.warmup_days)
            / 365.0
    }
}

/// Why a dotted path could not be read or written.
#[derive(Clone, Debug, PartialEq)]
pub enum PathError {
    Malformed,
    UnknownSection,
    UnknownKey,
    UnknownEntry(String),
    Invalid { expected: String },
}

impl From<SetError> for PathError {
    fn from(e: SetError) -> Self {
        match e {
            SetError::UnknownKey => PathError::UnknownKey,
            SetError::Invalid { expected } => PathError::Invalid { expected },
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Malformed => write!(
                f,
                "expected a dotted path such as `workforce.link_workers`, `profile.NAME.KEY`, `profile.NAME.services.SERVICE` or `service.NAME.KEY`"
            ),
            PathError::UnknownSection => write!(
                f,
                "unknown section; expected one of {}, profile, service",
                SECTIONS.join(", ")
            ),
            PathError::UnknownKey => write!(f, "unknown key"),
            PathError::UnknownEntry(what) => write!(f, "no {what} in this scenario"),
            PathError::Invalid { expected } => write!(f, "expected {expected}"),
        }
    }
}

/// One thing wrong with a scenario: where it is and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The file (as given) or `--set`.
    pub source: String,
    pub line: Option<usize>,
    /// The dotted key, when the problem is about one key.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything wrong with a scenario (never empty).
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "invalid scenario ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}
