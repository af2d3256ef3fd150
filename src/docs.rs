//! The project's generated documents.
//!
//! Why generated: `docs/parameters.md` lists every scenario key with its type,
//! default, unit, range and source. Typed by hand it would drift from the registry
//! (`crates/holdsim-core/src/scenario/params.rs`) the first time a default or range changed; generated
//! from the registry, and checked by a test that the committed file equals the
//! generated text, it cannot.

use std::fmt::Write;

use crate::scenario::params::{default_profiles, default_services};
use crate::scenario::registry::{Kind, Number, Spec};
use crate::scenario::{Profile, Record, SECTIONS, Service, section_specs};

/// Where the generated parameter reference lives, relative to the repository root.
pub const PARAMETERS_PATH: &str = "docs/parameters.md";

/// What each scalar section is for (the registry declares keys, not sections).
fn section_about(section: &str) -> &'static str {
    match section {
        "run" => "Horizon, warm-up, replications, seed and number of sites.",
        "referrals" => "The referral stream of each site (docs/model.md § 7.1).",
        "workforce" => "Posts, hours, onboarding and recruitment (docs/model.md § 7.3 and § 7.4).",
        "strain" => "Strain dynamics, burnout and leaving (docs/model.md § 7.6 and § 7.8).",
        "support" => "Training and clinical supervision (docs/model.md § 7.6).",
        "policy" => {
            "Intake, caseload cap, holding boundary, queue dropout and ruptures \
             (docs/model.md § 7.4, § 7.7 and § 7.8)."
        }
        "cost" => "Staff, recruitment, supervision and training costs (docs/model.md § 7.10).",
        _ => "",
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "integer",
        Kind::Float => "number",
    }
}

/// Table cells may not contain a bare `|`.
fn cell(text: &str) -> String {
    if text.is_empty() {
        "—".into()
    } else {
        text.replace('|', "\\|")
    }
}

fn default_text(n: Option<Number>) -> String {
    match n {
        Some(n) => format!("`{n}`"),
        None => "required".into(),
    }
}

