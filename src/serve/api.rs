//! The JSON API (README "The web app"): jobs posted as scenario text, checked by the
//! CLI's validator, run by [`super::jobs`], and their files served from their folder.

use std::path::{Component, Path, PathBuf};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::bundled;
use super::jobs::{JobPosterior, Prepared, Refused};
use crate::commands::PosteriorUsed;
use crate::scenario::{Problem, Scenario};

/// Replications when a job does not say: enough for CIs a board can read, fast enough
/// (a second or so for a team) to feel live.
pub const DEFAULT_REPLICATIONS: u32 = 100;
/// A baseline and up to six options.
pub const MAX_SCENARIOS: usize = 7;

/// What one job may ask for; refused beyond, with the limit said.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_replications: u32,
    /// Simulated site-days over all scenarios (sites × days × replications).
    pub max_site_days: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    scenarios: Vec<PostedScenario>,
    #[serde(default)]
    replications: Option<u32>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    robustness: bool,
    /// Parameter uncertainty; none: the scenarios' own values (fixed assumptions).
    #[serde(default)]
    posterior: Option<PostedPosterior>,
}

/// The posterior a job draws its parameters from: `{"bundled": "literature"}` (the
/// bundled literature calibration) or an upload `{"name": "posterior.csv", "csv": "…"}`
/// (what `holdsim calibrate` wrote), read by the CLI's own reader.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostedPosterior {
    #[serde(default)]
    bundled: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    csv: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostedScenario {
    #[serde(default)]
    title: Option<String>,
    toml: String,
    /// Changes on top of the text, as `--set` takes them (`workforce.link_workers=4`):
    /// what the page's form and options send.
    #[serde(default)]
    set: Vec<String>,
}

/// Why a request was refused, as the response says it.
pub enum ApiError {
    Problems(Vec<Problem>),
    Bad(StatusCode, String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Problems(problems) => (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({"problems": problems.iter().map(problem_json).collect::<Vec<_>>()}),
                ),
            )
                .into_response(),
            ApiError::Bad(status, message) => {
                (status, axum::Json(json!({"error": message}))).into_response()
            }
        }
    }
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> ApiError {
        match r {
            Refused::QueueFull => ApiError::Bad(
                StatusCode::TOO_MANY_REQUESTS,
                "the queue is full; try again shortly".into(),
            ),
            Refused::NotFound => ApiError::Bad(StatusCode::NOT_FOUND, "no such job".into()),
            Refused::Conflict(m) => ApiError::Bad(StatusCode::CONFLICT, m),
            Refused::Io(m) => ApiError::Bad(StatusCode::INTERNAL_SERVER_ERROR, m),
        }
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::Bad(StatusCode::BAD_REQUEST, message.into())
}

/// The same fields the CLI prints and the Python package's `ScenarioError` carries.
fn problem_json(p: &Problem) -> Value {
    json!({"file": p.source, "line": p.line, "key": p.key, "message": p.message})
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| bad(format!("the request is not the JSON expected: {e}")))
}

