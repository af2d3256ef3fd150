//! The web app in Debian's headless chromium against a running `holdsim serve`: the
//! page's script runs without console errors and fetches only from the server, every
//! input has a label, the log lists a finished job, and reopening it (`#job=ID`) shows
//! its report and downloads. Screenshots at 1280 and 390 px land in the test's
//! folder (kept with `HOLDSIM_KEEP_SCREENSHOTS=DIR`). Skips with a message when
//! chromium is missing, except under `CI=true`, where that fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serve::{get, post, start, two_options, wait};

fn chromium() -> Option<PathBuf> {
    let found = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "/usr/bin/chromium".into(),
    ]
    .into_iter()
    .filter(|c| !c.is_empty())
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is required under CI (install Debian's `chromium`; .ci/run does)"
        );
        eprintln!("SKIPPED: chromium not found (set CHROMIUM or install Debian's `chromium`)");
    }
    found
}

/// Headless chromium at `width` px, its DOM after scripts ran (or a screenshot).
fn browse(browser: &Path, profile: &Path, width: u32, what: &str, url: &str) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
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
