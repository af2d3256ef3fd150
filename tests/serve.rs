//! `holdsim serve` as a client sees it: the JSON API over real HTTP against the
//! binary (jobs, bad input, cancel, a full queue, restart with a non-empty log, the
//! token), and the scenario files a job writes rerun through `holdsim compare` to the
//! same bytes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{assert_success, holdsim};

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Server {
    /// Sends SIGTERM, as a service manager stops it, and waits for it to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        self.child.wait().unwrap()
    }
}

/// Starts `holdsim serve` on a free port with `data` as its log and `extra` flags.
pub fn start(dir: &Path, data: &Path, extra: &[&str]) -> Server {
    let mut child = holdsim(dir)
        .args(["serve", "--port", "0", "--data"])
        .arg(data)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let start = line.find("http://").expect(&line) + "http://".len();
    let end = line[start..].find('/').unwrap() + start;
    Server {
        child,
        address: line[start..end].to_string(),
    }
}

/// A response: status, headers (lowercased names) and body.
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One HTTP/1.1 request (the connection closed after it).
pub fn request(server: &Server, method: &str, path: &str, headers: &[&str], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        server.address,
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head[9..12].parse().unwrap();
    assert!(!head.contains("transfer-encoding: chunked"), "{head}");
    Reply {
        status,
        headers: head,
        body: raw[split + 4..].to_vec(),
    }
}

pub fn get(server: &Server, path: &str) -> Reply {
    request(server, "GET", path, &[], b"")
}

pub fn post(server: &Server, path: &str, body: &Value) -> Reply {
    request(
        server,
        "POST",
        path,
        &["Content-Type: application/json"],
        body.to_string().as_bytes(),
    )
}

