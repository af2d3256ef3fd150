//! The one look of every figure: the embedded DejaVu Sans (registered once with
//! plotters, so PNGs need no system fonts; SVGs carry its glyph outlines, see
//! [`super::svg`]), the Okabe–Ito colour-blind-safe palette, text sizes, a pixel scale
//! (SVG at 1×, PNG at 2×), and the small layout helpers every figure shares: header,
//! wrapping text (never cut short), notes, axis ranges and tick steps (the labels
//! themselves are written by [`crate::numbers`]).

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

use crate::numbers::{self, Shown};

/// The font family every text element uses (and the one the HTML report embeds).
pub const FAMILY: &str = "DejaVu Sans";

/// Standard figure size in CSS pixels (the SVG's size; the PNG is [`PNG_SCALE`]× this).
pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 500;
/// PNGs are drawn at twice the SVG's pixel size so they stay sharp on slides.
pub const PNG_SCALE: u32 = 2;

/// Okabe–Ito: distinguishable under the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x00, 0x00, 0x00), // black
];

/// Colour of the `i`-th scenario (the baseline is 0), the same in every figure.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub const TEXT: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
pub const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
pub const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
pub const AXIS: RGBColor = RGBColor(0x70, 0x70, 0x70);
pub const WARMUP: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);

/// Text sizes in plotters units (its SVG writes `font-size` = size / 1.24, so a title
/// of 27 is ~22 px and a label of 20 is ~16 px in the SVG).
pub const TITLE: f64 = 27.0;
pub const SUBTITLE: f64 = 17.5;
pub const PANEL_TITLE: f64 = 19.0;
pub const LABEL: f64 = 19.5;
pub const TICK: f64 = 17.5;
pub const LEGEND: f64 = 18.5;
pub const NOTE: f64 = 16.5;

/// Registers DejaVu Sans (regular and bold) with plotters, once per process. Also
/// under "sans-serif", plotters' default family, so a text style left at its default
/// still renders with the embedded font instead of failing.
pub fn register_fonts() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        [FAMILY, "sans-serif"].iter().all(|family| {
            register_font(family, FontStyle::Normal, dejavu::sans::regular()).is_ok()
                && register_font(family, FontStyle::Bold, dejavu::sans::bold()).is_ok()
        })
    });
    anyhow::ensure!(ok, "the embedded DejaVu Sans font could not be loaded");
    Ok(())
}

/// The pixel scale of one rendering: sizes are given in SVG pixels and multiplied.
#[derive(Clone, Copy, Debug)]
pub struct Scale(pub f64);

impl Scale {
    pub const SVG: Scale = Scale(1.0);
    pub const PNG: Scale = Scale(PNG_SCALE as f64);

    pub fn px(self, v: f64) -> i32 {
        (v * self.0).round() as i32
    }

    pub fn upx(self, v: f64) -> u32 {
        (v * self.0).round().max(0.0) as u32
    }

    pub fn font(self, size: f64) -> TextStyle<'static> {
        (FAMILY, size * self.0).into_font().color(&TEXT)
    }

    pub fn bold(self, size: f64) -> TextStyle<'static> {
        (FAMILY, size * self.0, FontStyle::Bold)
            .into_font()
            .color(&TEXT)
    }

    pub fn muted(self, size: f64) -> TextStyle<'static> {
        self.font(size).color(&MUTED)
    }

    /// A line style of `width` SVG pixels.
    pub fn line(self, colour: impl Color, width: f64) -> ShapeStyle {
        colour.stroke_width(self.upx(width).max(1))
    }
}

/// A chart with plain numeric axes, as every figure draws on.
pub type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Left-anchored, vertically centred text style.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Draws text at an absolute backend coordinate on any area of the same backend.
pub fn text_abs<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    abs: (i32, i32),
) -> DrawResult<DB> {
    let (xr, yr) = area.get_pixel_range();
    area.draw_text(text, style, (abs.0 - xr.start, abs.1 - yr.start))
}

/// An absolute backend coordinate relative to `area`.
pub fn relative<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, abs: (i32, i32)) -> (i32, i32) {
    let (xr, yr) = area.get_pixel_range();
    (abs.0 - xr.start, abs.1 - yr.start)
}

/// Absolute backend coordinates made relative to `area` (see [`relative`]).
fn relative_all<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
) -> Vec<(i32, i32)> {
    points.iter().map(|&p| relative(area, p)).collect()
}

/// Draws a polyline given in absolute backend coordinates on `area`.
pub fn path_abs<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    style: ShapeStyle,
) -> DrawResult<DB> {
    area.draw(&PathElement::new(relative_all(area, points), style))
}

/// Fills a polygon given in absolute backend coordinates on `area`.
pub fn polygon_abs<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    style: ShapeStyle,
) -> DrawResult<DB> {
    area.draw(&Polygon::new(relative_all(area, points), style))
}