fn key_table(out: &mut String, prefix: &str, specs: &[Spec], with_default: bool) {
    if with_default {
        out.push_str(
            "| key | in words | type | default | unit | valid values | plausible | meaning / source |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|\n");
    } else {
        out.push_str(
            "| key | in words | type | unit | valid values | plausible | meaning / source |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
    }
    for s in specs {
        let key = format!("`{prefix}{}`", s.key);
        let words = label_text(s);
        let valid = cell(&s.range.to_string());
        let plausible = plausible_text(s);
        let default = if with_default {
            format!(" {} |", default_text(s.default))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {key} | {words} | {} |{default} {} | {valid} | {plausible} | {} |",
            kind_name(s.kind),
            cell(s.unit),
            cell(s.about)
        );
    }
}

/// The key's plain-English label, marked ★ when it is an essential input.
fn label_text(s: &Spec) -> String {
    if s.essential {
        format!("★ {}", cell(s.label))
    } else {
        cell(s.label)
    }
}

/// "0.02 to 0.1: why" for an assumption's plausible range, "—" for other keys.
fn plausible_text(s: &Spec) -> String {
    match s.plausible {
        Some((low, high)) => cell(&format!(
            "{} to {}: {}",
            num(low),
            num(high),
            s.plausible_why
        )),
        None => "—".into(),
    }
}

/// The essential inputs — what a PCN knows about itself and should set first — in
/// one short table: the list `scenarios/my-pcn.toml` and the web form start from.
fn essential_inputs(out: &mut String) {
    out.push_str(
        "\n## Essential inputs\n\n\
         The inputs a PCN knows about itself and should set first (★ in the tables\n\
         below); `scenarios/my-pcn.toml` is a commented template with all of them. The\n\
         rest have defaults from the literature or are assumptions with a plausible\n\
         range.\n\n\
         | key | in words | default | unit |\n\
         |---|---|---|---|\n",
    );
    for (key, s) in crate::scenario::all_specs() {
        if s.essential {
            let default = match s.default {
                Some(n) => format!("`{n}`"),
                None => "per service".into(),
            };
            let key = key.replace("service.", "service.NAME.");
            let _ = writeln!(
                out,
                "| `{key}` | {} | {default} | {} |",
                cell(s.label),
                cell(s.unit)
            );
        }
    }
}

/// A float as a reader would type it (`0.55`, `4`), not Rust's `Debug` (`4.0`).
fn num(x: f64) -> String {
    format!("{x}")
}

/// A Markdown table row from its cells.
fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn profile_defaults(out: &mut String) {
    let specs = Profile::specs();
    let mut header = vec!["name".to_string()];
    header.extend(specs.iter().map(|s| s.key.to_string()));
    header.push("services (weight)".into());
    out.push_str(&row(&header));
    out.push_str(&row(&vec!["---".to_string(); header.len()]));
    for p in default_profiles() {
        let mut cells = vec![format!("`{}`", p.name)];
        cells.extend(
            specs
                .iter()
                .map(|s| num(p.get(s.key).map_or(f64::NAN, Number::as_f64))),
        );
        let services: Vec<String> = p
            .services
            .iter()
            .map(|(name, w)| format!("{name} {}", num(*w)))
            .collect();
        cells.push(services.join(", "));
        out.push_str(&row(&cells));
    }
}

fn service_defaults(out: &mut String) {
    let specs = Service::specs();
    let mut header = vec!["name".to_string()];
    header.extend(specs.iter().map(|s| s.key.to_string()));
    out.push_str(&row(&header));
    out.push_str(&row(&vec!["---".to_string(); header.len()]));
    for sv in default_services() {
        let mut cells = vec![format!("`{}`", sv.name)];
        cells.extend(
            specs
                .iter()
                .map(|s| num(sv.get(s.key).map_or(f64::NAN, Number::as_f64))),
        );
        out.push_str(&row(&cells));
    }
}

/// The text of `docs/parameters.md`: every scenario key of the registry with its
/// type, default, unit, valid values and source, grouped by section, followed by the
/// `[[profile]]`, `[[service]]` and `[[site_group]]` entries and the rules that
/// involve more than one key. One function or constant per part of the document.
pub fn parameters_markdown() -> String {
    let mut out = String::from(INTRODUCTION);
    essential_inputs(&mut out);
    section_keys(&mut out);
    profiles(&mut out);
    services(&mut out);
    out.push_str(SITE_GROUPS);
    out.push_str(RULES_ACROSS_KEYS);
    out.push_str(INHERITANCE);
    out
}

/// The title, the do-not-edit note and how to read the tables.
const INTRODUCTION: &str = "# Scenario parameters\n\
         \n\
         <!-- Generated from the parameter registry (crates/holdsim-core/src/scenario/params.rs) by\n     \
         holdsim::docs::parameters_markdown; do not edit by hand. Regenerate with\n     \
         HOLDSIM_BLESS=1 cargo test --test tests project_documents -->\n\
         \n\
         Every key of the scenario format, as `holdsim` reads it. A scenario file states\n\
         only what differs from these defaults; `holdsim check FILE` prints the resolved\n\
         value of every key (the output is itself a valid scenario). The model these keys\n\
         drive is described in docs/model.md; its § 8 gives the same defaults with the\n\
         reasoning behind them.\n\
         \n\
         - **type**: an *integer* key rejects `2.0` and `2.5`; a *number* key accepts an\n  \
         integer literal (`rate_per_week = 20` means 20.0) (docs/model.md § 9 item 8).\n\
         - **valid values**: every value must also be finite; an integer key must also\n  \
         fit its type.\n\
         - **assumption** marks values no source gives: they are the ones to calibrate\n  \
         and to explore in sensitivity analyses. Each has a **plausible** range, with\n  \
         its reason: `compare` reruns across it to test whether a verdict holds, and\n  \
         calibration starts from it. Where nothing better exists the range is\n  \
         \"halved to doubled\" or \"± half the default\", said as a convention.\n\
         - **in words**: the key's plain-English name in reports and the web form; ★\n  \
         marks an *essential* input, one a PCN knows and should set itself.\n\
         - Every key can be overridden on the command line by its dotted path,\n  \
         `--set section.key=VALUE`, and swept in an experiment's `[design]` by the\n  \
         same path.\n";

/// One table per registry section (`[run]`, `[referrals]`, …), in file order.
fn section_keys(out: &mut String) {
    for section in SECTIONS {
        let Some(specs) = section_specs(section) else {
            continue;
        };
        let _ = write!(out, "\n## `[{section}]`\n\n");
        let about = section_about(section);
        if !about.is_empty() {
            let _ = write!(out, "{about}\n\n");
        }
        key_table(out, &format!("{section}."), specs, true);
    }
}

/// `[[profile]]`: its keys and the default profiles.
fn profiles(out: &mut String) {
    out.push_str(
        "\n## `[[profile]]`\n\n\
         A patient profile: each referral is of one profile, chosen by normalised\n\
         `weight` (docs/model.md § 7.2). Every key of an entry is required, with\n\
         `name` (a string, unique) and `services`, a table of service name → weight\n\
         (`services = { hospital = 0.5, talking_therapies = 0.5 }`); the services are\n\
         chosen by normalised weight in name order and must be defined by a\n\
         `[[service]]`. A `[[profile]]` list in a file replaces the inherited list\n\
         whole; to change some keys of one inherited profile, write `[profile.NAME]`\n\
         with only those keys (`services = { hospital = 0.5 }` changes one weight).\n\
         Dotted paths: `profile.NAME.KEY`, `profile.NAME.services.SERVICE`.\n\n",
    );
    key_table(out, "", Profile::specs(), false);
    out.push_str("\nThe default profiles, used when no file gives a `[[profile]]` list:\n\n");
    profile_defaults(out);
}

/// `[[service]]`: its keys and the default services.
fn services(out: &mut String) {
    out.push_str(
        "\n## `[[service]]`\n\n\
         An external service a patient may wait for, with a log-normal waiting time\n\
         given by its median and 90th percentile in days (docs/model.md § 7.9). Every\n\
         key is required, with `name` (a string, unique). A `[[service]]` list in a\n\
         file replaces the inherited list whole; to change one inherited service,\n\
         write `[service.NAME]` with only the keys that change, e.g.\n\
         `[service.talking_therapies]` and `wait_median_days = 20`. Dotted path:\n\
         `service.NAME.KEY`.\n\n",
    );
    key_table(out, "", Service::specs(), false);
    out.push_str("\nThe default services, used when no file gives a `[[service]]` list:\n\n");
    service_defaults(out);
}

/// `[[site_group]]`: sites that differ (not registry keys, so written out here).
const SITE_GROUPS: &str = "\n## `[[site_group]]`\n\n\
         Sites that differ (docs/model.md § 2). With no `[[site_group]]`, `run.sites`\n\
         identical sites run side by side. Each `[[site_group]]` declares `count` sites\n\
         whose parameters differ from the scenario's:\n\n\
         | key | type | default | meaning |\n\
         |---|---|---|---|\n\
         | `name` | string | `group N` (its position) | a label for messages and reports |\n\
         | `count` | integer ≥ 1 | required | number of sites in the group |\n\
         | `set` | table of dotted path → number | empty | the group's values, e.g. `set = { \"workforce.link_workers\" = 2 }`; any key above but `run.*` (horizon, warm-up, replications, seed and sites belong to the whole scenario) |\n\n\
         With groups, the scenario's sites are the groups' sites, in file order, and\n\
         site `i` keeps random-stream key `i` (docs/model.md § 9 item 5). `run.sites`\n\
         may be left out; if given, it must equal the sum of the counts. Each group's\n\
         values must pass the same range checks and rules across keys as a scenario.\n\
         `scenarios/england.toml` uses two groups (650 sites with 2 posts, 600 with 3).\n\n\
         Experiment files (`holdsim sweep`, `holdsim sensitivity`) may give their own\n\
         `[[site_group]]`s, like every other scenario section; they replace the base\n\
         scenario's groups.\n";

/// The checks that involve more than one key.
const RULES_ACROSS_KEYS: &str = "\n## Rules across keys\n\n\
         Besides each key's own type and range, a scenario must satisfy:\n\n\
         - `run.horizon_days` > `run.warmup_days` (the KPI window is not empty);\n\
         - `workforce.recruitment_p90_days` ≥ `workforce.recruitment_median_days`, and\n  \
         `strain.sick_leave_p90_days` ≥ `strain.sick_leave_median_days`;\n\
         - `strain.rho_rest · (1 + support.supervision_effect ·\n  \
         support.supervision_hours_per_month)` < 1 (a rest day cannot remove more than\n  \
         all strain);\n\
         - for each profile, `distress_sd² < distress_mean · (1 − distress_mean)` (a\n  \
         feasible Beta distribution);\n\
         - a profile with `p_waits > 0` names at least one service, and every service\n  \
         it names is defined by a `[[service]]`;\n\
         - at least one `[[profile]]`; profile names and service names are unique;\n\
         - for each service, `wait_p90_days` > `wait_median_days`;\n\
         - with `[[site_group]]`s, `run.sites` (if given) equals the sum of their\n  \
         counts, and every group satisfies these rules with its own values.\n\n\
         Profile and service weights are normalised, so only their ratios matter.\n";

/// `base = "other.toml"` inheritance.
const INHERITANCE: &str = "\n## Inheritance: `base`\n\n\
         A file may start with `base = \"other.toml\"`, relative to the file, to inherit\n\
         every value of another scenario file; it then states only what differs. Chains\n\
         of `base` files are followed (a cycle is an error), and `--set` overrides apply\n\
         last. An experiment file names its scenario the same way.\n\n\
         ## Names: `title` and `description`\n\n\
         Top-level text keys, inherited like any other: `title` names the scenario in\n\
         every output (terminal, report, charts; the file stem when absent), and\n\
         `description` says what it is for. Each is at most 2,000 characters. Options\n\
         of a comparison that share a title are told apart by their file names.\n";
