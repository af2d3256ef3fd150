//! Data-file numbers: Rust's shortest round-trip text (`{}` of an `f64`), made
//! several times faster than the formatting machinery, because writing the time series
//! is mostly formatting its numbers.
//!
//! The shortest digits come from `zmij` (a Schubfach-style algorithm, already built
//! for `serde_json`); they are then laid out the way `{}` lays them out (never an
//! exponent: `0.0000001`, `100000000000000000000`). The one place the two disagree is
//! a tie: when the value lies exactly halfway between two shortest candidates, `zmij`
//! takes the even one and Rust the one further from zero (`233115890514796.125` is
//! `…796.13` in Rust); [`tie_above`] finds those exactly and takes Rust's.

/// Appends `{}`'s text of the finite `v` (`-0` for negative zero) to `out`.
pub fn write_shortest(out: &mut Vec<u8>, v: f64) {
    with_recent(|recent| recent.write(out, v));
}

/// Runs `f` with this thread's [`Recent`] texts: a row of numbers takes it once.
pub fn with_recent<R>(f: impl FnOnce(&mut Recent) -> R) -> R {
    RECENT.with_borrow_mut(f)
}

/// Formats `v` with `zmij`, laid out as `{}`.
fn write_fresh(out: &mut Vec<u8>, v: f64) {
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(v);
    if let Some(display) = as_display(text, v) {
        out.extend_from_slice(display.as_bytes());
    } else {
        let mut decimal = Decimal::parse(text);
        if tie_above(v, &decimal) {
            decimal.round_up();
        }
        decimal.lay_out(out);
    }
}

/// Slots of [`Recent`]: a power of two.
const RECENT_SLOTS: usize = 1 << 13;

/// The room of a [`Recent`] slot's text (longer texts are made every time).
const SLOT_BYTES: usize = 24;

/// The text of values written lately, per thread, in a table indexed by a hash of
/// their bits (a newer value takes its slot's place).
///
/// Most of a time series' fractions recur: weekly means of stocks are counts over 7
/// days divided by 7, per-worker means counts divided by 7 × the workers, costs the
/// same every week. Copying their text back (one fixed-size copy) is several times
/// cheaper than making it again; the values that never recur (strain, hours) cost
/// one copy more.
pub struct Recent {
    /// Each slot's value, the length of its text (0: empty) and the text.
    slots: Vec<(u64, u8, [u8; SLOT_BYTES])>,
}

thread_local! {
    static RECENT: std::cell::RefCell<Recent> = const {
        std::cell::RefCell::new(Recent { slots: Vec::new() })
    };
}

impl Recent {
    /// Appends the finite `v`'s text, from its slot when it was written lately. The
    /// lookup is inlined into the time series' loop; making a text is not.
    #[inline]
    pub fn write(&mut self, out: &mut Vec<u8>, v: f64) {
        let bits = v.to_bits();
        let index = Self::slot_of(bits);
        if let Some(slot) = self.slots.get(index)
            && slot.0 == bits
            && slot.1 > 0
        {
            // The whole slot, then cut to the text: a copy of a known size.
            let from = out.len();
            out.extend_from_slice(&slot.2);
            out.truncate(from + usize::from(slot.1));
            return;
        }
        self.write_new(out, v, index);
    }

    /// The slot of a value with these bits: the top bits of a multiplicative hash.
    #[inline]
    fn slot_of(bits: u64) -> usize {
        let hash = bits.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (hash >> (64 - RECENT_SLOTS.trailing_zeros())) as usize
    }

    /// Makes `v`'s text (`write`'s slot `index` did not hold it) and keeps it there.
    #[inline(never)]
    fn write_new(&mut self, out: &mut Vec<u8>, v: f64, index: usize) {
        if self.slots.is_empty() {
            self.slots = vec![(0, 0, [0; SLOT_BYTES]); RECENT_SLOTS];
        }
        let from = out.len();
        write_fresh(out, v);
        let text = &out[from..];
        if let Ok(len) = u8::try_from(text.len())
            && text.len() <= SLOT_BYTES
        {
            let slot = &mut self.slots[index];
            slot.2[..text.len()].copy_from_slice(text);
            slot.0 = v.to_bits();
            slot.1 = len;
        }
    }
}

/// `zmij`'s `text` of `v` when it is already `{}`'s but for the `.0` of whole numbers:
/// fixed notation (`zmij` uses it from 1e-5 to below 1e16) that cannot be a tie. Most
/// values take this path, so it looks at `v`'s bits, not at the text.
fn as_display(text: &str, v: f64) -> Option<&str> {
    let fixed = (1e-5..1e15).contains(&v.abs());
    (fixed && !may_tie(v)).then(|| text.strip_suffix(".0").unwrap_or(text))
}

