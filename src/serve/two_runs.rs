//! Two finished jobs of the log side by side (`GET /api/compare/{a}/{b}`): each one's
//! inputs and headline results, and how the second's inputs differ from the first's
//! in words — so "what did we change between Tuesday's run and today's?" needs no
//! files opened.

use std::path::Path;

use serde_json::{Value, json};

use crate::kpi::Kpi;

/// One job as the page shows it beside another.
pub fn summary(dir: &Path) -> anyhow::Result<Value> {
    let job = read_json(&dir.join("job.json"))?;
    let scenarios = job["inputs"]["scenarios"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let results = headline_results(dir, &scenarios)?;
    Ok(json!({
        "id": job["id"],
        "title": job["title"],
        "created_utc": job["created_utc"],
        "inputs": job["inputs"],
        "results": results,
    }))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("`{}` is not valid JSON: {e}", path.display()))
}

/// Per verdict measure: its label, which option is best (and whether clearly), and
/// each scenario's mean with its 95% CI, from `verdict.csv` and `compare.csv`.
fn headline_results(dir: &Path, scenarios: &[Value]) -> anyhow::Result<Vec<Value>> {
    let compare = read_rows(&dir.join("compare.csv"))?;
    let verdict = read_rows(&dir.join("verdict.csv"))?;
    let field = |row: &csv::StringRecord, i: usize| row.get(i).unwrap_or("").to_string();
    let number = |row: &csv::StringRecord, i: usize| row.get(i).and_then(|v| v.parse::<f64>().ok());
    Ok(verdict
        .iter()
        .map(|v| {
            let kpi = field(v, 0);
            let values: Vec<Value> = scenarios
                .iter()
                .map(|s| {
                    let row = compare
                        .iter()
                        .find(|r| r.get(0) == s["name"].as_str() && r.get(1) == Some(&kpi));
                    row.map_or(Value::Null, |r| {
                        json!({"mean": number(r, 3), "ci_low": number(r, 4), "ci_high": number(r, 5)})
                    })
                })
                .collect();
            json!({
                "kpi": kpi,
                "label": Kpi::from_name(&kpi).map_or(kpi.as_str(), |k| k.label()),
                "better": field(v, 1),
                "best_title": field(v, 3),
                "clear": v.get(4) == Some("true"),
                "values": values,
            })
        })
        .collect())
}

fn read_rows(path: &Path) -> anyhow::Result<Vec<csv::StringRecord>> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    reader
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))
}

/// The resolved scenario of each of a job's scenarios, in order (`Null` where its
/// manifest cannot be read).
fn resolved(dir: &Path, summary: &Value) -> Vec<(String, Value)> {
    let scenarios = summary["inputs"]["scenarios"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    scenarios
        .iter()
        .map(|s| {
            let name = s["name"].as_str().unwrap_or("");
            let manifest = read_json(&dir.join("scenarios").join(name).join("manifest.json"));
            let title = s["title"].as_str().unwrap_or(name).to_string();
            (
                title,
                manifest.map_or(Value::Null, |m| m["scenario"].clone()),
            )
        })
        .collect()
}

/// How the second job's inputs differ from the first's, in words: the run settings,
/// then each scenario by position (the baseline, option 1, …) with every changed input
/// by its plain-English label.
pub fn differences(a_dir: &Path, a: &Value, b_dir: &Path, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (key, label) in [
        ("replications", "Replications"),
        ("seed", "Seed"),
        ("robustness", "Robustness reruns"),
    ] {
        let (x, y) = (&a["inputs"][key], &b["inputs"][key]);
        if x != y {
            out.push(format!("{label}: {x} → {y}"));
        }
    }
    let (xs, ys) = (resolved(a_dir, a), resolved(b_dir, b));
    for i in 0..xs.len().max(ys.len()) {
        let role = if i == 0 {
            "The baseline".to_string()
        } else {
            format!("Option {i}")
        };
        match (xs.get(i), ys.get(i)) {
            (Some((tx, sx)), Some((ty, sy))) => {
                if tx != ty {
                    out.push(format!("{role}'s name: {tx} → {ty}"));
                }
                for change in run_changes(sy, sx)
                    .into_iter()
                    .chain(crate::report::board::changes(sy, sx))
                {
                    out.push(format!("{role} ({ty}): {change}"));
                }
            }
            (Some((tx, _)), None) => out.push(format!("{role} ({tx}) is only in the first run")),
            (None, Some((ty, _))) => out.push(format!("{role} ({ty}) is only in the second run")),
            (None, None) => {}
        }
    }
    out
}

/// The `[run]` settings other than the seed and replications (said once for the whole
/// job) that differ: the period simulated, its warm-up, the sites.
fn run_changes(scenario: &Value, reference: &Value) -> Vec<String> {
    let Some(run) = scenario["run"].as_object() else {
        return Vec::new();
    };
    run.iter()
        .filter(|(k, v)| {
            !matches!(k.as_str(), "replications" | "seed") && reference["run"][k.as_str()] != **v
        })
        .map(|(k, v)| {
            let key = format!("run.{k}");
            let label = crate::scenario::spec(&key).map_or(key.as_str(), |s| s.label);
            format!("{label}: {} → {v}", reference["run"][k.as_str()])
        })
        .collect()
}