/// Polls a job until it has finished; its last status.
pub fn wait(server: &Server, id: &str) -> Value {
    let started = Instant::now();
    loop {
        let status = get(server, &format!("/api/jobs/{id}")).json();
        if !matches!(status["state"].as_str(), Some("queued" | "running")) {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "job {id} never finished"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Supervision against a fourth link worker on the bundled pressured PCN.
pub fn two_options(replications: u32) -> Value {
    json!({
        "scenarios": [
            {"title": "Today", "toml": "base = \"pressured\"\n"},
            {"title": "Supervision", "toml": "base = \"pressured\"\n[support]\nsupervision_hours_per_month = 2.0\n"},
            {"title": "Fourth link worker", "toml": "base = \"pressured\"\n", "set": ["workforce.link_workers=4"]},
        ],
        "replications": replications,
        "seed": 7,
    })
}

#[test]
fn a_job_runs_and_its_scenario_files_reproduce_it_through_the_cli_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(dir.path(), &data, &[]);
    let created = post(&server, "/api/jobs", &two_options(12));
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["id"].as_str().unwrap().to_string();
    let status = wait(&server, &id);
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(
        (status["done"].as_u64(), status["total"].as_u64()),
        (Some(36), Some(36))
    );

    let files = get(&server, &format!("/api/jobs/{id}/files")).json();
    let files: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for f in [
        "compare.csv",
        "verdict.csv",
        "pairwise.csv",
        "report.html",
        "comparison.xlsx",
    ] {
        assert!(files.contains(&f), "{f} missing from {files:?}");
    }
    for stem in ["today", "supervision", "fourth-link-worker"] {
        let toml = format!("scenarios/{stem}.toml");
        assert!(
            files.contains(&toml.as_str()),
            "{toml} missing from {files:?}"
        );
    }
    assert!(
        !files.iter().any(|f| f.starts_with('.') || f.contains("/.")),
        "hidden files listed"
    );

    // The downloaded scenario files rerun through the CLI to the same bytes.
    let mut paths = Vec::new();
    for stem in ["today", "supervision", "fourth-link-worker"] {
        let toml = get(
            &server,
            &format!("/api/jobs/{id}/files/scenarios/{stem}.toml"),
        );
        assert_eq!(toml.status, 200);
        let text = String::from_utf8(toml.body).unwrap();
        assert!(
            text.contains("replications = 12") && text.contains("seed = 7"),
            "{text}"
        );
        let path = dir.path().join(format!("{stem}.toml"));
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    let out = holdsim(dir.path())
        .arg("compare")
        .args(&paths)
        .args(["--no-robustness", "-q", "-o", "rerun"])
        .output()
        .unwrap();
    assert_success(&out);
    for f in ["compare.csv", "verdict.csv", "pairwise.csv"] {
        let served = get(&server, &format!("/api/jobs/{id}/files/{f}")).body;
        assert_eq!(
            served,
            std::fs::read(dir.path().join("rerun").join(f)).unwrap(),
            "{f} differs"
        );
    }
    let report = get(
        &server,
        &format!("/api/jobs/{id}/files/report.html?download"),
    );
    assert!(
        report
            .headers
            .contains("content-disposition: attachment; filename=\"report.html\"")
    );

    // A restart reads the log back from disk; deleting removes the folder.
    drop(server);
    let server = start(dir.path(), &data, &[]);
    let listed = get(&server, "/api/jobs").json();
    assert_eq!(listed["jobs"][0]["id"], id.as_str());
    assert_eq!(listed["jobs"][0]["state"], "done");
    // With its headline results, read from its verdict.csv.
    let headline = listed["jobs"][0]["headline"].as_array().unwrap();
    assert_eq!(headline.len(), 3, "{listed}");
    let titles = ["Today", "Supervision", "Fourth link worker"];
    assert!(
        headline
            .iter()
            .all(|h| titles.contains(&h["best_title"].as_str().unwrap()))
    );
    let renamed = request(
        &server,
        "PATCH",
        &format!("/api/jobs/{id}"),
        &[],
        br#"{"title": "Board, March"}"#,
    );
    assert_eq!(renamed.status, 200);
    drop(server);
    let server = start(dir.path(), &data, &[]);
    assert_eq!(
        get(&server, "/api/jobs").json()["jobs"][0]["title"],
        "Board, March"
    );
    assert_eq!(
        request(&server, "DELETE", &format!("/api/jobs/{id}"), &[], b"").status,
        204
    );
    assert!(!data.join("jobs").join(&id).exists());
    assert_eq!(get(&server, &format!("/api/jobs/{id}")).status, 404);
}

#[test]
fn bad_input_gets_the_clis_problems_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        dir.path(),
        &dir.path().join("data"),
        &["--max-replications", "500"],
    );
    let bad = json!({"scenarios": [
        {"title": "Today", "toml": "[workforce]\nlink_workers = -1\n"},
        {"toml": "base = \"/etc/passwd\"\n"},
    ]});
    let reply = post(&server, "/api/jobs", &bad);
    assert_eq!(reply.status, 400);
    let problems = reply.json()["problems"].clone();
    assert_eq!(problems[0]["file"], "today.toml");
    assert_eq!(problems[0]["line"], 2);
    assert_eq!(problems[0]["key"], "workforce.link_workers");
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("expected an integer")
    );
    assert_eq!(problems[1]["file"], "option-1.toml");
    assert_eq!(problems[1]["key"], "base");

    let mut too_many = two_options(501);
    let reply = post(&server, "/api/jobs", &too_many);
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"].as_str().unwrap().contains("1 to 500"));
    too_many["scenarios"] = json!([{"toml": ""}]);
    too_many["replications"] = json!(5);
    assert_eq!(post(&server, "/api/jobs", &too_many).status, 400);
    assert_eq!(
        request(&server, "POST", "/api/jobs", &[], b"{not json").status,
        400
    );
    assert_eq!(
        request(
            &server,
            "POST",
            "/api/jobs",
            &[],
            br#"{"scenarios": [], "extra": 1}"#
        )
        .status,
        400
    );
    let huge = vec![b' '; 3 * 1024 * 1024];
    assert_eq!(
        request(&server, "POST", "/api/jobs", &[], &huge).status,
        413
    );
    assert_eq!(get(&server, "/api/jobs/0123456789abcdef").status, 404);
    assert_eq!(get(&server, "/api/jobs/..%2F..%2Fetc/files").status, 404);
}

