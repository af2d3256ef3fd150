//! Results on disk. Every data table is made as typed rows and written (or read)
//! through [`table`], in CSV or Parquet; [`tables`] makes holdsim's tables; the
//! [`atomic`] module puts them in place so an interrupted run leaves nothing
//! half-written. [`workbook`] makes the spreadsheet of a run or a comparison.

pub mod atomic;
pub mod folder;
pub mod interrupt;
pub mod number;
pub mod parquet;
pub mod table;
pub mod tables;
pub mod terminal;
pub mod workbook;

/// A number for a CSV field: shortest round-trip text, empty when undefined.
pub fn field(x: Option<f64>) -> String {
    let mut out = Vec::new();
    write_number(&mut out, x);
    String::from_utf8_lossy(&out).into_owned()
}

/// The one number formatter for data files: appends Rust's shortest round-trip text
/// (`{}`: `1`, `0.0000001`, never `1.0` or `1e-7`) to `out`, nothing when undefined
/// or not finite. Writing into the caller's buffer costs no allocation per value.
///
/// Most values in the time series are whole (counts of people and posts), and for a
/// whole number below 2^53 the shortest round-trip text is its integer digits, so
/// those are written as an integer, several times faster than the float algorithm
/// (`-0` keeps its sign; the golden test and `whole_numbers_take_the_integer_path`
/// pin the text to `{}`). Other values go through [`number::write_shortest`], which
/// gives `{}`'s text several times faster than the formatting machinery.
#[inline]
pub fn write_number(out: &mut Vec<u8>, x: Option<f64>) {
    match x {
        Some(v) if !is_whole(v) && v.is_finite() => number::write_shortest(out, v),
        _ => write_number_with(out, x, None),
    }
}

/// [`write_number`] with this thread's recent texts already at hand (a row of
/// numbers takes them once: see [`number::with_recent`]).
#[inline]
pub fn write_number_with(out: &mut Vec<u8>, x: Option<f64>, recent: Option<&mut number::Recent>) {
    let Some(v) = x else { return };
    if v.to_bits() == 0 {
        // Positive zero, the commonest value of a time series' flows.
        out.push(b'0');
    } else if is_whole(v) {
        write_integer(out, v as i64);
    } else if v.is_finite() {
        match recent {
            Some(recent) => recent.write(out, v),
            None => number::write_shortest(out, v),
        }
    }
}

/// [`write_number`] of a defined value (NaN and infinities are written as nothing),
/// this thread's recent texts at hand: the time series' inner loop.
#[inline(always)]
pub fn write_value(out: &mut Vec<u8>, v: f64, recent: &mut number::Recent) {
    if v.to_bits() == 0 {
        out.push(b'0');
    } else if is_whole(v) {
        write_integer(out, v as i64);
    } else if v.is_finite() {
        recent.write(out, v);
    }
}

/// Whether `v` is a whole number below 2^53 (every one is exactly an i64), but `-0`
/// (which keeps its sign as text).
#[inline]
fn is_whole(v: f64) -> bool {
    /// 2^53.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    // A saturating cast and back: cheaper than `fract`, false for fractions, NaN and
    // infinities.
    (v as i64) as f64 == v && v.abs() < EXACT && !(v == 0.0 && v.is_sign_negative())
}

/// Appends the decimal digits of `n` (as `{}` writes them), without the formatting
/// machinery's padding and width handling: counts are most of a time series' cells.
/// Single digits, the commonest counts, are one push; others go through `itoa` (two
/// digits at a time, already built for `serde_json`; measured faster than pushing
/// digit by digit even for two- and three-digit counts).
#[inline]
pub fn write_integer(out: &mut Vec<u8>, n: i64) {
    if let Ok(digit) = u8::try_from(n)
        && digit < 10
    {
        out.push(b'0' + digit);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }
}

/// Creates the folder `path` (a `plots/` beside results) if it is not there yet, but
/// never its parent: inside a staging folder that Ctrl-C has just removed
/// (`interrupt`), `create_dir_all` would make the staging folder again and leave it
/// behind when the process exits.
pub fn create_subfolder(path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    match std::fs::create_dir(path) {
        Err(e) if !(e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir()) => {
            Err(e).with_context(|| format!("cannot create `{}`", path.display()))
        }
        _ => Ok(()),
    }
}

/// The current time in UTC as `YYYY-MM-DDTHH:MM:SSZ` (for manifests and reports).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_from_unix(secs)
}

/// Civil UTC date-time of a Unix time (Howard Hinnant's days-to-civil algorithm).
pub fn utc_from_unix(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_numbers_are_pinned_to_rusts_shortest_round_trip_text() {
        // Golden table, written by hand: every CSV number holdsim writes must keep
        // this exact text (a faster formatter must reproduce it byte for byte).
        let golden: [(f64, &str); 20] = [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-1.0, "-1"),
            (0.1, "0.1"),
            (0.30000000000000004, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (1e-7, "0.0000001"),
            (1.5e-10, "0.00000000015"),
            (1e20, "100000000000000000000"),
            (123456789.0, "123456789"),
            (9007199254740993.0, "9007199254740992"),
            (1e15 + 0.5, "1000000000000000.5"),
            (2.5, "2.5"),
            (0.0961499493414386, "0.0961499493414386"),
            (175.25, "175.25"),
            (f64::NAN, ""),
            (f64::INFINITY, ""),
            (f64::NEG_INFINITY, ""),
        ];
        for (x, text) in golden {
            assert_eq!(field(Some(x)), text, "{x:e}");
        }
        assert_eq!(field(None), "");
        // The time series' row writer, twice (the second time from kept texts).
        let (values, texts): (Vec<f64>, Vec<&str>) = golden.into_iter().unzip();
        let mut rows = table::CsvRows::new();
        for _ in 0..2 {
            rows.write_numbers(&[3], &values).unwrap();
        }
        let line = format!("3,{}\n", texts.join(","));
        assert_eq!(rows.as_str(), line.repeat(2));
        // The extremes, spelt out digit by digit: 5e-324 is 323 zeros after the point
        // then 5; f64::MAX is 1.7976931348623157e308, 309 digits before the point.
        let tiny = format!("0.{}5", "0".repeat(323));
        let huge = format!("17976931348623157{}", "0".repeat(292));
        assert_eq!(field(Some(5e-324)), tiny);
        assert_eq!(field(Some(f64::MAX)), huge);
    }

    #[test]
    fn whole_numbers_take_the_integer_path() {
        // Whole numbers around every power of two up to 2^53 and beyond, both signs,
        // and their neighbours: the fast path must give `{}`'s text exactly.
        let mut values = vec![0.0, -0.0, 0.5, -0.5, 1e-300, 4503599627370495.5];
        for e in 0..=60 {
            let p = 2f64.powi(e);
            for v in [p - 1.0, p, p + 1.0, p * 10.0, p / 3.0] {
                values.extend([v, -v, v.floor(), -v.floor()]);
            }
        }
        for v in values {
            assert_eq!(field(Some(v)), format!("{v}"), "{v:e}");
        }
        for n in [
            0,
            1,
            -1,
            9,
            10,
            -10,
            99,
            100,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            let mut text = Vec::new();
            write_integer(&mut text, n);
            assert_eq!(text, n.to_string().as_bytes());
        }
    }

    #[test]
    fn utc_dates() {
        assert_eq!(super::utc_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::utc_from_unix(1_795_467_600), "2026-11-23T21:00:00Z");
    }
}
