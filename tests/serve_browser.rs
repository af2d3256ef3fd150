//! The web app in Debian's headless chromium against a running `holdsim serve`: the
//! page's script runs without console errors and fetches only from the server, every
//! input has a label, the log lists a finished job, and reopening it (`#job=ID`) shows
//! its report and downloads. Screenshots at 1280 and 390 px land in the test's
//! folder (kept with `HOLDSIM_KEEP_SCREENSHOTS=DIR`). Skips with a message when
//! chromium is missing, except under `CI=true`, where that fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serve::{OWN_SERVICES, get, post, start, two_options, wait};

use crate::report_browser::{chromium, headless};

/// Headless chromium at `width` px, its DOM after scripts ran (or a screenshot).
fn browse(browser: &Path, profile: &Path, width: u32, what: &str, url: &str) -> (String, String) {
    let out = headless(browser, profile)
        .arg("--hide-scrollbars")
        .arg(format!("--window-size={width},2200"))
        .arg(what)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn no_console_messages(stderr: &str) {
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
}

#[test]
fn the_page_works_in_headless_chromium_and_reopens_a_job() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let id = post(&server, "/api/jobs", &two_options(10)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(wait(&server, &id)["state"], "done");
    let base = format!("http://{}/", server.address);
    let profile = dir.path().join("profile");

    let page = String::from_utf8(get(&server, "/").body).unwrap();
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "//cdn"] {
        assert!(
            !page.contains(external),
            "the page must not contain `{external}`"
        );
    }
    let (dom, stderr) = browse(&browser, &profile, 1280, "--dump-dom", &base);
    no_console_messages(&stderr);
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the script did not finish: {dom}"
    );
    // Every input and select has a label naming it.
    let ids: Vec<&str> = dom
        .split("<input ")
        .chain(dom.split("<select ").skip(1))
        .skip(1)
        .filter_map(|tag| tag.split("id=\"").nth(1)?.split('"').next())
        .collect();
    assert!(ids.len() > 30, "{} inputs", ids.len());
    for id in &ids {
        assert!(
            dom.contains(&format!("for=\"{id}\"")),
            "input {id} has no label"
        );
    }
    assert!(dom.contains("Referrals a week") && dom.contains("Advanced"));
    assert!(
        dom.contains("Today vs Supervision, Fourth link worker"),
        "the log lists the job"
    );

    let reopened = format!("{base}#job={id}");
    let (dom, stderr) = browse(&browser, &profile, 1280, "--dump-dom", &reopened);
    no_console_messages(&stderr);
    assert!(
        dom.contains(&format!("src=\"/api/jobs/{id}/files/report.html\"")),
        "no report frame"
    );
    assert!(
        !dom.contains("id=\"results\" aria-labelledby=\"h-results\" hidden"),
        "results hidden"
    );
    for link in [
        "report.html?download",
        "comparison.xlsx?download",
        "files/scenarios/supervision.toml?download",
    ] {
        assert!(dom.contains(link), "no download {link}");
    }

    let shots = std::env::var_os("HOLDSIM_KEEP_SCREENSHOTS")
        .map_or_else(|| dir.path().to_path_buf(), PathBuf::from);
    for width in [1280, 390] {
        let file = shots.join(format!("serve-{width}.png"));
        browse(
            &browser,
            &profile,
            width,
            &format!("--screenshot={}", file.display()),
            &reopened,
        );
        assert!(
            std::fs::metadata(&file).is_ok_and(|m| m.len() > 10_000),
            "{}",
            file.display()
        );
    }
}

/// Chromium driven through the DevTools protocol over `--remote-debugging-pipe`
/// (messages are JSON ended by a NUL byte, on the browser's fds 3 and 4): no driver
/// binary and no WebSocket client needed.
struct DevTools {
    child: std::process::Child,
    to: std::fs::File,
    from: std::io::BufReader<std::fs::File>,
    next: u64,
    session: String,
}

impl Drop for DevTools {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two new descriptors, each owned once below.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    }
}