/// Whether `v` could be a tie ([`tie_above`]), from its bits alone: false for nearly
/// every value, so the exact test is rarely needed.
///
/// A tie `v = (D + ½) × 10^k` has its lowest set bit at `L = k - 1`, and both of its
/// candidates lie within an ulp: `10^(L+1) ≤ 2^e`. Its `D` has at most 17 digits, so
/// `2^(e+52) ≤ v < 10^(L+18)` (normal `v`). With `L = e + t` (`t` the trailing zero
/// bits of the significand) the two give `-0.699e - 2.35 < t ≤ -0.699e - 1`, i.e.
/// `-2378 < 1000t + 699e ≤ -967`; the test below is a little wider. Subnormal values
/// always take the exact test.
fn may_tie(v: f64) -> bool {
    let (m, e) = binary(v);
    let s = 1000 * m.trailing_zeros() as i32 + 699 * e;
    m < (1 << 52) || (-4000 < s && s <= 0)
}

/// `|v| = m × 2^e`, `m` an integer (0 for zero).
fn binary(v: f64) -> (u64, i32) {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    }
}

/// A finite value as its shortest digits: `0.DIGITS × 10^point`, sign apart.
struct Decimal {
    negative: bool,
    /// ASCII digits, no leading or trailing zero (none at all for zero); one spare
    /// byte for a carry.
    digits: [u8; 20],
    len: usize,
    point: i32,
}

impl Decimal {
    /// Reads `zmij`'s text: `-`, digits with an optional `.`, an optional exponent
    /// (`e-7`, `e+16`).
    fn parse(text: &str) -> Decimal {
        let bytes = text.as_bytes();
        let negative = bytes.first() == Some(&b'-');
        let mut d = Decimal {
            negative,
            digits: [0; 20],
            len: 0,
            point: 0,
        };
        let mut after_point = false;
        for (i, &c) in bytes.iter().enumerate().skip(usize::from(negative)) {
            match c {
                b'.' => after_point = true,
                b'e' | b'E' => {
                    let exponent = text[i + 1..].trim_start_matches('+');
                    d.point += exponent.parse::<i32>().unwrap_or(0);
                    break;
                }
                b'0' if d.len == 0 => d.point -= i32::from(after_point),
                _ => {
                    if d.len < d.digits.len() - 1 {
                        d.digits[d.len] = c;
                        d.len += 1;
                    }
                    d.point += i32::from(!after_point);
                }
            }
        }
        d.trim();
        d
    }

    /// Drops trailing zeros (`0.DIGITS` does not need them).
    fn trim(&mut self) {
        while self.len > 0 && self.digits[self.len - 1] == b'0' {
            self.len -= 1;
        }
    }

    /// The digits as an integer, and the power of ten of the last one.
    fn integer(&self) -> (u128, i32) {
        let n = self.digits[..self.len]
            .iter()
            .fold(0u128, |n, &c| n * 10 + u128::from(c - b'0'));
        (n, self.point - self.len as i32)
    }

    /// Adds one unit in the last digit.
    fn round_up(&mut self) {
        let mut i = self.len;
        loop {
            if i == 0 {
                self.digits.copy_within(0..self.len, 1);
                self.digits[0] = b'1';
                self.len += 1;
                self.point += 1;
                break;
            }
            i -= 1;
            if self.digits[i] == b'9' {
                self.digits[i] = b'0';
            } else {
                self.digits[i] += 1;
                break;
            }
        }
        self.trim();
    }

    /// Appends the digits as `{}` writes them: no exponent, no trailing `.0`.
    fn lay_out(&self, out: &mut Vec<u8>) {
        if self.negative {
            out.push(b'-');
        }
        let digits = &self.digits[..self.len];
        let len = self.len as i32;
        if self.len == 0 {
            out.push(b'0');
        } else if self.point <= 0 {
            out.extend_from_slice(b"0.");
            push_zeros(out, -self.point);
            out.extend_from_slice(digits);
        } else if self.point >= len {
            out.extend_from_slice(digits);
            push_zeros(out, self.point - len);
        } else {
            let (whole, fraction) = digits.split_at(self.point as usize);
            out.extend_from_slice(whole);
            out.push(b'.');
            out.extend_from_slice(fraction);
        }
    }
}

fn push_zeros(out: &mut Vec<u8>, n: i32) {
    out.extend(std::iter::repeat_n(b'0', n.max(0) as usize));
}

