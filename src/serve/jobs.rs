//! The web app's jobs: a bounded queue, one worker thread that runs them one at a
//! time through `holdsim compare`'s own function ([`commands::write_comparison`]), and
//! the log of every job, read back from `--data` at start.
//!
//! A finished job is a comparison folder `DATA/jobs/ID/`, written atomically (a
//! cancelled or failed job, or a server stopped mid-run, leaves no folder), with
//! `job.json` (its title and inputs) and `DATA/jobs/ID/scenarios/NAME.toml` (each scenario fully
//! resolved, seed and replications included) beside what `compare` writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::CompareArgs;
use crate::commands::{self, Arms, Hooks, PosteriorUsed};
use crate::output::{atomic::write_file, folder};
use crate::scenario::Scenario;

/// Jobs waiting behind the running one; more are refused (429) so that many tabs
/// cannot queue unbounded work.
pub const QUEUE: usize = 4;

/// A job's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl State {
    pub fn finished(self) -> bool {
        matches!(self, State::Done | State::Failed | State::Cancelled)
    }
}

/// How far a job has got (`stage` in its status), so the page can show the main
/// results before the rest of the files exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// In the queue.
    Waiting,
    /// Running the replications (`done` of `total`).
    Replications,
    /// The main results are ready (`GET /api/jobs/{id}/main`); the robustness reruns
    /// (if asked for), the PNGs, the workbook and the final report follow.
    MainResults,
    /// Done, failed or cancelled.
    Finished,
}

/// What the log knows of one job.
struct Entry {
    title: String,
    created_utc: String,
    state: State,
    stage: Stage,
    /// The main results' report page while the rest of the job's files are made.
    main: Option<Arc<str>>,
    total: u64,
    done: Arc<AtomicU64>,
    cancel: Arc<AtomicBool>,
    error: Option<String>,
    /// `job.json`'s inputs: scenarios (name, title), replications, seed.
    inputs: Value,
}

/// A checked job, ready to run.
pub struct Prepared {
    pub title: String,
    pub scenarios: Vec<Scenario>,
    /// Unique file stems: the `scenario` column, `scenarios/NAME/` and `NAME.toml`.
    pub names: Vec<String>,
    pub robustness: bool,
    /// Parameter uncertainty: the posterior every replication draws its particle from
    /// (none: the scenarios' own values).
    pub posterior: Option<JobPosterior>,
}

/// The posterior a job draws its parameters from, with its text as it came (written
/// into the job's folder as `posterior.csv`, so `holdsim compare` with the job's
/// scenario files and `--posterior posterior.csv` reruns it from its downloads).
pub struct JobPosterior {
    pub used: PosteriorUsed,
    pub csv: String,
    /// The bundled literature calibration's posterior rather than an upload.
    pub bundled: bool,
}

/// Sent to the worker.
struct Queued {
    id: String,
    job: Prepared,
    done: Arc<AtomicU64>,
    cancel: Arc<AtomicBool>,
}

/// Why a job was not accepted or changed.
#[derive(Debug)]
pub enum Refused {
    QueueFull,
    NotFound,
    /// The request does not fit the job's state (deleting a running job).
    Conflict(String),
    Io(String),
}

/// The log and the queue, shared by every request.
pub struct Jobs {
    data: PathBuf,
    log: Mutex<BTreeMap<String, Entry>>,
    queue: SyncSender<Queued>,
}

impl Jobs {
    /// Opens the log under `data` (created if missing), reads back the finished jobs
    /// on disk, and starts the worker with `threads` simulation threads.
    pub fn start(data: &Path, threads: usize) -> anyhow::Result<Arc<Jobs>> {
        let root = data.join("jobs");
        std::fs::create_dir_all(&root)
            .map_err(|e| anyhow::anyhow!("cannot create `{}`: {e}", root.display()))?;
        let (queue, receiver) = std::sync::mpsc::sync_channel(QUEUE);
        let jobs = Arc::new(Jobs {
            data: root,
            log: Mutex::new(read_log(&data.join("jobs"))),
            queue,
        });
        let worker = Arc::clone(&jobs);
        std::thread::Builder::new()
            .name("holdsim-jobs".into())
            .spawn(move || worker.work(&receiver, threads))?;
        Ok(jobs)
    }

