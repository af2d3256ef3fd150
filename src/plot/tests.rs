//! Figures from small synthetic results: files written, names and axis titles in the
//! SVG, PNG sizes, and no panic on degenerate data.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;
use crate::kpi::ALL_KPIS;
use crate::results::Table;

const SERIES: [&str; 9] = [
    "lw_active",
    "lw_sick_leave",
    "lw_vacant",
    "strain_mean",
    "queued",
    "holding",
    "holding_waiting",
    "holding_preparing",
    "holding_witnessing",
];

/// A run of `reps` replications × `weeks` weeks; `ts(rep, week, series)` and
/// `kpi(rep, kpi)` give the values (`None` = undefined).
fn synthetic(
    name: &str,
    reps: usize,
    weeks: usize,
    ts: impl Fn(usize, usize, usize) -> Option<f64>,
    kpi: impl Fn(usize, usize) -> Option<f64>,
) -> RunResults {
    let mut timeseries = Table {
        columns: ["replication", "week", "start_day", "days"]
            .iter()
            .chain(SERIES.iter())
            .map(|s| s.to_string())
            .collect(),
        rows: Vec::new(),
    };
    for r in 0..reps {
        for w in 0..weeks {
            let mut row = vec![
                Some(r as f64),
                Some(w as f64),
                Some(7.0 * w as f64),
                Some(7.0),
            ];
            row.extend((0..SERIES.len()).map(|s| ts(r, w, s)));
            timeseries.rows.push(row);
        }
    }
    let mut replications = Table {
        columns: ["replication".to_string(), "patient_days".to_string()]
            .into_iter()
            .chain(ALL_KPIS.iter().map(|k| k.name().to_string()))
            .collect(),
        rows: Vec::new(),
    };
    for r in 0..reps {
        let mut row = vec![Some(r as f64), Some(1000.0)];
        row.extend((0..ALL_KPIS.len()).map(|k| kpi(r, k)));
        replications.rows.push(row);
    }
    RunResults {
        name: name.into(),
        title: name.into(),
        dir: PathBuf::from(name),
        manifest: json!({"name": name, "scenario": {"run": {"warmup_days": 70}}}),
        replications,
        timeseries,
    }
}

/// Plausible, varied data.
fn typical(name: &str, shift: f64, reps: usize) -> RunResults {
    synthetic(
        name,
        reps,
        60,
        |r, w, s| Some(((r * 7 + w * 3 + s) % 11) as f64 * 0.3 + shift + s as f64),
        |r, k| Some(((r * 5 + k) % 9) as f64 * 0.1 + shift),
    )
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// The SVG names no font and has no `<text>`: every glyph is a `<use>` of an
/// outline defined in the file, so it renders alike without DejaVu Sans installed.
fn assert_text_is_outlined(svg: &str, stem: &str) {
    assert!(!svg.contains("<text"), "{stem} has <text> elements");
    assert!(!svg.contains("font-family"), "{stem} names a font");
    assert!(
        svg.contains("<defs>") && svg.contains("<path id="),
        "{stem}"
    );
    // Every glyph used is defined in this file.
    for use_at in svg.match_indices("xlink:href=\"#").map(|(i, _)| i + 13) {
        let id = &svg[use_at..use_at + svg[use_at..].find('"').unwrap()];
        assert!(svg.contains(&format!("<path id=\"{id}\"")), "{stem}: {id}");
    }
}

fn check_written(runs: &[RunResults]) -> Vec<Figure> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plots");
    let figures = render_all(runs, &out).unwrap();
    let plots = standard_plots(runs);
    assert_eq!(figures.len(), plots.len());
    for (f, p) in figures.iter().zip(&plots) {
        assert_eq!(f.stem, p.stem);
        let svg = std::fs::read_to_string(out.join(format!("{}.svg", f.stem))).unwrap();
        assert!(svg.len() > 1000, "{}", f.stem);
        assert_eq!(svg, f.svg);
        assert_text_is_outlined(&svg, &f.stem);
        for run in runs {
            assert!(svg.contains(&run.name), "{} lacks {}", f.stem, run.name);
        }
        let png = out.join(format!("{}.png", f.stem));
        assert!(std::fs::metadata(&png).unwrap().len() > 1000);
        assert_eq!(png_size(&png), p.png_size(), "{}", f.stem);
        assert!(!f.caption.is_empty() && !f.title.is_empty());
    }
    // Nothing but the figures: no temporary files left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2 * figures.len(), "{names:?}");
    figures
}