/// `POST /api/jobs`.
pub async fn post_job(State(app): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let request: JobRequest = parse(&body)?;
    let job = prepare(request, app.limits)?;
    match app.jobs.submit(job) {
        Ok(id) => Ok((StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response()),
        Err(Refused::QueueFull) => {
            let mut response = ApiError::from(Refused::QueueFull).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// A file stem from a title: lowercase letters, digits and dashes.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Unique stems for the posted scenarios, from their titles.
fn stems(posted: &[PostedScenario]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, p) in posted.iter().enumerate() {
        let fallback = if i == 0 {
            "baseline".to_string()
        } else {
            format!("option-{i}")
        };
        let base = p
            .title
            .as_deref()
            .map(slug)
            .filter(|s| !s.is_empty())
            .unwrap_or(fallback);
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}-{k}");
            k += 1;
        }
        names.push(name);
    }
    names
}

/// Checks a job as `holdsim compare` would check its files: every scenario through the
/// CLI's loader, one seed and replication count for all (the baseline's unless given),
/// equal KPI windows, and the work within [`Limits`].
pub fn prepare(request: JobRequest, limits: Limits) -> Result<Prepared, ApiError> {
    let n = request.scenarios.len();
    if !(2..=MAX_SCENARIOS).contains(&n) {
        return Err(bad(format!(
            "a job compares a baseline with 1 to {} options: give 2 to {MAX_SCENARIOS} scenarios (got {n})",
            MAX_SCENARIOS - 1
        )));
    }
    let replications = request.replications.unwrap_or(DEFAULT_REPLICATIONS);
    if !(1..=limits.max_replications).contains(&replications) {
        return Err(bad(format!(
            "replications must be 1 to {} on this server (got {replications}); the server's --max-replications sets the limit",
            limits.max_replications
        )));
    }
    let names = stems(&request.scenarios);
    let mut run = vec![format!("run.replications={replications}")];
    if let Some(seed) = request.seed {
        run.push(format!("run.seed={seed}"));
    }
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut problems = Vec::new();
    for (i, (posted, name)) in request.scenarios.iter().zip(&names).enumerate() {
        if i == 1
            && request.seed.is_none()
            && let Some(b) = scenarios.first()
        {
            // Every option runs on the baseline's seed (common random numbers).
            run.push(format!("run.seed={}", b.run.seed));
        }
        let mut overrides = posted.set.clone();
        overrides.extend(run.iter().cloned());
        match bundled::load_posted(&format!("{name}.toml"), &posted.toml, &overrides) {
            Ok(mut s) => {
                if let Some(t) = posted
                    .title
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                {
                    s.title = Some(t.to_string());
                }
                scenarios.push(s);
            }
            Err(e) => problems.extend(e.problems),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Problems(problems));
    }
    check_windows(&scenarios, &names)?;
    check_work(&scenarios, limits)?;
    let posterior = request.posterior.map(read_posterior).transpose()?;
    if let Some(p) = &posterior {
        check_drawn(&p.used, &scenarios, &names)?;
    }
    let titles: Vec<String> = scenarios
        .iter()
        .zip(&names)
        .map(|(s, n)| s.title.clone().unwrap_or_else(|| n.clone()))
        .collect();
    Ok(Prepared {
        title: format!("{} vs {}", titles[0], titles[1..].join(", ")),
        scenarios,
        names,
        robustness: request.robustness,
        posterior,
    })
}

/// The bundled posterior, or an upload read by `posterior_file::parse`; an upload's
/// problems come back as the file's problems (its name and line), like a scenario's.
fn read_posterior(posted: PostedPosterior) -> Result<JobPosterior, ApiError> {
    match (posted.bundled.as_deref(), posted.csv) {
        (Some("literature"), None) => {
            let text = bundled::LITERATURE_POSTERIOR;
            let posterior =
                crate::calibrate::posterior_file::parse(text, bundled::LITERATURE_POSTERIOR_SOURCE)
                    .map_err(|e| {
                        ApiError::Bad(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
                    })?;
            Ok(JobPosterior {
                used: PosteriorUsed {
                    source: bundled::LITERATURE_POSTERIOR_SOURCE.to_string(),
                    posterior,
                },
                csv: text.to_string(),
                bundled: true,
            })
        }
        (None, Some(csv)) => {
            let name = upload_name(posted.name.as_deref());
            let posterior = crate::calibrate::posterior_file::parse(&csv, &name)
                .map_err(|e| ApiError::Problems(vec![upload_problem(&name, &format!("{e:#}"))]))?;
            Ok(JobPosterior {
                used: PosteriorUsed {
                    source: format!("{name} (uploaded)"),
                    posterior,
                },
                csv,
                bundled: false,
            })
        }
        _ => Err(bad(
            "`posterior` is {\"bundled\": \"literature\"} (the bundled literature calibration) or {\"name\": \"posterior.csv\", \"csv\": \"…\"} (a posterior.csv from holdsim calibrate)",
        )),
    }
}

/// An uploaded file's name as shown in messages and records: its last part, in plain
/// characters, at most 80 of them (`posterior.csv` if nothing is left).
fn upload_name(name: Option<&str>) -> String {
    let last = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let plain: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' '))
        .take(80)
        .collect();
    let plain = plain.trim().trim_start_matches('.');
    if plain.is_empty() {
        "posterior.csv".into()
    } else {
        plain.to_string()
    }
}

