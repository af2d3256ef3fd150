//! The page: server-rendered HTML with the form generated from the parameter registry,
//! and its script and styles, all embedded in the binary (no external request).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::bundled;
use crate::report::escape;
use crate::scenario::{Number, Scenario};
use crate::scenario::{Spec, all_specs};

const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("app.css");

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

#[derive(Deserialize)]
pub struct Start {
    start: Option<String>,
}

/// The bundled scenario the form starts from unless the address names another.
pub const DEFAULT_START: &str = "my-pcn";

/// `GET /?start=NAME`.
pub async fn index(State(_app): State<AppState>, Query(q): Query<Start>) -> Response {
    let name = q
        .start
        .filter(|n| bundled::text(n).is_some())
        .unwrap_or_else(|| DEFAULT_START.into());
    let Some(scenario) = bundled::load_bundled(&name) else {
        return Html("<p>bundled scenario missing</p>".to_string()).into_response();
    };
    Html(page(&name, &scenario)).into_response()
}

fn number_text(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(x) => format!("{x}"),
    }
}

/// One labelled input for `key`, its unit, valid range and a "?" with its source.
fn field(key: &str, spec: &Spec, value: Number, label: &str) -> String {
    let id = escape(&format!("f-{}", key.replace('.', "-")));
    let step = if matches!(value, Number::Int(_)) {
        "1"
    } else {
        "any"
    };
    let assumption = if spec.is_assumption() {
        "<strong>An assumption</strong> (no direct evidence): "
    } else {
        "Source: "
    };
    let value = number_text(value);
    format!(
        r#"<div class="field"><label for="{id}">{label}</label>
<span class="entry"><input id="{id}" name="{key}" data-key="{key}" data-default="{value}" value="{value}" type="number" step="{step}" inputmode="decimal" aria-describedby="{id}-h"> <span class="unit">{unit}</span>
<details class="help"><summary aria-label="About {label}">?</summary><p id="{id}-h">{assumption}{about}.{default} Valid: {expected}. Key <code>{key_e}</code>.</p></details></span></div>
"#,
        label = escape(label),
        key = escape(key),
        key_e = escape(key),
        unit = escape(spec.unit),
        default = spec.default.map_or(String::new(), |d| format!(
            " holdsim's default: {} {}.",
            number_text(d),
            escape(spec.unit)
        )),
        about = escape(spec.about.trim_end_matches('.')),
        expected = escape(&spec.expected()),
    )
}

/// The form's inputs: essential first, the rest under "Advanced" (each service's waits
/// are [`service_fields`]).
fn fields(s: &Scenario) -> (String, String) {
    let mut essential = String::new();
    let mut advanced = String::new();
    for (key, spec) in all_specs() {
        let record = key.starts_with("service.") || key.starts_with("profile.");
        if record || key == "run.replications" || key == "run.seed" {
            continue;
        }
        let Ok(value) = s.get_path(&key) else {
            continue;
        };
        let label = if spec.label.is_empty() {
            spec.key
        } else {
            spec.label
        };
        let html = field(&key, spec, value, label);
        if spec.essential {
            essential.push_str(&html)
        } else {
            advanced.push_str(&html)
        }
    }
    (essential, advanced)
}

/// The waits of each of the scenario's services (an uploaded scenario may have other
/// services than the bundled ones, so `/api/resolve` sends these again).
pub fn service_fields(s: &Scenario) -> String {
    let mut html = String::new();
    for service in &s.services {
        for k in ["wait_median_days", "wait_p90_days"] {
            let key = format!("service.{}.{k}", service.name);
            let (Some(spec), Ok(value)) = (crate::scenario::spec(&key), s.get_path(&key)) else {
                continue;
            };
            let label = service_label(&service.name, spec.label);
            html.push_str(&field(&key, spec, value, &label));
        }
    }
    html
}

/// "Talking therapies: wait (median)" from the service's name and the key's label.
fn service_label(service: &str, label: &str) -> String {
    let name = service.replace('_', " ");
    let mut chars = name.chars();
    let name: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    format!("{name}: {}", label.replace("Wait for this service", "wait"))
}

fn page(start: &str, s: &Scenario) -> String {
    let (essential, advanced) = fields(s);
    let options: String = bundled::names()
        .iter()
        .map(|n| {
            let selected = if *n == start { " selected" } else { "" };
            format!(
                r#"<option value="{n}"{selected}>{n}</option>"#,
                n = escape(n)
            )
        })
        .collect();
    let title = escape(s.title.as_deref().unwrap_or(start));
    format!(
        include_str!("page.html"),
        start = escape(start),
        options = options,
        title = title,
        essential = essential,
        services = service_fields(s),
        advanced = advanced,
        replications = super::api::DEFAULT_REPLICATIONS,
        seed = s.run.seed,
        posterior_help = posterior_help(),
    )
}

/// The "?" of the parameter-uncertainty choice: what drawing from a calibration means,
/// and which inputs the bundled calibration sets (from its header, by their labels).
fn posterior_help() -> String {
    let header = bundled::LITERATURE_POSTERIOR.lines().next().unwrap_or("");
    let drawn: Vec<String> = header
        .split(',')
        .filter(|c| !matches!(*c, "particle" | "weight"))
        .map(|key| {
            crate::scenario::spec(key)
                .map_or(key, |s| if s.label.is_empty() { key } else { s.label })
                .to_lowercase()
        })
        .collect();
    format!(
        "Some of the model's inputs are assumptions. With fixed assumptions every run uses the scenario's values, so the ranges show chance alone. Calibrated: each run draws its strain assumptions from a calibration to published workforce figures (or from your own <code>posterior.csv</code>), so the ranges include uncertainty about the assumptions as well as chance, and the results say where 95% of runs fell and how often each option beat today. The bundled calibration sets: {}. An option that changes one of these cannot be compared this way.",
        escape(&drawn.join("; "))
    )
}