#[test]
fn jobs_queue_boundedly_and_cancel_without_leaving_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(dir.path(), &data, &["-j", "1"]);
    // One running and four queued fill the queue; the next is refused with Retry-After.
    let mut ids = Vec::new();
    let mut refused = None;
    for _ in 0..7 {
        let reply = post(&server, "/api/jobs", &two_options(1000));
        match reply.status {
            201 => ids.push(reply.json()["id"].as_str().unwrap().to_string()),
            429 => {
                refused = Some(reply);
                break;
            }
            s => panic!("unexpected {s}"),
        }
    }
    let refused = refused.expect("a full queue refuses");
    assert!(
        refused.headers.contains("retry-after:"),
        "{}",
        refused.headers
    );
    // Five when the worker has taken the first job before the others arrive (the usual case).
    assert!((4..=5).contains(&ids.len()), "{} accepted", ids.len());
    assert_eq!(
        request(
            &server,
            "DELETE",
            &format!("/api/jobs/{}", ids[0]),
            &[],
            b""
        )
        .status,
        409
    );
    for id in &ids {
        assert_eq!(
            post(&server, &format!("/api/jobs/{id}/cancel"), &json!({})).status,
            200
        );
    }
    for id in &ids {
        assert_eq!(wait(&server, id)["state"], "cancelled");
        assert!(!data.join("jobs").join(id).exists());
    }
    let left: Vec<_> = std::fs::read_dir(data.join("jobs")).unwrap().collect();
    assert!(left.is_empty(), "a cancelled job left {left:?}");
    assert_eq!(
        get(&server, "/api/jobs").json()["jobs"]
            .as_array()
            .unwrap()
            .len(),
        ids.len()
    );
}