/// A posterior reader's message (`NAME, line N: …`, `NAME, line N, column …`,
/// `NAME: …`) as a problem with the file and line in their own fields.
fn upload_problem(name: &str, message: &str) -> Problem {
    let rest = message.strip_prefix(name).unwrap_or(message);
    let (line, rest) = match rest.strip_prefix(", line ") {
        Some(after) => {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            (after[..digits].parse().ok(), &after[digits..])
        }
        None => (None, rest),
    };
    Problem {
        source: name.to_string(),
        line,
        key: None,
        message: rest.trim_start_matches([':', ',', ' ']).to_string(),
    }
}

/// Refuses an option that changes a parameter the posterior draws (the draw would
/// overwrite the very change being compared), naming the option and the key, and a
/// posterior that cannot run a scenario — before the job is queued, so the page says
/// so at once rather than as a failed run.
fn check_drawn(
    used: &PosteriorUsed,
    scenarios: &[Scenario],
    names: &[String],
) -> Result<(), ApiError> {
    let problems: Vec<Problem> = used
        .changed_drawn_keys(scenarios)
        .into_iter()
        .map(|c| {
            let label = crate::scenario::spec(&c.key).map_or(c.key.as_str(), |s| s.label);
            Problem {
                source: format!("{}.toml", names[c.option]),
                line: None,
                message: format!(
                    "this option changes {label} ({} → {}), but with parameter uncertainty from a calibration every run draws it from the posterior `{}`, which would undo the change; compare options that change other inputs, or choose fixed assumptions",
                    c.baseline_value, c.option_value, used.source
                ),
                key: Some(c.key),
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(ApiError::Problems(problems));
    }
    for (s, name) in scenarios.iter().zip(names) {
        used.drawn_for(s, name).map_err(|e| {
            ApiError::Problems(vec![Problem {
                source: used.source.clone(),
                line: None,
                key: None,
                message: format!("{e:#}"),
            }])
        })?;
    }
    Ok(())
}

fn check_windows(scenarios: &[Scenario], names: &[String]) -> Result<(), ApiError> {
    let a = &scenarios[0].run;
    let problems: Vec<Problem> = scenarios
        .iter()
        .zip(names)
        .skip(1)
        .filter(|(s, _)| (s.run.horizon_days, s.run.warmup_days) != (a.horizon_days, a.warmup_days))
        .map(|(s, n)| Problem {
            source: format!("{n}.toml"),
            line: None,
            key: Some("run.horizon_days".into()),
            message: format!(
                "horizon {} days and warm-up {} differ from the baseline's ({} and {}): the results would cover different periods",
                s.run.horizon_days, s.run.warmup_days, a.horizon_days, a.warmup_days
            ),
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Problems(problems))
    }
}

fn check_work(scenarios: &[Scenario], limits: Limits) -> Result<(), ApiError> {
    let site_days: u64 = scenarios
        .iter()
        .map(|s| {
            u64::from(s.run.sites) * u64::from(s.run.horizon_days) * u64::from(s.run.replications)
        })
        .sum();
    if site_days > limits.max_site_days {
        return Err(bad(format!(
            "this job would simulate {} site-days (sites × days × replications over all scenarios), more than this server's limit of {} (--max-site-days); use fewer replications, sites or days, or run it with `holdsim compare`",
            crate::budget::thousands(u128::from(site_days)),
            crate::budget::thousands(u128::from(limits.max_site_days))
        )));
    }
    Ok(())
}

/// `GET /api/jobs`: the log, newest first; each finished job with its headline
/// results (the verdict's first rows) read from its folder.
pub async fn list_jobs(State(app): State<AppState>) -> Response {
    let mut jobs = app.jobs.list();
    for job in &mut jobs {
        if job["state"] == "done"
            && let Some(dir) = job["id"].as_str().and_then(|id| app.jobs.folder(id))
        {
            job["headline"] = headline(&dir.join("verdict.csv"));
        }
    }
    axum::Json(json!({"jobs": jobs})).into_response()
}

/// Rows shown in the log for a finished job.
const HEADLINE_ROWS: usize = 3;

/// `[{"kpi", "label", "best_title", "clear"}]` from a job's `verdict.csv` (empty if
/// it cannot be read: the log still lists the job).
fn headline(verdict: &Path) -> Value {
    let Ok(mut reader) = csv::Reader::from_path(verdict) else {
        return json!([]);
    };
    let rows: Vec<Value> = reader
        .records()
        .flatten()
        .take(HEADLINE_ROWS)
        .map(|r| {
            let kpi = r.get(0).unwrap_or("");
            json!({
                "kpi": kpi,
                "label": crate::kpi::Kpi::from_name(kpi).map_or(kpi, |k| k.label()),
                "best_title": r.get(3).unwrap_or(""),
                "clear": r.get(4) == Some("true"),
            })
        })
        .collect();
    json!(rows)
}

/// `GET /api/jobs/{id}`.
pub async fn get_job(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let status = app.jobs.status(&id).ok_or(Refused::NotFound)?;
    Ok(axum::Json(status).into_response())
}

/// `GET /api/jobs/{id}/main`: the report page of the main results as soon as the
/// replications are done (status `stage: "main-results"`); once the job is done, the
/// final `report.html`.
pub async fn main_results(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    if let Some(html) = app.jobs.main_results(&id) {
        return Ok(axum::response::Html(html.to_string()).into_response());
    }
    let status = app.jobs.status(&id).ok_or(Refused::NotFound)?;
    if status["state"] == "done" {
        let report = format!("/api/jobs/{id}/files/report.html");
        return Ok(axum::response::Redirect::to(&report).into_response());
    }
    Err(ApiError::Bad(
        StatusCode::CONFLICT,
        format!(
            "the main results are not ready: the job is {} (stage {})",
            status["state"].as_str().unwrap_or("?"),
            status["stage"].as_str().unwrap_or("?")
        ),
    ))
}

/// `GET /api/compare/{a}/{b}`: two finished jobs' inputs and headline results side by
/// side, and how the second's inputs differ from the first's in words.
pub async fn compare_two(
    State(app): State<AppState>,
    UrlPath((a, b)): UrlPath<(String, String)>,
) -> Result<Response, ApiError> {
    let (a_dir, b_dir) = (finished_folder(&app, &a)?, finished_folder(&app, &b)?);
    let read = |dir: &Path| {
        super::two_runs::summary(dir)
            .map_err(|e| ApiError::Bad(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))
    };
    let (first, second) = (read(&a_dir)?, read(&b_dir)?);
    let differences = super::two_runs::differences(&a_dir, &first, &b_dir, &second);
    Ok(
        axum::Json(json!({"first": first, "second": second, "differences": differences}))
            .into_response(),
    )
}

/// `POST /api/jobs/{id}/cancel`.
pub async fn cancel_job(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let state = app.jobs.cancel(&id)?;
    Ok(axum::Json(json!({"state": state})).into_response())
}

/// `DELETE /api/jobs/{id}`.
pub async fn delete_job(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    app.jobs.delete(&id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    title: String,
}

/// `PATCH /api/jobs/{id}` with `{"title": "…"}`.
pub async fn rename_job(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Rename { title } = parse(&body)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(bad("a title is 1 to 200 characters"));
    }
    app.jobs.rename(&id, title)?;
    Ok(axum::Json(app.jobs.status(&id)).into_response())
}

/// `GET /api/jobs/{id}/files`: every file of a finished job, by relative path.
pub async fn list_files(
    State(app): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let dir = finished_folder(&app, &id)?;
    let mut files = Vec::new();
    walk(&dir, Path::new(""), &mut files);
    files.sort();
    Ok(axum::Json(json!({"files": files})).into_response())
}

/// The folder of a finished job, or why not.
fn finished_folder(app: &AppState, id: &str) -> Result<PathBuf, ApiError> {
    let status = app.jobs.status(id).ok_or(Refused::NotFound)?;
    if status["state"] != "done" {
        return Err(ApiError::Bad(
            StatusCode::CONFLICT,
            format!(
                "the job is {}; files exist once it is done",
                status["state"].as_str().unwrap_or("?")
            ),
        ));
    }
    Ok(app.jobs.folder(id).ok_or(Refused::NotFound)?)
}

/// Relative paths of the visible regular files under `dir` (no links, no hidden files).
fn walk(dir: &Path, prefix: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let relative = prefix.join(&name);
        if kind.is_dir() {
            walk(&entry.path(), &relative, out);
        } else if kind.is_file() {
            out.push(relative.to_string_lossy().into_owned());
        }
    }
}

/// A requested file name as a path inside a job's folder: plain names separated by
/// `/`, none hidden, at most four deep. Anything else (`..`, absolute paths,
/// backslashes) is refused, so no request can name a file outside the folder.
pub fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let parts: Vec<Component> = path.components().collect();
    let plain = |c: &Component| match c {
        Component::Normal(s) => s.to_str().is_some_and(|s| {
            !s.starts_with('.')
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        }),
        _ => false,
    };
    (!parts.is_empty() && parts.len() <= 4 && parts.iter().all(plain) && !name.contains("//"))
        .then(|| path.to_path_buf())
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "text/plain; charset=utf-8",
    }
}