#[test]
fn one_scenario_writes_every_figure() {
    let figures = check_written(&[typical("baseline", 0.0, 8)]);
    let stems: Vec<&str> = figures.iter().map(|f| f.stem.as_str()).collect();
    assert_eq!(
        stems,
        [
            "kpi_comparison",
            "fan_lw_active",
            "fan_lw_sick_leave",
            "fan_lw_vacant",
            "fan_strain_mean",
            "fan_queued",
            "fan_holding",
            "fan_holding_by_reason",
            "distribution_exits_per_post_year",
            "distribution_wait_mean_days",
        ]
    );
}

#[test]
fn three_scenarios_share_axes_and_name_each_scenario() {
    let runs = [
        typical("baseline", 0.0, 12),
        typical("supported", 0.5, 12),
        typical("pressured", 2.0, 12),
    ];
    let figures = check_written(&runs);
    let svg = |stem: &str| &figures.iter().find(|f| f.stem == stem).unwrap().svg;
    assert!(svg("fan_lw_active").contains("years since start"));
    assert!(svg("fan_lw_active").contains("posts at work"));
    assert!(svg("fan_lw_active").contains("start-up"));
    assert!(figures[1].caption.contains("start-up"));
    assert!(svg("fan_holding_by_reason").contains("Ongoing distress"));
    let k = svg("kpi_comparison");
    for kpi in Kpi::headlines() {
        assert!(k.contains(&kpis::axis_title(kpi)), "{kpi:?}");
    }
    assert!(svg("distribution_wait_mean_days").contains("days"));
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Vec<RunResults>> = vec![
        // One replication: no CI, bands collapse onto the median.
        vec![typical("single", 0.0, 1)],
        // All values equal (zero), every week and KPI.
        vec![synthetic(
            "flat",
            5,
            20,
            |_, _, _| Some(0.0),
            |_, _| Some(0.0),
        )],
        vec![synthetic(
            "flat3",
            5,
            20,
            |_, _, _| Some(3.0),
            |_, _| Some(3.0),
        )],
        // Undefined weeks (gaps), NaN values, a KPI undefined everywhere.
        vec![
            synthetic(
                "gappy",
                4,
                30,
                |r, w, s| match (w % 7, s) {
                    (3 | 4, _) => None,
                    (5, 3) => Some(f64::NAN),
                    _ => Some((r + w) as f64),
                },
                |r, k| (k % 2 == 0).then_some(r as f64).filter(|_| r > 0),
            ),
            synthetic("undefined", 4, 30, |_, _, _| None, |_, _| None),
        ],
        // No weeks and no replications at all.
        vec![synthetic("empty", 0, 0, |_, _, _| None, |_, _| None)],
        // A single week; a week defined in one isolated spot.
        vec![synthetic(
            "oneweek",
            3,
            1,
            |r, _, _| Some(r as f64),
            |r, _| Some(r as f64),
        )],
        vec![synthetic(
            "isolated",
            3,
            9,
            |_, w, _| (w == 4).then_some(1.0),
            |_, _| Some(1.0),
        )],
        // Huge values, negative values, many scenarios with long names.
        (0..9)
            .map(|i| {
                synthetic(
                    &format!("a-very-long-scenario-name-number-{i}-with-extra-words"),
                    3,
                    10,
                    move |r, w, _| Some(1e7 * (r + w + i) as f64 - 3e6),
                    move |r, _| Some(-1e6 + (r * i) as f64 * 1e5),
                )
            })
            .collect(),
    ];
    for (i, runs) in cases.iter().enumerate() {
        let out = dir.path().join(format!("case{i}"));
        let figures = render_all(runs, &out).unwrap_or_else(|e| panic!("case {i}: {e:#}"));
        assert!(!figures.is_empty());
        for f in &figures {
            let png = out.join(format!("{}.png", f.stem));
            assert!(png_size(&png).0 > 0, "case {i}: {}", f.stem);
        }
    }
    // Results without time series columns: the fan charts are left out.
    let mut bare = typical("bare", 0.0, 3);
    bare.timeseries = Table::default();
    let figures = render_all(&[bare], &dir.path().join("bare")).unwrap();
    assert_eq!(figures.len(), 3);
    assert!(render_all(&[], &dir.path().join("none")).is_err());
}

#[test]
fn an_undefined_kpi_says_so() {
    let run = synthetic("nowait", 4, 10, |_, _, _| Some(1.0), |_, _| None);
    let svg = distribution(std::slice::from_ref(&run), Kpi::WaitMeanDays)
        .svg()
        .unwrap();
    assert!(svg.contains("undefined in every run"));
    let svg = kpi_comparison(&[run], &Kpi::headlines()).svg().unwrap();
    assert!(svg.contains("undefined in every run"));
}