    fn log(&self) -> MutexGuard<'_, BTreeMap<String, Entry>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The folder of job `id` (which must be one of ours: see [`valid_id`]).
    pub fn folder(&self, id: &str) -> Option<PathBuf> {
        valid_id(id).then(|| self.data.join(id))
    }

    /// Queues a checked job; its id, or [`Refused::QueueFull`].
    pub fn submit(&self, job: Prepared) -> Result<String, Refused> {
        // Held while the id is made and the job sent: ids then increase in the order
        // jobs are submitted, and the worker cannot look a job up before it is listed.
        let mut log = self.log();
        let id = new_id(log.keys().next_back().map(String::as_str));
        let total = u64::from(job.scenarios[0].run.replications) * job.scenarios.len() as u64;
        let done = Arc::new(AtomicU64::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let entry = Entry {
            title: job.title.clone(),
            created_utc: crate::output::utc_now(),
            state: State::Queued,
            stage: Stage::Waiting,
            main: None,
            total,
            done: Arc::clone(&done),
            cancel: Arc::clone(&cancel),
            error: None,
            inputs: inputs(&job),
        };
        match self.queue.try_send(Queued {
            id: id.clone(),
            job,
            done,
            cancel,
        }) {
            Ok(()) => {
                log.insert(id.clone(), entry);
                Ok(id)
            }
            Err(TrySendError::Full(_)) => Err(Refused::QueueFull),
            Err(TrySendError::Disconnected(_)) => {
                Err(Refused::Io("the job worker has stopped".into()))
            }
        }
    }

    /// `{"state", "done", "total", "error"}` and the job's title and inputs.
    pub fn status(&self, id: &str) -> Option<Value> {
        self.log().get(id).map(|e| status_json(id, e))
    }

    /// Every job, newest first. `created_utc` has whole seconds, so jobs made in the
    /// same second are ordered by id, which increases with each job submitted.
    pub fn list(&self) -> Vec<Value> {
        let log = self.log();
        let mut all: Vec<Value> = log.iter().map(|(id, e)| status_json(id, e)).collect();
        let newest = |j: &Value| {
            (
                j["created_utc"].as_str().map(str::to_owned),
                j["id"].as_str().map(str::to_owned),
            )
        };
        all.sort_by_key(|j| std::cmp::Reverse(newest(j)));
        all
    }

    /// Asks a queued or running job to stop.
    pub fn cancel(&self, id: &str) -> Result<State, Refused> {
        let mut log = self.log();
        let e = log.get_mut(id).ok_or(Refused::NotFound)?;
        if !e.state.finished() {
            e.cancel.store(true, Ordering::Relaxed);
            if e.state == State::Queued {
                e.state = State::Cancelled;
                e.stage = Stage::Finished;
            }
        }
        Ok(e.state)
    }

    /// Removes a finished job from the log and its folder from disk (only a folder
    /// this server wrote: the marker and `job.json` with the same id).
    pub fn delete(&self, id: &str) -> Result<(), Refused> {
        let mut log = self.log();
        let e = log.get(id).ok_or(Refused::NotFound)?;
        if !e.state.finished() {
            return Err(Refused::Conflict(
                "the job is still queued or running; cancel it first".into(),
            ));
        }
        if e.state == State::Done {
            let dir = self.folder(id).ok_or(Refused::NotFound)?;
            if !ours(&dir, id) {
                return Err(Refused::Conflict(format!(
                    "`{}` was not written by this server; it is left alone",
                    dir.display()
                )));
            }
            std::fs::remove_dir_all(&dir).map_err(|e| Refused::Io(e.to_string()))?;
        }
        log.remove(id);
        Ok(())
    }

    /// Gives a job a new title (kept in its `job.json`, so it survives a restart).
    pub fn rename(&self, id: &str, title: &str) -> Result<(), Refused> {
        let mut log = self.log();
        let e = log.get_mut(id).ok_or(Refused::NotFound)?;
        if e.state == State::Done {
            let path = self.data.join(id).join("job.json");
            let mut job: Value = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .ok_or_else(|| Refused::Io(format!("cannot read `{}`", path.display())))?;
            job["title"] = json!(title);
            let text = serde_json::to_string_pretty(&job).unwrap_or_default();
            write_file(&path, text.as_bytes()).map_err(|e| Refused::Io(format!("{e:#}")))?;
        }
        e.title = title.to_string();
        Ok(())
    }

    /// The worker: runs jobs one at a time until the server stops.
    fn work(&self, receiver: &Receiver<Queued>, threads: usize) {
        while let Ok(q) = receiver.recv() {
            if q.cancel.load(Ordering::Relaxed) {
                continue; // cancelled while queued; the log already says so
            }
            self.set_state(&q.id, State::Running, None);
            let result = self.run(&q, threads);
            let (state, error) = match result {
                Ok(()) => (State::Done, None),
                Err(e) if q.cancel.load(Ordering::Relaxed) => {
                    let _ = e;
                    (State::Cancelled, None)
                }
                Err(e) => (State::Failed, Some(format!("{e:#}"))),
            };
            self.set_state(&q.id, state, error);
        }
    }

    fn set_state(&self, id: &str, state: State, error: Option<String>) {
        if let Some(e) = self.log().get_mut(id) {
            e.state = state;
            e.error = error;
            if state.finished() {
                e.stage = Stage::Finished;
                e.main = None; // the final report is on disk now (or there is none)
            } else if state == State::Running {
                e.stage = Stage::Replications;
            }
        }
    }

    /// The main results' report page of a running job, once its replications are done.
    pub fn main_results(&self, id: &str) -> Option<Arc<str>> {
        self.log().get(id).and_then(|e| e.main.clone())
    }

    /// Builds the main results from the staging folder and lists them for the page; a
    /// failure only means the page waits for the final report.
    fn show_main_results(&self, q: &Queued, staging: &crate::output::atomic::Staging) {
        let run = &q.job.scenarios[0].run;
        let early = super::early::report(
            staging.path(),
            &q.job.names,
            (run.seed, run.replications),
            q.job.robustness,
        );
        match early {
            Ok(html) => {
                if let Some(e) = self.log().get_mut(&q.id) {
                    e.main = Some(Arc::from(html));
                    e.stage = Stage::MainResults;
                }
            }
            Err(e) => eprintln!("holdsim serve: job {}: the main results: {e:#}", q.id),
        }
    }

    /// Runs one job into `DATA/jobs/ID/` with compare's own function.
    fn run(&self, q: &Queued, threads: usize) -> anyhow::Result<()> {
        let job = &q.job;
        let out = self.data.join(&q.id);
        let paths: Vec<PathBuf> = job
            .names
            .iter()
            .map(|n| PathBuf::from(format!("scenarios/{n}.toml")))
            .collect();
        let args = compare_args(&paths, &out, job.robustness);
        let arms = Arms {
            scenarios: &job.scenarios,
            paths: &paths,
            names: &job.names,
            posterior: job.posterior.as_ref().map(|p| &p.used),
        };
        let record = json!({
            "id": q.id,
            "title": job.title,
            "created_utc": crate::output::utc_now(),
            "inputs": inputs(job),
        });
        let extra = |staging: &crate::output::atomic::Staging| -> anyhow::Result<()> {
            for (name, s) in job.names.iter().zip(&job.scenarios) {
                staging.write(&format!("scenarios/{name}.toml"), s.to_toml().as_bytes())?;
            }
            if let Some(p) = &job.posterior {
                staging.write(POSTERIOR_FILE, p.csv.as_bytes())?;
            }
            staging.write(
                "job.json",
                serde_json::to_string_pretty(&record)?.as_bytes(),
            )
        };
        let done = || {
            q.done.fetch_add(1, Ordering::Relaxed);
        };
        let main_results = |staging: &crate::output::atomic::Staging| {
            self.show_main_results(q, staging);
        };
        commands::write_comparison(
            &args,
            &arms,
            &out,
            threads,
            Hooks {
                on_replication: &done,
                cancel: Some(&q.cancel),
                on_main_results: &main_results,
                extra_files: &extra,
            },
        )?;
        Ok(())
    }
}

/// The arguments `holdsim compare` would have had for these files: the job's
/// scenarios are already loaded with their seed and replications.
fn compare_args(paths: &[PathBuf], out: &Path, robustness: bool) -> CompareArgs {
    CompareArgs {
        scenarios: paths.to_vec(),
        baseline: None,
        replications: None,
        seed: None,
        overrides: Vec::new(),
        threads: None,
        out: Some(out.to_path_buf()),
        force: false,
        independent_streams: false,
        no_robustness: !robustness,
        posterior: None,
        quiet: true,
    }
}

fn inputs(job: &Prepared) -> Value {
    let run = &job.scenarios[0].run;
    json!({
        "scenarios": job.names.iter().zip(&job.scenarios).map(|(n, s)| json!({
            "name": n,
            "title": s.title.clone().unwrap_or_else(|| n.clone()),
        })).collect::<Vec<_>>(),
        "replications": run.replications,
        "seed": run.seed,
        "robustness": job.robustness,
        "posterior": job.posterior.as_ref().map_or(Value::Null, posterior_input),
    })
}

/// The job folder's copy of the posterior a job drew from.
pub const POSTERIOR_FILE: &str = "posterior.csv";

/// `inputs.posterior` of a job that drew from one: where it came from, its size and
/// parameters, and a fingerprint of its text (two uploads with one name can differ).
fn posterior_input(p: &JobPosterior) -> Value {
    json!({
        "source": p.used.source,
        "bundled": p.bundled,
        "particles": p.used.posterior.len(),
        "parameters": p.used.posterior.paths(),
        "fingerprint": fingerprint(&p.csv),
        "file": POSTERIOR_FILE,
    })
}

/// FNV-1a (64 bits) of `text`, in hex: enough to tell two posted files apart in the
/// log (not a security measure).
fn fingerprint(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

fn status_json(id: &str, e: &Entry) -> Value {
    let done = if e.state == State::Done {
        e.total
    } else {
        e.done.load(Ordering::Relaxed).min(e.total)
    };
    json!({
        "id": id,
        "title": e.title,
        "created_utc": e.created_utc,
        "state": e.state,
        "stage": e.stage,
        "main_results": e.main.is_some(),
        "done": done,
        "total": e.total,
        "error": e.error,
        "inputs": e.inputs,
    })
}

/// Whether `id` has the shape of an id this server makes (so it can never name a path
/// outside `DATA/jobs/`).
pub fn valid_id(id: &str) -> bool {
    (8..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A new id: the time in milliseconds and a random part, in hex, so ids sort by
/// time. Its milliseconds come after those of `after` (the greatest id so far), so
/// two jobs submitted in the same millisecond still sort in submission order.
fn new_id(after: Option<&str>) -> String {
    use std::hash::{BuildHasher, RandomState};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let previous = after
        .and_then(|id| id.get(..12))
        .and_then(|millis| u128::from_str_radix(millis, 16).ok());
    let millis = previous.map_or(now, |p| now.max(p + 1));
    let random = RandomState::new().hash_one(millis) & 0xffff_ffff;
    format!("{millis:012x}{random:08x}")
}

/// Whether `dir` is a job folder this server wrote: holdsim's marker, and a
/// `job.json` naming the same id.
fn ours(dir: &Path, id: &str) -> bool {
    folder::has_marker(dir) && read_record(dir).is_some_and(|job| job["id"].as_str() == Some(id))
}

fn read_record(dir: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join("job.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// The finished jobs on disk: every folder under `root` with a valid id, the marker,
/// a matching `job.json` and the comparison's `compare.json`. Anything else is left
/// alone and not listed.
fn read_log(root: &Path) -> BTreeMap<String, Entry> {
    let mut log = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return log;
    };
    for entry in entries.flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        let dir = entry.path();
        if !valid_id(&id) || !ours(&dir, &id) || !dir.join("compare.json").is_file() {
            continue;
        }
        let Some(job) = read_record(&dir) else {
            continue;
        };
        let replications = job["inputs"]["replications"].as_u64().unwrap_or(0);
        let scenarios = job["inputs"]["scenarios"].as_array().map_or(0, Vec::len) as u64;
        log.insert(
            id,
            Entry {
                title: job["title"].as_str().unwrap_or("").to_string(),
                created_utc: job["created_utc"].as_str().unwrap_or("").to_string(),
                state: State::Done,
                stage: Stage::Finished,
                main: None,
                total: replications * scenarios,
                done: Arc::new(AtomicU64::new(replications * scenarios)),
                cancel: Arc::new(AtomicBool::new(false)),
                error: None,
                inputs: job["inputs"].clone(),
            },
        );
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_and_paths_are_refused() {
        let id = new_id(None);
        assert!(valid_id(&id), "{id}");
        // Ids made in the same millisecond still increase.
        let next = new_id(Some(&id));
        let after_next = new_id(Some(&next));
        assert!(id < next && next < after_next, "{id} {next} {after_next}");
        for bad in [
            "..",
            "../../etc",
            "abc",
            "0123456789abcdeZ",
            "0123456789/abcdef",
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
