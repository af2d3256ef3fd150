//! An SVG drawing backend whose text is the outlines of the embedded DejaVu Sans glyphs,
//! not `<text>` elements naming a font. A journal, a slide deck or a browser without
//! DejaVu Sans would otherwise substitute another font (other widths, so labels
//! overlap or spill); as paths the figure renders the same everywhere, and exactly as
//! its PNG, because both are laid out with the same glyph advances.
//!
//! Each glyph used is defined once, in font units, in `<defs>`, and every occurrence
//! is a `<use>` of it, which keeps a figure's SVG small. The text itself stays in the
//! file as each run's `aria-label` (screen readers and searches find it) and the
//! figure's `<title>` and `<desc>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve, Point, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle, FontTransform,
};

/// What can go wrong while drawing: only a glyph outline the font cannot give, or a
/// bitmap (which no figure draws).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SvgError(String);

/// The regular and bold faces, parsed once per process.
fn faces() -> Result<&'static (FontRef<'static>, FontRef<'static>), SvgError> {
    static FACES: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some((
                FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
            ))
        })
        .as_ref()
        .ok_or_else(|| SvgError("the embedded DejaVu Sans font could not be read".into()))
}

/// A number for SVG attributes: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').to_string()
    }
}

fn colour(c: BackendColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.rgb.0, c.rgb.1, c.rgb.2)
}

/// ` fill="…"` (or stroke) with its opacity when not opaque.
fn paint(kind: &str, c: BackendColor) -> String {
    let mut s = format!(" {kind}=\"{}\"", colour(c));
    if c.alpha < 1.0 {
        let _ = write!(s, " {kind}-opacity=\"{}\"", num(c.alpha));
    }
    s
}

fn stroke(style: &impl BackendStyle) -> String {
    format!(
        "{} stroke-width=\"{}\"",
        paint("stroke", style.color()),
        style.stroke_width()
    )
}

/// Text is escaped for SVG as for HTML: one function for both.
pub use crate::report::escape;

/// A glyph's outline as SVG path data in font units (y up), or `None` for a glyph
/// with no outline (a space). Coordinates are rounded to whole font units (1/2048
/// em, a hundredth of a pixel at label sizes) and written relative to the previous
/// point, which keeps them short.
fn glyph_path(font: &FontRef<'static>, id: GlyphId) -> Option<String> {
    let outline = font.outline(id)?;
    let mut d = String::new();
    let round = |p: Point| (p.x.round() as i32, p.y.round() as i32);
    // The pen (where relative coordinates start) and the last point drawn.
    let mut pen = (0, 0);
    let mut contour_start = (0, 0);
    let mut last: Option<(i32, i32)> = None;
    for curve in &outline.curves {
        let (start, command, points) = match *curve {
            OutlineCurve::Line(p0, p1) => (round(p0), 'l', vec![round(p1)]),
            OutlineCurve::Quad(p0, c, p2) => (round(p0), 'q', vec![round(c), round(p2)]),
            OutlineCurve::Cubic(p0, c1, c2, p3) => {
                (round(p0), 'c', vec![round(c1), round(c2), round(p3)])
            }
        };
        if last != Some(start) {
            if last.is_some() {
                // Closing returns the pen to where the contour began.
                d.push('z');
                pen = contour_start;
            }
            let _ = write!(d, "m{} {}", start.0 - pen.0, start.1 - pen.1);
            pen = start;
            contour_start = start;
        }
        d.push(command);
        for (i, p) in points.iter().enumerate() {
            if i > 0 {
                d.push(' ');
            }
            let _ = write!(d, "{} {}", p.0 - pen.0, p.1 - pen.1);
        }
        // In a relative curve every point is relative to the curve's start.
        pen = *points.last().expect("every curve has an end point");
        last = Some(pen);
    }
    (!d.is_empty()).then(|| d + "z")
}

/// Draws into a `String`, written when the drawing is presented (or dropped).
pub struct OutlinedSvg<'a> {
    target: &'a mut String,
    size: (u32, u32),
    /// Prefix of the glyph ids, unique per figure, so several figures inlined in one
    /// HTML page do not share ids.
    id_prefix: String,
    /// `<title>` and `<desc>`, already escaped.
    head: String,
    body: String,
    /// Glyphs used, by (bold, glyph id): their path data (`None` if blank).
    glyphs: BTreeMap<(bool, u16), Option<String>>,
    presented: bool,
}

impl<'a> OutlinedSvg<'a> {
    /// A drawing of `size` pixels; `name` makes the glyph ids unique (the figure's
    /// file stem), `title` and `desc` describe it for screen readers.
    pub fn new(
        target: &'a mut String,
        size: (u32, u32),
        name: &str,
        title: &str,
        desc: &str,
    ) -> Self {
        // A short prefix (every glyph use repeats it) from a hash of the name.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let id_prefix: String = (0..4)
            .map(|i| {
                let digit = (hash >> (i * 6)) % 36;
                char::from_digit(digit as u32, 36).unwrap_or('x')
            })
            .collect();
        let mut head = String::new();
        if !title.is_empty() {
            let _ = writeln!(head, "<title>{}</title>", escape(title));
        }
        if !desc.is_empty() {
            let _ = writeln!(head, "<desc>{}</desc>", escape(desc));
        }
        OutlinedSvg {
            target,
            size,
            id_prefix: format!("g{id_prefix}"),
            head,
            body: String::new(),
            glyphs: BTreeMap::new(),
            presented: false,
        }
    }

    fn glyph_id(&self, bold: bool, id: GlyphId) -> String {
        format!("{}{}{}", self.id_prefix, if bold { "b" } else { "r" }, id.0)
    }