impl DevTools {
    /// Starts headless chromium and opens `url` in a page of `width` px.
    fn open(browser: &Path, profile: &Path, url: &str, width: u32) -> DevTools {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let (browser_reads, we_write) = pipe();
        let (we_read, browser_writes) = pipe();
        let (r, w) = (browser_reads.as_raw_fd(), browser_writes.as_raw_fd());
        let mut command = Command::new(browser);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={width},1200"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // SAFETY: only fcntl and dup2, which are async-signal-safe, between fork and
        // exec. Both ends are first copied above fd 10, so that one already at 3 or 4
        // is neither clobbered nor left close-on-exec by a no-op dup2.
        unsafe {
            command.pre_exec(move || {
                let (r, w) = (
                    libc::fcntl(r, libc::F_DUPFD, 10),
                    libc::fcntl(w, libc::F_DUPFD, 10),
                );
                if r < 0 || w < 0 || libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        drop((browser_reads, browser_writes));
        let mut tools = DevTools {
            child,
            to: std::fs::File::from(we_write),
            from: std::io::BufReader::new(std::fs::File::from(we_read)),
            next: 0,
            session: String::new(),
        };
        let target = tools.call("Target.createTarget", serde_json::json!({"url": url}));
        let attached = tools.call(
            "Target.attachToTarget",
            serde_json::json!({"targetId": target["targetId"], "flatten": true}),
        );
        tools.session = attached["sessionId"].as_str().unwrap().to_string();
        tools
    }

    /// Sends one command (to the page once attached) and returns its result.
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        use std::io::{BufRead, Write};
        self.next += 1;
        let mut message = serde_json::json!({"id": self.next, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = serde_json::json!(self.session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        loop {
            let mut raw = Vec::new();
            assert!(
                self.from.read_until(0, &mut raw).unwrap() > 0,
                "chromium closed the pipe"
            );
            raw.pop();
            let reply: serde_json::Value = serde_json::from_slice(&raw).unwrap();
            if reply["id"] == self.next {
                assert!(reply["error"].is_null(), "{method}: {}", reply["error"]);
                return reply["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    fn eval(&mut self, expression: &str) -> serde_json::Value {
        let result = self.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        assert!(
            result["exceptionDetails"].is_null(),
            "{expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    /// Chooses `file` in the page's file input `#id`, as a user picking it would (the
    /// input's `change` event fires).
    fn choose_file(&mut self, id: &str, file: &Path) {
        let document = self.call("DOM.getDocument", serde_json::json!({}));
        let node = self.call(
            "DOM.querySelector",
            serde_json::json!({"nodeId": document["root"]["nodeId"], "selector": format!("#{id}")}),
        );
        self.call(
            "DOM.setFileInputFiles",
            serde_json::json!({"nodeId": node["nodeId"], "files": [file.display().to_string()]}),
        );
    }

    /// Waits (up to two minutes) until `condition` is true in the page.
    fn until(&mut self, condition: &str) {
        let started = std::time::Instant::now();
        while self.eval(&format!("!!({condition})")) != serde_json::json!(true) {
            assert!(started.elapsed().as_secs() < 120, "never true: {condition}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// Neither the page nor the report in it scrolls sideways, at 1280 px or on a phone
/// (390 px, emulated: headless chromium's windows are at least 500 px wide).
fn no_sideways_scrolling(page: &mut DevTools) {
    for width in [1280, 390] {
        page.call(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": width < 500}),
        );
        let widths = page.eval("(() => { const w = (d) => [d.documentElement.scrollWidth, d.documentElement.clientWidth]; return [w(document), w(document.getElementById('report').contentDocument)]; })()");
        for (what, w) in ["page", "report"].iter().zip(widths.as_array().unwrap()) {
            assert!(
                w[0].as_u64() <= w[1].as_u64() && w[1].as_u64() <= Some(width),
                "at {width} px the {what} scrolls sideways: {w} (scroll width, client width)"
            );
        }
    }
}

/// As a user would: put in the PCN's numbers, add two options from the presets, run,
/// see the verdict and a chart in the report, then download a scenario file per
/// option and rerun them through the CLI to the same numbers.
#[test]
fn a_user_fills_the_form_adds_two_options_runs_and_reruns_the_downloads() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let base = format!("http://{}/", server.address);
    let mut page = DevTools::open(&browser, &dir.path().join("profile"), &base, 1280);
    page.until("document.body && document.body.dataset.ready === 'yes'");
    page.eval(
        r#"(() => {
        const set = (id, v) => { const i = document.getElementById(id); i.value = v; i.dispatchEvent(new Event('input', {bubbles: true})); };
        set('f-referrals-rate_per_week', '20');
        set('f-workforce-link_workers', '3');
        set('baseline-title', 'Our PCN today');
        for (const preset of ['supervision', 'worker']) { document.getElementById('preset').value = preset; document.getElementById('add').click(); }
        set('replications', '12');
        document.getElementById('run').click();
    })()"#,
    );
    let described = page.eval(
        "[...document.querySelectorAll('#options .says')].map(p => p.textContent).join(' | ')",
    );
    assert!(
        described
            .as_str()
            .unwrap()
            .contains("Link workers (posts): 3 → 4"),
        "options are described in words: {described}"
    );
    page.until("!document.getElementById('results').hidden");
    page.until("(() => { const d = document.getElementById('report').contentDocument; return d && d.querySelector('table.verdict') && d.querySelector('figure svg'); })()");
    let verdict = page.eval("document.getElementById('report').contentDocument.querySelector('table.verdict').innerText");
    let verdict = verdict.as_str().unwrap();
    assert!(
        verdict.contains("Our PCN today")
            && verdict.contains("Supervision")
            && verdict.contains("A link worker more")
            && verdict.contains("is best"),
        "{verdict}"
    );

    // The main results come first; the downloads once every file is written.
    page.until("document.getElementById('status').textContent.startsWith('Done')");
    let links = page
        .eval("[...document.querySelectorAll('#downloads a')].map(a => a.getAttribute('href'))");
    let links: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let report = links
        .iter()
        .find(|l| l.ends_with("/files/report.html?download"));
    let report = get(&server, report.expect("a link to download the report"));
    assert!(report.headers.contains("content-disposition: attachment"));
    assert!(
        String::from_utf8(report.body)
            .unwrap()
            .contains("table class=\"verdict\"")
    );
    no_sideways_scrolling(&mut page);
    let tomls: Vec<&&str> = links
        .iter()
        .filter(|l| l.ends_with(".toml?download"))
        .collect();
    assert_eq!(tomls.len(), 3, "{links:?}");
    let job = tomls[0].split('/').nth(3).unwrap();
    let status = get(&server, &format!("/api/jobs/{job}")).json();
    let mut files = Vec::new();
    for scenario in status["inputs"]["scenarios"].as_array().unwrap() {
        let name = scenario["name"].as_str().unwrap();
        let link = tomls
            .iter()
            .find(|l| l.contains(&format!("/{name}.toml")))
            .unwrap();
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, get(&server, link).body).unwrap();
        files.push(path);
    }
    let out = crate::util::holdsim(dir.path())
        .arg("compare")
        .args(&files)
        .args(["--no-robustness", "-q", "-o", "rerun"])
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    let served = get(&server, &format!("/api/jobs/{job}/files/compare.csv")).body;
    assert_eq!(
        served,
        std::fs::read(dir.path().join("rerun/compare.csv")).unwrap()
    );
}

/// The upload path as a user takes it: choose a scenario file whose services are not
/// the bundled ones, see fields for their waits (and none for the bundled services),
/// change one, add an option, run; then tick this run and an earlier one in the log
/// and see them side by side with what differs in words.
#[test]
fn a_user_uploads_a_scenario_with_its_own_services_runs_it_and_compares_two_runs() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &dir.path().join("data"), &[]);
    let earlier = post(&server, "/api/jobs", &two_options(6)).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(wait(&server, &earlier)["state"], "done");
    let file = dir.path().join("our-pcn.toml");
    std::fs::write(&file, OWN_SERVICES).unwrap();
    let base = format!("http://{}/", server.address);
    let mut page = DevTools::open(&browser, &dir.path().join("profile"), &base, 1280);
    page.until("document.body && document.body.dataset.ready === 'yes'");
    page.choose_file("upload", &file);
    page.until("document.getElementById('start-name').textContent.includes('(uploaded)')");
    let keys = page.eval("[...document.querySelectorAll('#service-fields input')].map(i => i.dataset.key + '=' + i.value).join(' ')");
    let keys = keys.as_str().unwrap();
    assert!(
        keys.contains("service.housing_advice.wait_median_days=20")
            && keys.contains("service.debt_advice.wait_p90_days=30")
            && !keys.contains("hospital"),
        "the form shows the uploaded services' waits: {keys}"
    );
    let label = page.eval("document.querySelector('label[for=\"f-service-housing_advice-wait_median_days\"]').textContent");
    assert_eq!(label, "Housing advice: wait (median)");
    assert_eq!(
        page.eval("document.getElementById('f-referrals-rate_per_week').value"),
        "14"
    );
    page.eval(
        r#"(() => {
        const set = (id, v) => { const i = document.getElementById(id); i.value = v; i.dispatchEvent(new Event('input', {bubbles: true})); };
        set('f-service-housing_advice-wait_median_days', '25');
        document.getElementById('preset').value = 'worker';
        document.getElementById('add').click();
        set('replications', '6');
        document.getElementById('run').click();
    })()"#,
    );
    page.until("document.getElementById('status').textContent.startsWith('Done')");
    let verdict_text = "(() => { const d = document.getElementById('report').contentDocument; const t = d && d.querySelector('table.verdict'); return t ? t.innerText : ''; })()";
    page.until(verdict_text);
    let verdict = page.eval(verdict_text);
    assert!(
        verdict.as_str().unwrap().contains("A link worker more"),
        "{verdict}"
    );
    let today = page.eval("[...document.querySelectorAll('#downloads a')].map(a => a.getAttribute('href')).find(h => h.includes('/scenarios/today.toml'))");
    let toml = String::from_utf8(get(&server, today.as_str().unwrap()).body).unwrap();
    assert!(
        toml.contains("housing_advice") && toml.contains("wait_median_days = 25"),
        "the run used the uploaded services with the changed wait: {toml}"
    );

    // Two runs of the log side by side.
    page.until("document.querySelectorAll('#log .pick').length === 2");
    page.eval("document.querySelectorAll('#log .pick').forEach(b => b.click())");
    assert_eq!(
        page.eval("document.getElementById('compare-two').disabled"),
        false
    );
    page.eval("document.getElementById('compare-two').click()");
    page.until("document.querySelectorAll('#two-runs-body li').length > 0");
    let side = page.eval("document.getElementById('two-runs').innerText");
    let side = side.as_str().unwrap();
    for expected in [
        "First: Today vs A link worker more",
        "Second: Today vs Supervision, Fourth link worker",
        "the service list differs",
        "Option 2 (Fourth link worker) is only in the second run",
    ] {
        assert!(side.contains(expected), "no `{expected}` in {side}");
    }
    assert!(
        !side.contains("Replications:"),
        "equal inputs are not differences: {side}"
    );
}

/// The bytes of standard base64 text (DevTools sends screenshots so).
fn base64_bytes(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    digits
        .chunks(4)
        .flat_map(|chunk| {
            let word = chunk
                .iter()
                .enumerate()
                .fold(0u32, |w, (i, &d)| w | u32::from(d) << (18 - 6 * i));
            let bytes = word.to_be_bytes();
            bytes[1..chunk.len()].to_vec()
        })
        .collect()
}

/// A PNG of the page's element `selector` (scrolled into view) at `width` px.
fn screenshot(page: &mut DevTools, selector: &str, width: u32, file: &Path) {
    page.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500}),
    );
    let rect = page.eval(&format!(
        "(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }})()"
    ));
    let r: Vec<f64> = rect
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let shot = page.call(
        "Page.captureScreenshot",
        serde_json::json!({"format": "png", "captureBeyondViewport": true,
            "clip": {"x": r[0], "y": r[1], "width": r[2], "height": r[3], "scale": 1}}),
    );
    std::fs::write(file, base64_bytes(shot["data"].as_str().unwrap())).unwrap();
}

/// Parameter uncertainty as a user chooses it: the "?" says what it means, a bad
/// upload is answered with its line, and choosing the bundled calibration runs a job
/// whose log entry, downloads and folder name the posterior it drew from.
#[test]
fn a_user_runs_with_the_bundled_posterior_and_is_told_what_a_bad_upload_lacks() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(dir.path(), &data, &[]);
    let base = format!("http://{}/", server.address);
    let mut page = DevTools::open(&browser, &dir.path().join("profile"), &base, 1280);
    page.until("document.body && document.body.dataset.ready === 'yes'");
    assert_eq!(
        page.eval("document.querySelector('input[name=uncertainty]:checked').id"),
        "u-fixed",
        "fixed assumptions are the default"
    );
    let help = page.eval("document.getElementById('uncertainty-h').textContent");
    let help = help.as_str().unwrap();
    assert!(
        help.contains("uncertainty about the assumptions as well as chance")
            && help.contains("hours per contact"),
        "{help}"
    );

    // The form as a commissioner sees it, with the calibration chosen and its "?" open.
    page.eval(
        r#"(() => {
        document.getElementById('preset').value = 'supervision';
        document.getElementById('add').click();
        document.getElementById('replications').value = '8';
        document.getElementById('u-bundled').click();
        document.querySelector('#uncertainty details').open = true;
    })()"#,
    );
    assert_eq!(
        page.eval("getComputedStyle(document.getElementById('posterior-choose')).display"),
        "none"
    );
    let shots = std::env::var_os("HOLDSIM_KEEP_SCREENSHOTS")
        .map_or_else(|| dir.path().to_path_buf(), PathBuf::from);
    for (width, name) in [
        (1280, "serve-posterior.png"),
        (390, "serve-390-posterior.png"),
    ] {
        let file = shots.join(name);
        screenshot(&mut page, "section[aria-labelledby=h-run]", width, &file);
        assert!(
            std::fs::metadata(&file).is_ok_and(|m| m.len() > 10_000),
            "{}",
            file.display()
        );
    }
    page.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );
    // A posterior without weights: its file and line come back, nothing runs.
    let bad = dir.path().join("no-weights.csv");
    std::fs::write(&bad, "particle,strain.alpha\n0,0.05\n").unwrap();
    page.eval("document.getElementById('u-upload').click()");
    assert_eq!(
        page.eval("getComputedStyle(document.getElementById('posterior-choose')).display"),
        "flex",
        "choosing an upload shows the file input"
    );
    page.choose_file("posterior-file", &bad);
    page.eval("document.getElementById('run').click()");
    page.until("document.getElementById('problems').textContent.includes('weight')");
    let problems = page.eval("document.getElementById('problems').textContent");
    assert!(
        problems
            .as_str()
            .unwrap()
            .contains("no-weights.csv, line 1"),
        "{problems}"
    );
    assert_eq!(
        page.eval("document.getElementById('status').textContent"),
        "The posterior file has problems (below)."
    );

    page.eval("document.getElementById('u-bundled').click()");
    page.eval("document.getElementById('run').click()");
    page.until("document.getElementById('status').textContent.startsWith('Done')");
    page.until("document.getElementById('log').textContent.includes('drawn from calibration/literature-posterior.csv (1000 particles)')");
    let links = page.eval(
        "[...document.querySelectorAll('#downloads a')].map(a => a.getAttribute('href')).join(' ')",
    );
    let posterior = links
        .as_str()
        .unwrap()
        .split(' ')
        .find(|l| l.ends_with("/files/posterior.csv?download"))
        .unwrap_or_else(|| panic!("no download of the posterior: {links}"));
    let id = posterior.split('/').nth(3).unwrap();
    let compare = std::fs::read_to_string(data.join("jobs").join(id).join("compare.json")).unwrap();
    assert!(
        compare.contains("\"file\": \"calibration/literature-posterior.csv\""),
        "{compare}"
    );

    // The same job on fixed assumptions, then both side by side: the posterior is an
    // input difference, and the calibrated run's results carry their ranges.
    page.eval("document.getElementById('u-fixed').click(); document.getElementById('run').click()");
    page.until("document.querySelectorAll('#log .pick').length === 2 && document.getElementById('status').textContent.startsWith('Done')");
    page.eval("document.querySelectorAll('#log .pick').forEach(b => b.click())");
    page.eval("document.getElementById('compare-two').click()");
    page.until("document.querySelectorAll('#two-runs-body li').length > 0");
    let side = page.eval("document.getElementById('two-runs').innerText");
    let side = side.as_str().unwrap();
    for expected in [
        "Parameter uncertainty: fixed assumptions (the scenarios' values) → drawn from calibration/literature-posterior.csv (1000 particles)",
        "95% of runs",
        "better than Today in",
    ] {
        assert!(side.contains(expected), "no `{expected}` in {side}");
    }
    screenshot(
        &mut page,
        "#two-runs",
        1280,
        &shots.join("serve-two-runs-posterior.png"),
    );
}