#[test]
fn other_addresses_need_a_token_and_the_token_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = holdsim(dir.path())
        .args(["serve", "--bind", "0.0.0.0", "--port", "0", "--data", "d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
    let server = start(
        dir.path(),
        &dir.path().join("d"),
        &["--token", "s3cret-token"],
    );
    assert_eq!(get(&server, "/api/jobs").status, 401);
    assert_eq!(
        request(
            &server,
            "GET",
            "/api/jobs",
            &["Authorization: Bearer wrong-token"],
            b""
        )
        .status,
        401
    );
    assert_eq!(
        request(
            &server,
            "GET",
            "/api/jobs",
            &["Authorization: Bearer s3cret-token"],
            b""
        )
        .status,
        200
    );
    let once = get(&server, "/?token=s3cret-token");
    assert_eq!(once.status, 303);
    assert!(
        once.headers
            .contains("set-cookie: holdsim_token=s3cret-token")
    );
    assert_eq!(
        request(
            &server,
            "GET",
            "/",
            &["Cookie: holdsim_token=s3cret-token"],
            b""
        )
        .status,
        200
    );
}

#[test]
fn stopping_the_server_mid_run_leaves_no_half_written_job() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = start(dir.path(), &data, &["-j", "1"]);
    let id = submit(&server, &two_options(1000));
    let started = Instant::now();
    while get(&server, &format!("/api/jobs/{id}")).json()["done"] == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let left_while_running = std::fs::read_dir(data.join("jobs")).unwrap().count();
    assert!(
        left_while_running > 0,
        "the job writes into a staging folder"
    );
    let status = server.terminate();
    assert_eq!(status.code(), Some(143), "{status:?}");
    let left: Vec<_> = std::fs::read_dir(data.join("jobs"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_job_asking_for_robustness_gets_the_reruns() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let mut job = two_options(4);
    job["robustness"] = json!(true);
    let id = submit(&server, &job);
    assert_eq!(wait(&server, &id)["state"], "done");
    let csv = get(&server, &format!("/api/jobs/{id}/files/robustness.csv"));
    assert_eq!(csv.status, 200);
    assert!(
        String::from_utf8(csv.body)
            .unwrap()
            .contains("supervision_effect")
    );
    let without = submit(&server, &two_options(4));
    assert_eq!(wait(&server, &without)["state"], "done");
    assert_eq!(
        get(
            &server,
            &format!("/api/jobs/{without}/files/robustness.csv")
        )
        .status,
        404
    );
}

#[test]
fn an_uploaded_scenario_resolves_to_the_forms_values_or_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let upload = "base = \"pressured\"\ntitle = \"Ours\"\n[workforce]\nlink_workers = 5\n[service.hospital]\nwait_median_days = 30.0\n";
    let reply = post(&server, "/api/resolve", &json!({"toml": upload}));
    assert_eq!(reply.status, 200);
    let resolved = reply.json();
    assert_eq!(resolved["title"], "Ours");
    assert_eq!(resolved["values"]["workforce.link_workers"], 5);
    assert_eq!(
        resolved["values"]["service.hospital.wait_median_days"],
        30.0
    );
    let pressured = holdsim::serve::bundled::load_bundled("pressured").unwrap();
    assert_eq!(
        resolved["values"]["referrals.rate_per_week"],
        json!(pressured.referrals.rate_per_week)
    );
    let bad = post(
        &server,
        "/api/resolve",
        &json!({"toml": "[workforce]\nlink_workerz = 3\n"}),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["problems"][0]["line"], 2);
}

/// Issue 12 point 4: the verdict, tables and charts appear as soon as the replications
/// are done; the robustness reruns, PNGs and workbook follow, then the final report.
#[test]
fn the_main_results_come_before_the_reruns_and_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let mut job = two_options(8);
    job["robustness"] = json!(true);
    let id = submit(&server, &job);
    assert_eq!(get(&server, &format!("/api/jobs/{id}/main")).status, 409);
    let started = Instant::now();
    let early = loop {
        let status = get(&server, &format!("/api/jobs/{id}")).json();
        if status["main_results"] == true {
            break status;
        }
        assert_ne!(status["state"], "done", "no main results before the end");
        assert!(started.elapsed() < Duration::from_secs(120), "{status}");
        std::thread::sleep(Duration::from_millis(10));
    };
    // The reruns take several times the main runs, so the job is still going.
    assert_eq!(early["state"], "running", "{early}");
    assert_eq!(early["stage"], "main-results", "{early}");
    assert_eq!(early["done"], early["total"], "{early}");
    let page = get(&server, &format!("/api/jobs/{id}/main"));
    assert_eq!(page.status, 200);
    assert!(page.headers.contains("content-type: text/html"));
    let page = String::from_utf8(page.body).unwrap();
    for part in [
        "table class=\"verdict\"",
        "<figure",
        "<svg",
        "Fourth link worker",
    ] {
        assert!(page.contains(part), "the main results lack {part}");
    }
    assert!(
        page.contains("still running") && !page.contains("skipped"),
        "the early page says the reruns are coming"
    );
    // Files exist only once the job is done.
    assert_eq!(get(&server, &format!("/api/jobs/{id}/files")).status, 409);

    let done = wait(&server, &id);
    assert_eq!(
        (done["state"].as_str(), done["stage"].as_str()),
        (Some("done"), Some("finished"))
    );
    assert_eq!(done["main_results"], false, "the page in memory is dropped");
    let moved = get(&server, &format!("/api/jobs/{id}/main"));
    assert_eq!(moved.status, 303);
    assert!(
        moved
            .headers
            .contains(&format!("location: /api/jobs/{id}/files/report.html"))
    );
    let report =
        String::from_utf8(get(&server, &format!("/api/jobs/{id}/files/report.html")).body).unwrap();
    assert!(!report.contains("still running"));
    assert!(
        get(
            &server,
            &format!("/api/jobs/{id}/files/plots/kpi_comparison.png")
        )
        .status
            == 200
    );
}