/// Whether `v` is exactly halfway between `d` (its shortest digits, `D × 10^k`) and
/// the next candidate up, `(D + 1) × 10^k`: then `{}` writes the upper one.
///
/// `|v| = (2D + 1) × 10^k / 2` exactly compares odd parts and powers of two: with
/// `|v| = m × 2^e`, `e + tz(m) = k - 1`, and `odd(m) = (2D + 1) × 5^k` (`k ≥ 0`) or
/// `odd(m) × 5^-k = 2D + 1` (`k < 0`). Both candidates round to `v`, so they are at
/// most an ulp apart (`10^k ≤ ulp`): ties only occur from 16 digits on.
fn tie_above(v: f64, d: &Decimal) -> bool {
    let (m, e) = binary(v);
    if m == 0 || d.len == 0 {
        return false;
    }
    let (n, k) = d.integer();
    let zeros = m.trailing_zeros() as i32;
    if e + zeros != k - 1 {
        return false;
    }
    let odd_m = u128::from(m >> zeros);
    let odd_t = 2 * n + 1;
    // 2D + 1 < 2^58 and odd(m) < 2^53: a larger power of five cannot match.
    let five = |p: i32| {
        u32::try_from(p)
            .ok()
            .filter(|&p| p <= 27)
            .map(|p| 5u128.pow(p))
    };
    if k >= 0 {
        five(k).is_some_and(|f| odd_m == odd_t * f)
    } else {
        five(-k).is_some_and(|f| odd_m * f == odd_t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: f64) -> String {
        let mut out = Vec::new();
        write_shortest(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ties_are_rounded_away_from_zero_as_rust_does() {
        // Each is exactly halfway between two 17-digit candidates; zmij alone gives
        // the even one (…796.12), Rust the one further from zero. (Each sum is exact.)
        for (v, rust) in [
            (233_115_890_514_796.0 + 0.125, "233115890514796.13"),
            (-2_020_163_013_628_192.0 - 0.25, "-2020163013628192.3"),
            (1_716_481_631_878_246.0 + 0.25, "1716481631878246.3"),
            (-138_618_947_709_768.0 - 0.125, "-138618947709768.13"),
        ] {
            assert_eq!(format!("{v}"), rust, "the table itself is Rust's text");
            assert_eq!(text(v), rust);
        }
    }

    #[test]
    fn the_layout_matches_display_from_tiny_to_huge() {
        let mut values = vec![0.0, -0.0, 5e-324, -5e-324, f64::MIN_POSITIVE, f64::MAX];
        for e in -320..=308 {
            let p = 10f64.powi(e);
            values.extend([p, 1.5 * p, -p / 3.0, p * 0.999_999_999_999_999_9]);
        }
        for k in 0..2000 {
            values.extend([f64::from(k) / 7.0, f64::from(k) / 100.0, f64::from(k) * 0.1]);
        }
        for v in values {
            assert_eq!(text(v), format!("{v}"), "{v:e}");
        }
    }

    #[test]
    fn values_written_again_are_the_same_text() {
        // The second pass comes from the kept text (but where two values share a
        // slot); a fresh thread starts empty.
        let sevenths: Vec<f64> = (0..RECENT_SLOTS as u32 + 100)
            .map(|k| f64::from(k) / 7.0)
            .chain([
                1.0 / 7.0 + f64::EPSILON,
                -1.0 / 7.0,
                -0.0,
                0.0,
                -0.0,
                1e-300 / 7.0,
            ])
            .collect();
        for _ in 0..2 {
            for &v in &sevenths {
                assert_eq!(text(v), format!("{v}"), "{v:e}");
            }
        }
        std::thread::spawn(move || {
            for &v in sevenths.iter().rev() {
                assert_eq!(text(v), format!("{v}"), "{v:e}");
            }
        })
        .join()
        .unwrap();
    }

    proptest::proptest! {
        #[test]
        fn any_finite_f64_is_written_as_display(bits in proptest::prelude::any::<u64>()) {
            let v = f64::from_bits(bits);
            if v.is_finite() {
                proptest::prop_assert_eq!(text(v), format!("{v}"));
            }
        }

        #[test]
        fn fractions_and_scaled_integers_are_written_as_display(
            k in -(1i64 << 60)..(1i64 << 60),
            d in 1u32..1000,
            shift in -70i32..70,
        ) {
            for v in [k as f64 / f64::from(d), k as f64 * 2f64.powi(shift), (k % 100_000) as f64 / 7.0] {
                proptest::prop_assert_eq!(text(v), format!("{v}"), "{:e}", v);
            }
        }
    }
}
