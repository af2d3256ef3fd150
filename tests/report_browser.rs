//! The HTML report in a real headless browser (Debian's chromium): it loads with no
//! console errors, makes no external requests, and its plots are laid out with real
//! size and text. Skips with a message when chromium is missing, except under
//! `CI=true`, where a missing browser is a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{holdsim, root};

/// Debian's chromium (or `$CHROMIUM`), or `None` with a message outside CI (a failure
/// under `CI=true`, where .ci/run installs it). Shared by the browser tests.
pub fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "/usr/bin/chromium".into(),
        "/usr/bin/chromium-browser".into(),
    ];
    let found = candidates
        .iter()
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

/// Headless chromium as the machine allows it (root, no network, no GPU).
pub fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// A small comparison of the bundled scenarios, with its report.
fn make_report(dir: &Path) -> PathBuf {
    let scenarios = ["baseline.toml", "supported.toml", "pressured.toml"]
        .map(|s| root().join("scenarios").join(s).display().to_string());
    let out = holdsim(dir)
        .args([
            "compare",
            &scenarios[0],
            &scenarios[1],
            &scenarios[2],
            "-n",
            "6",
            "--quiet",
            "--out",
            "cmp",
        ])
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    dir.join("cmp/report.html")
}

/// Checks run inside the page after load; the verdict lands in the DOM for --dump-dom.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const svgs = [...document.querySelectorAll('figure svg')];
  const visible = svgs.filter(s => { const r = s.getBoundingClientRect(); return r.width > 300 && r.height > 150; });
  // Plot text is glyph outlines: a labelled group of <use>s, with a real box only if
  // every glyph it uses resolved to its outline.
  const texts = [...document.querySelectorAll('figure svg g[aria-label]')].filter(t => t.getBBox().width > 0).length;
  const tables = document.querySelectorAll('table').length;
  const font = document.fonts.check("16px 'DejaVu Sans'");
  document.body.setAttribute('data-probe', JSON.stringify({figures: svgs.length, visible: visible.length, texts, tables, font}));
});
</script>"#;

#[test]
fn report_renders_in_headless_chromium_with_visible_plots_and_no_errors() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = make_report(dir.path());
    let html = fs::read_to_string(&report).unwrap();

    // Self-contained: nothing fetched from elsewhere.
    for needle in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<script",
        "<link ",
    ] {
        assert!(
            !html.contains(needle),
            "report.html must not contain `{needle}`"
        );
    }
    assert!(html.contains("@font-face") && html.contains("data:font/ttf;base64,"));
    // Options are named by their titles.
    assert!(
        html.contains("Supported: training, 2 h supervision a month, caseload cap, 12-week boundary compared with Today: 3 link workers, 12 referrals a week")
            && html.contains("National pressure: 3 link workers, 20 referrals a week compared with Today")
    );

    let probed = dir.path().join("probed.html");
    fs::write(
        &probed,
        html.replacen("</body>", &format!("{PROBE}</body>"), 1),
    )
    .unwrap();
    let out = headless(&browser, &dir.path().join("profile"))
        .arg("--dump-dom")
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");

    let start = dom.find("data-probe=\"").expect("probe did not run") + "data-probe=\"".len();
    let end = dom[start..].find('"').unwrap() + start;
    let probe: serde_json::Value =
        serde_json::from_str(&dom[start..end].replace("&quot;", "\"")).unwrap();
    let figures = probe["figures"].as_u64().unwrap();
    assert!(figures >= 5, "{probe}");
    assert_eq!(
        probe["visible"].as_u64().unwrap(),
        figures,
        "every plot has real size: {probe}"
    );
    assert!(
        probe["texts"].as_u64().unwrap() > 20 * figures,
        "plots have laid-out text: {probe}"
    );
    assert!(probe["tables"].as_u64().unwrap() >= 3, "{probe}");
    assert_eq!(
        probe["font"], true,
        "the embedded font is available: {probe}"
    );

    // A screenshot, kept for people to look at (HOLDSIM_SCREENSHOT=path).
    let shot = std::env::var("HOLDSIM_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("report.png"));
    let out = headless(&browser, &dir.path().join("profile2"))
        .args(["--window-size=1200,4000", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        fs::metadata(&shot).unwrap().len() > 50_000,
        "screenshot should show a full page"
    );
}

/// A poppler tool (`pdfinfo`, `pdftotext`), or `None` with a message outside CI (a
/// failure under `CI=true`, where .ci/run installs poppler-utils).
fn poppler(tool: &str) -> Option<PathBuf> {
    let found = ["/usr/bin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is required under CI (Debian's poppler-utils; .ci/run installs it)"
        );
        eprintln!("SKIPPED: {tool} not found (install poppler-utils)");
    }
    found
}

#[test]
fn a_three_option_report_prints_on_at_most_four_a4_pages_with_the_board_content() {
    let Some(browser) = chromium() else { return };
    let (Some(pdfinfo), Some(pdftotext)) = (poppler("pdfinfo"), poppler("pdftotext")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = make_report(dir.path());
    let pdf = dir.path().join("report.pdf");
    // Printed as a user would: the browser's own headers and footers left on, so a
    // file path in them would show in the text.
    let out = headless(&browser, &dir.path().join("profile"))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success() && pdf.exists(),
        "chromium did not print"
    );

    let info = Command::new(pdfinfo).arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .expect("pdfinfo gives a page count")
        .trim()
        .parse()
        .unwrap();
    assert!(
        (1..=4).contains(&pages),
        "printed on {pages} pages:\n{info}"
    );
    assert!(info.contains("(A4)"), "A4 pages: {info}");

    let text = Command::new(pdftotext).arg(&pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    for needed in [
        "The question.",
        "Verdict",
        "is best",
        "Link workers leaving over the period",
        "95% CI",
        "Costs over the 4½ years after a 6-month start-up",
        "per leaver",
        "Key charts",
        "The key caveat.",
        "The assumptions that decide this answer",
        "Tried at 5 values",
        "Glossary",
        &format!("Page 1 of {pages}"),
        "comparison.xlsx",
    ] {
        assert!(text.contains(needed), "the printed paper lacks `{needed}`");
    }
    for absent in ["file:", report.parent().unwrap().to_str().unwrap()] {
        assert!(!text.contains(absent), "the printed paper shows `{absent}`");
    }
    // The screen-only detail stays off paper: the full KPI table's rows.
    assert!(!text.contains("Weeks of holding: preparing for change"));
}