/// Issue 12 point 6: two logged runs side by side, with the differences in their
/// inputs in words.
#[test]
fn two_logged_runs_compare_side_by_side_with_their_differences_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let first = submit(&server, &two_options(6));
    let mut changed = two_options(8);
    changed["scenarios"][0]["set"] = json!(["referrals.rate_per_week=25"]);
    changed["scenarios"][2]["title"] = json!("Five link workers");
    changed["scenarios"][2]["set"] = json!(["workforce.link_workers=5"]);
    let second = submit(&server, &changed);
    assert_eq!(
        get(&server, &format!("/api/compare/{first}/{second}")).status,
        409,
        "not done yet"
    );
    assert_eq!(wait(&server, &first)["state"], "done");
    assert_eq!(wait(&server, &second)["state"], "done");

    let both = get(&server, &format!("/api/compare/{first}/{second}"));
    assert_eq!(both.status, 200);
    let both = both.json();
    assert_eq!(both["first"]["id"], first.as_str());
    assert_eq!(both["second"]["inputs"]["replications"], 8);
    let differences: Vec<&str> = both["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(differences[0], "Replications: 6 → 8", "{differences:#?}");
    for expected in [
        "The baseline (Today): Referrals a week: ",
        "Option 2's name: Fourth link worker → Five link workers",
        "Option 2 (Five link workers): Link workers (posts): 4 → 5",
    ] {
        assert!(
            differences.iter().any(|d| d.starts_with(expected)),
            "no `{expected}` in {differences:#?}"
        );
    }
    assert!(
        !differences.iter().any(|d| d.starts_with("Option 1")),
        "option 1 is the same in both: {differences:#?}"
    );
    // Headline results: each measure with every scenario's mean and CI, and the best.
    let results = both["second"]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["values"].as_array().unwrap().len(), 3, "{r}");
        let v = &r["values"][0];
        assert!(
            v["ci_low"].as_f64().unwrap() <= v["mean"].as_f64().unwrap(),
            "{r}"
        );
        assert!(
            ["Today", "Supervision", "Five link workers"]
                .contains(&r["best_title"].as_str().unwrap())
        );
    }
    assert_eq!(
        get(&server, &format!("/api/compare/{first}/0123456789abcdef")).status,
        404
    );
}

/// A scenario file with its own services (none of the bundled ones) and one profile
/// that waits for them: what a PCN whose patients wait for other services uploads.
pub const OWN_SERVICES: &str = r#"title = "Our PCN, our services"
[referrals]
rate_per_week = 14.0
[[service]]
name = "housing_advice"
wait_median_days = 20.0
wait_p90_days = 60.0
[[service]]
name = "debt_advice"
wait_median_days = 10.0
wait_p90_days = 30.0
[[profile]]
name = "everyone"
weight = 1.0
sessions_mean = 5.0
p_waits = 0.5
p_prepares = 0.2
prep_weeks_mean = 4.0
p_witnessing = 0.2
witnessing_resolve_per_week = 0.1
holding_hours_mean = 0.4
holding_hours_cv = 0.5
distress_mean = 0.5
distress_sd = 0.2
services = { housing_advice = 0.5, debt_advice = 0.5 }
"#;

#[test]
fn an_uploaded_scenario_with_its_own_services_gets_fields_for_their_waits() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let resolved = post(&server, "/api/resolve", &json!({"toml": OWN_SERVICES})).json();
    assert_eq!(
        resolved["values"]["service.housing_advice.wait_median_days"],
        20.0
    );
    let fields = resolved["service_fields"].as_str().unwrap();
    for key in [
        "service.housing_advice.wait_median_days",
        "service.housing_advice.wait_p90_days",
        "service.debt_advice.wait_median_days",
    ] {
        assert!(
            fields.contains(&format!("data-key=\"{key}\"")),
            "no field for {key}: {fields}"
        );
    }
    assert!(fields.contains("Housing advice: wait"), "{fields}");
    assert!(
        !fields.contains("service.hospital."),
        "the bundled services are gone: {fields}"
    );
    // The bundled page lists the bundled services.
    let page = String::from_utf8(get(&server, "/").body).unwrap();
    assert!(page.contains("data-key=\"service.hospital.wait_median_days\""));
}