/// `GET /api/jobs/{id}/files/{name}`; `?download` asks the browser to save it.
pub async fn get_file(
    State(app): State<AppState>,
    UrlPath((id, name)): UrlPath<(String, String)>,
    query: axum::extract::RawQuery,
) -> Result<Response, ApiError> {
    let dir = finished_folder(&app, &id)?;
    let relative =
        safe_relative(&name).ok_or_else(|| bad(format!("`{name}` is not a file name of a job")))?;
    let path = dir.join(&relative);
    let is_file = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
    if !is_file {
        return Err(ApiError::Bad(
            StatusCode::NOT_FOUND,
            format!("the job has no file `{name}`"),
        ));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| ApiError::Bad(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type(&name)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response();
    if query
        .0
        .is_some_and(|q| q.split('&').any(|p| p == "download"))
    {
        let file = relative
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveRequest {
    toml: String,
}

/// `POST /api/resolve` with `{"toml": "…"}`: the scenario's resolved values by dotted
/// key and its services' fields (what the page's form shows after an upload), or its
/// problems.
pub async fn resolve(body: Bytes) -> Result<Response, ApiError> {
    let ResolveRequest { toml } = parse(&body)?;
    let s = bundled::load_posted("upload.toml", &toml, &[])
        .map_err(|e| ApiError::Problems(e.problems))?;
    Ok(axum::Json(json!({
        "title": s.title,
        "values": values(&s),
        "service_fields": super::pages::service_fields(&s),
    }))
    .into_response())
}

/// Every scalar key's value, and each service's waits, by dotted key.
pub fn values(s: &Scenario) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for (key, _) in crate::scenario::all_specs() {
        if let Ok(n) = s.get_path(&key) {
            out.insert(key, number(n));
        }
    }
    for service in &s.services {
        for k in ["wait_median_days", "wait_p90_days"] {
            let key = format!("service.{}.{k}", service.name);
            if let Ok(n) = s.get_path(&key) {
                out.insert(key, number(n));
            }
        }
    }
    out
}

fn number(n: crate::scenario::Number) -> Value {
    match n {
        crate::scenario::Number::Int(i) => json!(i),
        crate::scenario::Number::Float(x) => json!(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_leave_the_job_folder() {
        for ok in ["report.html", "plots/fan_a-b.svg", "plots/fan_x.svg"] {
            assert!(safe_relative(ok).is_some(), "{ok}");
        }
        for bad in [
            "../x",
            "/etc/passwd",
            "a/../../b",
            ".holdsim",
            "a\\b",
            "",
            "scenarios/.x",
            "a/b/c/d/e",
        ] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn an_uploads_name_is_plain_and_its_problems_keep_file_and_line_apart() {
        assert_eq!(upload_name(Some("../../etc/p<o>st.csv")), "post.csv");
        assert_eq!(upload_name(Some("C:\\Users\\me\\mine.csv")), "mine.csv");
        assert_eq!(upload_name(Some("...")), "posterior.csv");
        assert_eq!(upload_name(None), "posterior.csv");
        let p = upload_problem(
            "a.csv",
            "a.csv, line 12, column `weight`: `x` is not a finite number",
        );
        assert_eq!((p.source.as_str(), p.line), ("a.csv", Some(12)));
        assert_eq!(p.message, "column `weight`: `x` is not a finite number");
        let p = upload_problem(
            "a.csv",
            "a.csv: the weights of 2 particle(s) sum to 0.5, not 1",
        );
        assert_eq!(p.line, None);
        assert!(p.message.starts_with("the weights"), "{}", p.message);
    }

    #[test]
    fn stems_are_unique_plain_names() {
        let p = |t: &str| PostedScenario {
            title: Some(t.into()),
            toml: String::new(),
            set: vec![],
        };
        let names = stems(&[
            p("Today!"),
            p("Fourth link worker: 4 posts"),
            p("today"),
            p(""),
        ]);
        assert_eq!(
            names,
            ["today", "fourth-link-worker-4-posts", "today-2", "option-3"]
        );
    }
}