/// Text width in backend pixels (0 if the font cannot measure it).
pub fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> i32 {
    area.estimate_text_size(text, style)
        .map(|(w, _)| w as i32)
        .unwrap_or(0)
}

/// Width of `text` at `size` in SVG pixels, measured outside any drawing (an
/// estimate from the character count if the font is unavailable).
pub fn measure(text: &str, size: f64) -> f64 {
    let measured = register_fonts()
        .ok()
        .and_then(|()| (FAMILY, size).into_font().box_size(text).ok());
    match measured {
        Some((w, _)) => f64::from(w),
        None => text.chars().count() as f64 * size * 0.55,
    }
}

/// Splits `text` into lines no wider than `max` (as `width` measures it), at spaces,
/// breaking inside a word only when the word alone is too wide. Nothing is dropped
/// or shortened: a long option name or title reads in full, over several lines.
pub fn wrap_by(text: &str, max: i32, width: impl Fn(&str) -> i32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word on a line of its own, cut between characters if it must be.
        for ch in word.chars() {
            let longer = format!("{line}{ch}");
            if !line.is_empty() && width(&longer) > max {
                lines.push(std::mem::take(&mut line));
                line.push(ch);
            } else {
                line = longer;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` wrapped to `max` backend pixels in `style` (see [`wrap_by`]).
pub fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max: i32,
) -> Vec<String> {
    wrap_by(text, max.max(1), |t| text_width(area, t, style))
}

/// How many lines `text` takes at `size` in `max` SVG pixels, measured outside any
/// drawing (to size a figure before it is drawn).
pub fn lines_needed(text: &str, size: f64, max: f64) -> usize {
    wrap_by(text, max.max(1.0) as i32, |t| {
        measure(t, size).ceil() as i32
    })
    .len()
}

/// Draws `lines` one under another from `(x, y)` (the style's anchor), `line_h`
/// apart; returns the height used.
pub fn draw_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[String],
    style: &TextStyle,
    (x, y): (i32, i32),
    line_h: i32,
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    for (i, line) in lines.iter().enumerate() {
        area.draw_text(line, style, (x, y + line_h * i as i32))?;
    }
    Ok(line_h * lines.len() as i32)
}

/// Fills the background and draws the title (bold) and the subtitle, each wrapped
/// onto as many lines as it needs (none when `title` is `None`: `--no-title`, for a
/// journal that sets its own caption); returns the area below them.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    title: Option<(&str, &str)>,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let Some((title, subtitle)) = title else {
        return Ok(root.margin(s.px(8.0), 0, 0, 0));
    };
    let (w, _) = root.dim_in_pixel();
    let left = s.px(16.0);
    let max = w as i32 - 2 * left;
    let title_style = anchored(s.bold(TITLE), HPos::Left, VPos::Top);
    let lines = wrap(root, title, &title_style, max);
    let mut used = s.px(10.0);
    used += draw_lines(root, &lines, &title_style, (left, used), s.px(TITLE * 1.05))?;
    if !subtitle.is_empty() {
        let sub_style = anchored(s.muted(SUBTITLE), HPos::Left, VPos::Top);
        let lines = wrap(root, subtitle, &sub_style, max);
        used += draw_lines(
            root,
            &lines,
            &sub_style,
            (left, used + s.px(2.0)),
            s.px(SUBTITLE * 1.1),
        )? + s.px(4.0);
    }
    let (_, rest) = root.split_vertically(used + s.px(4.0));
    Ok(rest)
}

/// Height in SVG pixels the header takes at `width` (see [`header`]).
pub fn header_height(title: Option<(&str, &str)>, width: f64) -> f64 {
    let Some((title, subtitle)) = title else {
        return 8.0;
    };
    let max = width - 32.0;
    let mut h = 14.0 + lines_needed(title, TITLE, max) as f64 * TITLE * 1.05;
    if !subtitle.is_empty() {
        h += 6.0 + lines_needed(subtitle, SUBTITLE, max) as f64 * SUBTITLE * 1.1;
    }
    h
}

/// How a legend entry's key is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A filled dot (point estimates, strips).
    Dot,
}

/// A legend key 26 px wide, vertically centred on `yc`, starting at `x`.
pub fn draw_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    c: RGBColor,
    key: Key,
    (x, yc): (i32, i32),
) -> DrawResult<DB> {
    match key {
        Key::Dot => area.draw(&Circle::new((x + s.px(13.0), yc), s.upx(6.0), c.filled())),
    }
}

/// Opacity of the 90% and 50% bands (they overlay, so the 50% band shows both).
pub const BAND_90: f64 = 0.16;
pub const BAND_50: f64 = 0.24;

/// A grey note centred in `area` (for "undefined" and "no data").
pub fn centred_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    text: &str,
) -> DrawResult<DB> {
    let (w, h) = area.dim_in_pixel();
    let style = anchored(s.muted(NOTE), HPos::Center, VPos::Center);
    let lines = wrap(area, text, &style, w as i32 - s.px(8.0));
    let line_h = s.px(NOTE * 1.3);
    let top = h as i32 / 2 - line_h * (lines.len() as i32 - 1) / 2;
    draw_lines(area, &lines, &style, (w as i32 / 2, top), line_h).map(|_| ())
}

/// An axis range around `[lo, hi]` with `pad` (a fraction of the span) on each side,
/// never empty, never NaN. With `floor_zero` a non-negative quantity's axis starts at
/// zero when that no more than doubles the span, and never goes below zero.
pub fn axis_range(lo: f64, hi: f64, pad: f64, floor_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1e-300) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        if floor_zero && lo >= 0.0 {
            return (0.0, (hi + d).max(hi * 1.1));
        }
        return (lo - d, hi + d);
    }
    let nonneg = lo >= 0.0;
    if floor_zero && nonneg && lo <= hi - lo {
        lo = 0.0;
    }
    let span = hi - lo;
    hi += pad * span;
    if !(floor_zero && nonneg && lo == 0.0) {
        lo -= pad * span;
        if floor_zero && nonneg {
            lo = lo.max(0.0);
        }
    }
    (lo, hi)
}

/// The width in backend pixels of the widest tick label on an axis over `(lo, hi)`
/// stepping by `step`, so the label area can be sized to fit it.
pub fn widest_tick<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &TextStyle,
    (lo, hi): (f64, f64),
    step: f64,
    shown: Shown,
) -> i32 {
    (0..=((hi - lo) / step).floor() as i64 + 1)
        .map(|k| ((lo / step).ceil() + k as f64) * step)
        .filter(|v| *v <= hi)
        .map(|v| text_width(area, &numbers::tick(v, step, shown), style))
        .max()
        .unwrap_or(0)
}

/// Extends a range downwards by `frac` of its span, so marks at its lower end (zeros,
/// mostly) sit clear of the axis line; no tick appears below the old start as long as
/// `frac` is well under a tick step.
pub fn pad_below((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    (lo - frac * (hi - lo), hi)
}

/// The tick step plotters will use for `max_ticks` ticks over `[lo, hi]`: the smallest
/// 1, 2 or 5 × 10^k giving at most that many ticks.
pub fn tick_step(lo: f64, hi: f64, max_ticks: usize) -> f64 {
    let span = (hi - lo).abs();
    if !span.is_finite() || span == 0.0 || max_ticks < 2 {
        return 1.0;
    }
    let mut k = (span / max_ticks as f64).log10().floor() as i32 - 1;
    loop {
        for m in [1.0, 2.0, 5.0] {
            let step = m * 10f64.powi(k);
            if ((span / step).floor() as usize) < max_ticks {
                return step;
            }
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_never_empty_or_nan() {
        assert_eq!(axis_range(0.0, 0.0, 0.05, true), (0.0, 1.0));
        assert_eq!(axis_range(f64::NAN, 1.0, 0.05, true), (0.0, 1.05));
        let (lo, hi) = axis_range(5.0, 5.0, 0.05, false);
        assert!(lo < 5.0 && hi > 5.0);
        let (lo, hi) = axis_range(170.0, 180.0, 0.1, true);
        assert!(lo > 150.0 && hi > 180.0, "{lo} {hi}");
        assert_eq!(axis_range(0.2, 0.4, 0.05, true).0, 0.0);
    }

    /// Wrapping keeps every character: the lines joined give the words back, no line
    /// is wider than allowed unless it is a single character, and a word too long for
    /// a line is broken rather than cut.
    #[test]
    fn wrapping_keeps_every_word_and_respects_the_width() {
        let width = |t: &str| 10 * t.chars().count() as i32;
        let text = "Supported: training, 2 h  supervision a month, caseload cap";
        let lines = wrap_by(text, 120, width);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l) <= 120), "{lines:?}");
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(lines.join(" ").split(' ').collect::<Vec<_>>(), words);
        let long = wrap_by("abcdefghijklmnop", 50, width);
        assert_eq!(long, ["abcde", "fghij", "klmno", "p"]);
        assert_eq!(wrap_by("", 50, width), [""]);
        assert_eq!(wrap_by("x", 1, width), ["x"]);
    }

    /// Tick labels themselves are `numbers::tick`'s (tested there); this is the step.
    #[test]
    fn tick_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(tick_step(0.0, 1.0, 6), 0.2);
        assert_eq!(tick_step(0.0, 20000.0, 6), 5000.0);
        assert_eq!(tick_step(0.0, 0.0, 6), 1.0);
    }
}