/// The texts drawn in an SVG, in drawing order (each run of glyphs keeps its text as
/// `aria-label`).
fn drawn_texts(svg: &str) -> Vec<String> {
    svg.match_indices("<g aria-label=\"")
        .map(|(i, m)| {
            let start = i + m.len();
            let end = start + svg[start..].find('"').unwrap();
            svg[start..end]
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        })
        .collect()
}

fn svg_size(svg: &str) -> (u32, u32) {
    let attr = |name: &str| {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[start..start + svg[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    (attr("width"), attr("height"))
}

#[test]
fn width_height_and_no_title_are_obeyed() {
    let runs = [typical("baseline", 0.0, 6), typical("other", 1.0, 6)];
    let dir = tempfile::tempdir().unwrap();
    let look = Look {
        width: Some(640),
        height: Some(480),
        no_title: true,
        ..Look::default()
    };
    let out = dir.path().join("sized");
    let figures = render_all_with(&runs, &out, &look).unwrap();
    for f in &figures {
        assert_eq!(svg_size(&f.svg), (640, 480), "{}", f.stem);
        let png = out.join(format!("{}.png", f.stem));
        assert_eq!(
            png_size(&png),
            (640 * style::PNG_SCALE, 480 * style::PNG_SCALE)
        );
        assert!(
            !drawn_texts(&f.svg).contains(&f.title),
            "{} drew its title",
            f.stem
        );
    }
    // By default the title is drawn, and a width alone keeps each figure's own height.
    let out = dir.path().join("default");
    let figures = render_all_with(&runs, &out, &Look::default()).unwrap();
    let narrow = Look {
        width: Some(500),
        ..Look::default()
    };
    let narrow_figures = render_all_with(&runs, &dir.path().join("narrow"), &narrow).unwrap();
    for (f, n) in figures.iter().zip(&narrow_figures) {
        assert!(
            drawn_texts(&f.svg).contains(&f.title),
            "{} lacks its title",
            f.stem
        );
        assert_eq!(svg_size(&f.svg).0, style::WIDTH);
        assert_eq!(svg_size(&n.svg).0, 500);
        assert!(svg_size(&n.svg).1 >= 200, "{}", n.stem);
    }
}

#[test]
fn a_200_character_title_appears_whole_in_every_figure() {
    let long = "Supported team with holding training, two hours of clinical supervision a month, a caseload cap of thirty patients, a twelve-week boundary on holding and a fourth link worker hired in the second year of the five-year run";
    assert!(long.chars().count() >= 200);
    let mut other = typical("supported", 0.5, 6);
    other.title = long.to_string();
    let runs = [typical("baseline", 0.0, 6), other];
    let dir = tempfile::tempdir().unwrap();
    let figures = render_all(&runs, &dir.path().join("plots")).unwrap();
    for f in &figures {
        let texts = drawn_texts(&f.svg);
        assert!(
            texts.iter().all(|t| !t.contains('…')),
            "{} shortens a text",
            f.stem
        );
        // Wrapped lines are drawn one after another, so joined they give the title.
        assert!(
            texts.join(" ").contains(long),
            "{} lacks the whole title",
            f.stem
        );
        assert!(
            texts.iter().all(|t| t.len() < long.len()),
            "{} draws the title on one line",
            f.stem
        );
    }
}

#[test]
fn labels_rename_options_and_axis_titles() {
    let runs = [typical("baseline", 0.0, 6), typical("other", 1.0, 6)];
    let dir = tempfile::tempdir().unwrap();
    let labels = Labels::parse(&[
        "baseline=Current team".into(),
        "years since start = Years".into(),
        "vacant posts=Posts vacant".into(),
    ])
    .unwrap();
    let look = Look {
        labels,
        ..Look::default()
    };
    let figures = render_all_with(&runs, &dir.path().join("plots"), &look).unwrap();
    let vacant = drawn_texts(
        &figures
            .iter()
            .find(|f| f.stem == "fan_lw_vacant")
            .unwrap()
            .svg,
    );
    for (new, old) in [
        ("Current team", "baseline"),
        ("Years", "years since start"),
        ("Posts vacant", "vacant posts"),
    ] {
        assert!(vacant.iter().any(|t| t == new), "{new} missing");
        assert!(!vacant.iter().any(|t| t == old), "{old} still drawn");
    }
    let kpi = &figures.iter().find(|f| f.stem == "kpi_comparison").unwrap();
    assert!(drawn_texts(&kpi.svg).iter().any(|t| t == "Current team"));
    assert!(kpi.caption.contains("Current team"));

    // A key that matches nothing is named in a usage error (exit 2).
    let look = Look {
        labels: Labels::parse(&["nosuch=x".into()]).unwrap(),
        ..Look::default()
    };
    let err = render_all_with(&runs, &dir.path().join("bad"), &look).unwrap_err();
    assert!(err.to_string().contains("`nosuch`"), "{err}");
    assert!(err.downcast_ref::<crate::error::UsageError>().is_some());
    for bad in ["novalue", "=text", "key=", "a=1"] {
        let args = if bad == "a=1" {
            vec!["a=1".to_string(), "a=2".to_string()]
        } else {
            vec![bad.to_string()]
        };
        assert!(Labels::parse(&args).is_err(), "{bad}");
    }
}

#[test]
fn kpi_axes_start_at_zero() {
    // Every KPI between 100 and 101: a cut axis would start near 100.
    let runs = [synthetic(
        "high",
        6,
        10,
        |_, _, _| Some(1.0),
        |r, _| Some(100.0 + r as f64 * 0.2),
    )];
    let svg = kpi_comparison(&runs, &Kpi::headlines()).svg().unwrap();
    let texts = drawn_texts(&svg);
    assert!(texts.iter().any(|t| t == "0"), "no zero tick: {texts:?}");
    let svg = distribution(&runs, Kpi::ExitsPerPostYear).svg().unwrap();
    assert!(drawn_texts(&svg).iter().any(|t| t == "0"));
}

#[test]
fn fans_are_small_multiples_with_the_baseline_in_every_other_panel() {
    let runs = [
        typical("baseline", 0.0, 8),
        typical("second", 0.5, 8),
        typical("third", 1.0, 8),
    ];
    let plot = fan_chart(&runs, &fan::MEASURES[2]).unwrap();
    let svg = plot.svg().unwrap();
    let texts = drawn_texts(&svg);
    for run in &runs {
        assert_eq!(
            texts.iter().filter(|t| **t == run.name).count(),
            1,
            "{} titles one panel",
            run.name
        );
    }
    // The baseline's line (muted, dark) is drawn in the two other panels.
    let reference = svg
        .lines()
        .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#1A1A1A\""))
        .count();
    assert!(reference >= 2, "{reference} baseline lines");
    // Posts are whole numbers: the line is the mean, and the legend says so.
    assert!(texts.iter().any(|t| t == "mean") && !texts.iter().any(|t| t == "median"));
    assert!(plot.caption.contains("mean across runs, not the median"));
    let queue = fan_chart(&runs, &fan::MEASURES[5]).unwrap().svg().unwrap();
    assert!(drawn_texts(&queue).iter().any(|t| t == "median"));
}

/// Any width and any height the size check lets through draws without a panic, and
/// a smaller height is refused naming the figure.
#[test]
fn every_allowed_size_draws() {
    let runs = [
        typical("baseline", 0.0, 4),
        typical("second", 0.5, 4),
        typical("third", 1.0, 4),
        typical("fourth", 1.5, 4),
    ];
    let dir = tempfile::tempdir().unwrap();
    for width in [200, 320, 600, 1500, 4000] {
        let look = Look {
            width: Some(width),
            ..Look::default()
        };
        for mut plot in standard_plots(&runs) {
            plot.restyle(&look).unwrap();
            let least = (f64::from(plot.size.1) * MIN_HEIGHT_SHARE).ceil() as u32;
            for height in [least, least + 37, 4000] {
                let sized = Look {
                    width: Some(width),
                    height: Some(height),
                    no_title: height % 2 == 0,
                    ..Look::default()
                };
                let mut p = plot.clone();
                p.restyle(&sized).unwrap();
                let svg = p
                    .svg()
                    .unwrap_or_else(|e| panic!("{} {width}×{height}: {e}", p.stem));
                assert_eq!(svg_size(&svg), (width, height));
                if width <= 600 && height == least {
                    // The PNG's pixels are rounded at twice the scale: drawn too.
                    let png = dir.path().join(format!("{}-{width}.png", p.stem));
                    p.write_png(&png).unwrap();
                    assert_eq!(png_size(&png), p.png_size());
                }
            }
            let too_small = Look {
                width: Some(width),
                height: Some(least - 1),
                ..Look::default()
            };
            let err = plot.clone().restyle(&too_small).unwrap_err();
            assert!(err.0.contains(&plot.stem), "{}", err.0);
        }
    }
}