/// Several clients posting at the same moment each get their own job, run one after
/// another by the worker, each with its own folder and its own files.
#[test]
fn concurrent_clients_each_get_their_own_job() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(dir.path(), &data, &[]);
    let ids: Vec<String> = std::thread::scope(|scope| {
        let posts: Vec<_> = (0..3)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    let mut job = two_options(3);
                    job["seed"] = json!(100 + i);
                    let reply = post(server, "/api/jobs", &job);
                    assert_eq!(
                        reply.status,
                        201,
                        "{}",
                        String::from_utf8_lossy(&reply.body)
                    );
                    reply.json()["id"].as_str().unwrap().to_string()
                })
            })
            .collect();
        posts.into_iter().map(|p| p.join().unwrap()).collect()
    });
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{ids:?}");
    let mut seeds = Vec::new();
    for id in &ids {
        let status = wait(&server, id);
        assert_eq!(status["state"], "done", "{status}");
        seeds.push(status["inputs"]["seed"].as_u64().unwrap());
        let toml = get(
            &server,
            &format!("/api/jobs/{id}/files/scenarios/today.toml"),
        );
        let text = String::from_utf8(toml.body).unwrap();
        assert!(
            text.contains(&format!("seed = {}", seeds.last().unwrap())),
            "{text}"
        );
        assert!(data.join("jobs").join(id).join("report.html").is_file());
    }
    seeds.sort_unstable();
    assert_eq!(seeds, [100, 101, 102]);
    assert_eq!(
        get(&server, "/api/jobs").json()["jobs"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn jobs_posted_in_the_same_second_are_listed_newest_first() {
    // `created_utc` has whole seconds: three jobs posted back to back share it (or
    // straddle a second), and the log must still put the last posted first.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(dir.path(), &data, &[]);
    let posted: Vec<String> = (0..3).map(|_| submit(&server, &two_options(3))).collect();
    let listed: Vec<String> = get(&server, "/api/jobs").json()["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect();
    let newest_first: Vec<String> = posted.into_iter().rev().collect();
    assert_eq!(listed, newest_first);
    for id in &newest_first {
        wait(&server, id);
    }
}

/// A small posterior as `holdsim calibrate` writes it: three particles over
/// `strain.alpha`, unequally weighted.
const SMALL_POSTERIOR: &str = "particle,strain.alpha,weight\n0,0.03,0.2\n1,0.05,0.3\n2,0.08,0.5\n";

/// Each scenario's `particle` column of a finished job, in replication order.
fn particles(job: &Path, names: &[&str]) -> Vec<Vec<String>> {
    names
        .iter()
        .map(|name| {
            let path = job.join("scenarios").join(name).join("replications.csv");
            let mut reader = csv::Reader::from_path(&path).unwrap();
            let column = reader
                .headers()
                .unwrap()
                .iter()
                .position(|c| c == "particle")
                .unwrap_or_else(|| panic!("no `particle` column in {}", path.display()));
            reader
                .records()
                .map(|r| r.unwrap()[column].to_string())
                .collect()
        })
        .collect()
}

/// Posts `job` (it must be accepted) and returns its id.
fn submit(server: &Server, job: &Value) -> String {
    let created = post(server, "/api/jobs", job);
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    created.json()["id"].as_str().unwrap().to_string()
}

/// Posts `job` and waits until it is done; its id.
fn run_job(server: &Server, job: &Value) -> String {
    let id = submit(server, job);
    let status = wait(server, &id);
    assert_eq!(status["state"], "done", "{status}");
    id
}

#[test]
fn a_job_draws_from_the_bundled_or_an_uploaded_posterior_the_same_particle_in_every_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(dir.path(), &data, &[]);
    let names = ["today", "supervision", "fourth-link-worker"];

    let mut bundled = two_options(12);
    bundled["posterior"] = json!({"bundled": "literature"});
    let first = run_job(&server, &bundled);
    let mut uploaded = two_options(12);
    uploaded["posterior"] = json!({"name": "mine.csv", "csv": SMALL_POSTERIOR});
    let second = run_job(&server, &uploaded);

    let bundled_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("calibration/literature-posterior.csv"),
    )
    .unwrap();
    for (id, source, text, count) in [
        (
            &first,
            "calibration/literature-posterior.csv",
            bundled_text.as_str(),
            1000,
        ),
        (&second, "mine.csv (uploaded)", SMALL_POSTERIOR, 3),
    ] {
        let job = data.join("jobs").join(id);
        let drawn = particles(&job, &names);
        assert_eq!(drawn[0].len(), 12);
        assert!(
            drawn.iter().all(|p| *p == drawn[0]),
            "replication r runs the same particle in every scenario: {drawn:?}"
        );
        let distinct: std::collections::BTreeSet<&String> = drawn[0].iter().collect();
        assert!(
            distinct.len() > 1,
            "one particle for every replication: {drawn:?}"
        );
        assert!(drawn[0].iter().all(|p| p.parse::<usize>().unwrap() < count));
        let compare: Value =
            serde_json::from_str(&std::fs::read_to_string(job.join("compare.json")).unwrap())
                .unwrap();
        assert_eq!(
            compare["posterior"]["file"], source,
            "{}",
            compare["posterior"]
        );
        assert_eq!(compare["posterior"]["particles"], count);
        let status = get(&server, &format!("/api/jobs/{id}")).json();
        assert_eq!(status["inputs"]["posterior"]["source"], source);
        assert_eq!(status["inputs"]["posterior"]["particles"], count);
        // The posterior used is among the downloads, as it came.
        let served = get(&server, &format!("/api/jobs/{id}/files/posterior.csv"));
        assert_eq!(served.status, 200);
        assert_eq!(String::from_utf8(served.body).unwrap(), text);
    }

    // The uploaded job's downloads rerun through the CLI to the same bytes.
    let job = data.join("jobs").join(&second);
    let paths: Vec<_> = names
        .iter()
        .map(|n| job.join("scenarios").join(format!("{n}.toml")))
        .collect();
    let out = holdsim(dir.path())
        .arg("compare")
        .args(&paths)
        .arg("--posterior")
        .arg(job.join("posterior.csv"))
        .args(["--no-robustness", "-q", "-o", "rerun"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        std::fs::read(job.join("compare.csv")).unwrap(),
        std::fs::read(dir.path().join("rerun/compare.csv")).unwrap()
    );

    // Side by side: the posterior is an input difference, and each option's results
    // carry the range of 95% of runs and how often it beat the baseline.
    let side = get(&server, &format!("/api/compare/{first}/{second}")).json();
    let differences: Vec<&str> = side["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(
        differences,
        [
            "Parameter uncertainty: drawn from calibration/literature-posterior.csv (1000 particles) → drawn from mine.csv (uploaded) (3 particles)"
        ]
    );
    let option = &side["second"]["results"][0]["values"][1];
    let (low, high, mean) = (
        option["range_low"].as_f64().unwrap(),
        option["range_high"].as_f64().unwrap(),
        option["mean"].as_f64().unwrap(),
    );
    assert!(low <= mean && mean <= high, "{option}");
    let p = option["p_better"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p), "{option}");
}

#[test]
fn a_bad_posterior_upload_or_an_option_changing_a_drawn_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let refused = |posterior: Value, job: Option<Value>| {
        let mut job = job.unwrap_or_else(|| two_options(5));
        job["posterior"] = posterior;
        let reply = post(&server, "/api/jobs", &job);
        assert_eq!(
            reply.status,
            400,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()
    };

    let missing = refused(
        json!({"name": "../mine.csv", "csv": "particle,strain.alpha\n0,0.05\n"}),
        None,
    );
    let problem = &missing["problems"][0];
    assert_eq!(problem["file"], "mine.csv", "{missing}");
    assert_eq!(problem["line"], 1);
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("missing column `weight`"),
        "{missing}"
    );

    let text = refused(
        json!({"name": "mine.csv", "csv": "particle,strain.alpha,weight\n0,0.05,0.5\n1,high,0.5\n"}),
        None,
    );
    let problem = &text["problems"][0];
    assert_eq!(problem["line"], 3, "{text}");
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("`high` is not a finite number"),
        "{text}"
    );

    let unknown = refused(
        json!({"name": "mine.csv", "csv": "particle,strain.nothing,weight\n0,0.05,1\n"}),
        None,
    );
    assert!(
        unknown["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("strain.nothing"),
        "{unknown}"
    );
    let neither = refused(json!({"bundled": "other"}), None);
    assert!(
        neither["error"].as_str().unwrap().contains("literature"),
        "{neither}"
    );

    // An option that changes a drawn key: the draw would undo the very change.
    let mut shorter = two_options(5);
    shorter["scenarios"][1]["set"] = json!(["workforce.session_hours=0.9"]);
    let drawn = refused(json!({"bundled": "literature"}), Some(shorter));
    let problem = &drawn["problems"][0];
    assert_eq!(problem["file"], "supervision.toml", "{drawn}");
    assert_eq!(problem["key"], "workforce.session_hours");
    let message = problem["message"].as_str().unwrap();
    assert!(
        message.contains("draws it from the posterior") && message.contains("fixed assumptions"),
        "{message}"
    );
    assert!(
        get(&server, "/api/jobs").json()["jobs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