    fn finish(&mut self) {
        if self.presented {
            return;
        }
        self.presented = true;
        let (w, h) = self.size;
        let _ = write!(
            self.target,
            "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" role=\"img\">\n{}<defs>\n",
            self.head
        );
        for (&(bold, id), d) in &self.glyphs {
            if let Some(d) = d {
                let _ = writeln!(
                    self.target,
                    "<path id=\"{}\" d=\"{d}\"/>",
                    self.glyph_id(bold, GlyphId(id))
                );
            }
        }
        self.target.push_str("</defs>\n");
        self.target.push_str(&self.body);
        self.target.push_str("</svg>\n");
    }
}

impl Drop for OutlinedSvg<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl DrawingBackend for OutlinedSvg<'_> {
    type ErrorType = SvgError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<SvgError>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<SvgError>> {
        self.finish();
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        (x, y): BackendCoord,
        c: BackendColor,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        if c.alpha > 0.0 {
            let _ = writeln!(
                self.body,
                "<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\"{}/>",
                paint("fill", c)
            );
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        (x1, y1): BackendCoord,
        (x2, y2): BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        if style.color().alpha > 0.0 {
            let _ = writeln!(
                self.body,
                "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\"{}/>",
                stroke(style)
            );
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        if style.color().alpha > 0.0 {
            let look = if fill {
                paint("fill", style.color())
            } else {
                format!(" fill=\"none\"{}", stroke(style))
            };
            let _ = writeln!(
                self.body,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{look}/>",
                x0.min(x1),
                y0.min(y1),
                (x1 - x0).abs(),
                (y1 - y0).abs()
            );
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        if style.color().alpha > 0.0 {
            let points = points(path);
            let _ = writeln!(
                self.body,
                "<polyline fill=\"none\"{} stroke-linejoin=\"round\" points=\"{points}\"/>",
                stroke(style)
            );
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        (x, y): BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        if style.color().alpha > 0.0 {
            let look = if fill {
                paint("fill", style.color())
            } else {
                format!(" fill=\"none\"{}", stroke(style))
            };
            let _ = writeln!(
                self.body,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{radius}\"{look}/>"
            );
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        if style.color().alpha > 0.0 {
            let _ = writeln!(
                self.body,
                "<polygon points=\"{}\"{}/>",
                points(vert),
                paint("fill", style.color())
            );
        }
        Ok(())
    }

    /// Text laid out as plotters lays it out for the PNG (the same glyph advances,
    /// kerning, box and anchor), each glyph a `<use>` of its outline.
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        (x, y): BackendCoord,
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        let c = style.color();
        if c.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let bold = matches!(style.style(), FontStyle::Bold);
        let faces = faces().map_err(DrawingErrorKind::DrawingError)?;
        let font = if bold { &faces.1 } else { &faces.0 };
        let size = style.size();
        let scaled = font.as_scaled(PxScale::from(size as f32));
        let k = f64::from(scaled.h_scale_factor());
        // Glyph origins in font units, as plotters advances them.
        let mut uses = Vec::new();
        let mut advance = 0.0f64;
        let mut prev: Option<GlyphId> = None;
        for ch in text.chars() {
            let id = font.glyph_id(ch);
            if let Some(p) = prev {
                advance += f64::from(font.kern_unscaled(p, id));
            }
            uses.push((id, advance));
            advance += f64::from(font.h_advance_unscaled(id));
            prev = Some(id);
        }
        let width = (advance * k) as i32;
        let height = (size / 1.24) as i32;
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let rotate = match style.transform() {
            FontTransform::None => "",
            FontTransform::Rotate90 => " rotate(90)",
            FontTransform::Rotate180 => " rotate(180)",
            FontTransform::Rotate270 => " rotate(270)",
        };
        let _ = write!(
            self.body,
            "<g aria-label=\"{}\" transform=\"translate({x} {y}){rotate} translate({} {}) scale({} {})\"{}>",
            escape(text),
            dx,
            num(size / 2.0 + f64::from(dy)),
            num_fine(k),
            num_fine(-k),
            paint("fill", c)
        );
        for (id, at) in uses {
            let d = self
                .glyphs
                .entry((bold, id.0))
                .or_insert_with(|| glyph_path(font, id));
            if d.is_none() {
                continue;
            }
            let href = self.glyph_id(bold, id);
            if at == 0.0 {
                let _ = write!(self.body, "<use xlink:href=\"#{href}\"/>");
            } else {
                let _ = write!(self.body, "<use xlink:href=\"#{href}\" x=\"{}\"/>", num(at));
            }
        }
        self.body.push_str("</g>\n");
        Ok(())
    }

    fn blit_bitmap(
        &mut self,
        _pos: BackendCoord,
        _size: (u32, u32),
        _src: &[u8],
    ) -> Result<(), DrawingErrorKind<SvgError>> {
        Err(DrawingErrorKind::DrawingError(SvgError(
            "bitmaps cannot be drawn in an SVG figure".into(),
        )))
    }
}

/// A scale factor (pixels per font unit, ~0.01) with enough digits to place the last
/// glyph of a long line within a tenth of a pixel.
fn num_fine(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn points(path: impl IntoIterator<Item = BackendCoord>) -> String {
    let mut s = String::new();
    for (i, (x, y)) in path.into_iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x},{y}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_with_holes_keep_every_contour() {
        let (regular, _) = faces().unwrap();
        let o = glyph_path(regular, regular.glyph_id('o')).unwrap();
        assert_eq!(o.matches('m').count(), 2, "{o}");
        assert_eq!(o.matches('z').count(), 2, "{o}");
        assert!(glyph_path(regular, regular.glyph_id(' ')).is_none());
    }

    #[test]
    fn numbers_are_short_and_text_is_escaped() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(-0.125), "-0.13");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
