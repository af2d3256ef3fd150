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
/// cheaper than making it again. The columns whose values never recur (strain,
/// hours) are told apart and skip the table: their texts are made before their
/// row's ([`Recent::write_rows`]).
pub struct Recent {
    /// Each slot's value, the length of its text (0: empty) and the text.
    slots: Vec<(u64, u8, [u8; SLOT_BYTES])>,
    /// The rows [`Recent::write_rows`] is making ([`ROW_ROOM`] bytes once used).
    row: Vec<u8>,
    /// Per column of a row, what is known of its values…
    columns: [Column; TRACKED],
    /// …and the text of its value made before the row, if [`Column::made_for`] it.
    made: [[u8; SLOT_BYTES]; TRACKED],
    /// The columns whose values no longer recur (bit `c`: [`NEVER_RECURS`] misses
    /// in a row): they are not looked up, their texts are made before the row's.
    never: u64,
    /// Rows written, to look a column up again now and then, and to stamp the
    /// texts made for a row.
    rows: u32,
}

/// A column of the rows [`Recent::write_row`] writes: 8 bytes, so that the row's
/// loop finds it by the index it reads the column's value by.
#[derive(Clone, Copy)]
struct Column {
    /// The row (its stamp) for which this column's text was made before the row,
    /// and its length.
    made_for: u32,
    len: u8,
    /// How many of the column's values in a row missed the slots.
    misses: u8,
    /// Its index: its bit in [`Recent::never`]. Derivable from the loop's index,
    /// but passing that along instead cost 3.6 M more instructions for 200 baseline
    /// replications (the row's loop then holds one more register across its calls).
    index: u8,
}

impl Column {
    /// Every column, none made for a row yet (rows are stamped from 1).
    const ALL: [Column; TRACKED] = {
        let mut all = [Column {
            made_for: 0,
            len: 0,
            misses: 0,
            index: 0,
        }; TRACKED];
        let mut c = 0;
        while c < TRACKED {
            all[c].index = c as u8;
            c += 1;
        }
        all
    };
}

thread_local! {
    static RECENT: std::cell::RefCell<Recent> = const {
        std::cell::RefCell::new(Recent {
            slots: Vec::new(),
            row: Vec::new(),
            columns: Column::ALL,
            made: [[0; SLOT_BYTES]; TRACKED],
            never: 0,
            rows: 0,
        })
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

/// The bytes of a row's cells at most ([`ROW_BYTES`] / [`CELL_ROOM`] cells).
const ROW_BYTES: usize = 1 << 11;

/// The row buffer's bytes for cells: a power of two, so that an index masked by it
/// needs no bounds check. Rows are made one after the other and copied out when it
/// may not hold one more: a few rows at a time, in copies below the size from which
/// `memcpy` switches to `rep movsb` (4 KiB), which is fast but counted by the byte
/// in instruction profiles.
const RING_BYTES: usize = 1 << 12;

/// The room a cell takes in the row buffer: its comma and the longest text written
/// in place (a kept text's [`SLOT_BYTES`], more than an `i64`'s 20 characters).
const CELL_ROOM: usize = 1 + SLOT_BYTES;

/// The row buffer's length: a cell may start at any index below [`RING_BYTES`].
const ROW_ROOM: usize = RING_BYTES + CELL_ROOM;

/// Makes row `k` of a table of numbers: `make(k, whole, values)` fills its whole
/// numbers and its values.
pub type MakeRow<'a> = dyn FnMut(usize, &mut [i64], &mut [f64]) + 'a;

/// The most whole numbers a row made in the row buffer may start with.
const MAX_WHOLE: usize = 8;

/// The most values a row may have to be made in the row buffer: one bit each in
/// [`Recent::never`]. The time series has 36.
const TRACKED: usize = 64;

/// Values of a column that missed the slots this many times in a row: its values do
/// not recur, so its texts are no longer looked for or kept…
const NEVER_RECURS: u8 = 16;

/// …but for one row in this many, in case they start to.
const LOOK_AGAIN: u32 = 32;

/// [`Recent`]'s table.
type Slots = [(u64, u8, [u8; SLOT_BYTES]); RECENT_SLOTS];

/// 2^52, whose ulp is 1: adding it to a non-negative value below it rounds the
/// value to a whole number, which is then the sum's significand.
const TWO_52: f64 = 4_503_599_627_370_496.0;

impl Recent {
    /// Appends a CSV row without its line end: the `whole` numbers, then `values`,
    /// each as [`super::write_value`] writes it (nothing for NaN or an infinity).
    pub fn write_row(&mut self, out: &mut Vec<u8>, whole: &[i64], values: &[f64]) {
        if whole.is_empty() || !Self::fits(whole.len(), values.len()) {
            self.write_plain_row(out, whole, values);
            return;
        }
        self.write_rows(out, 1, whole.len(), values.len(), &mut |_, w, v| {
            w.copy_from_slice(whole);
            v.copy_from_slice(values);
        });
        out.pop();
    }

    /// Whether rows of this many whole numbers (at least one) and values are made
    /// in the row buffer.
    fn fits(whole: usize, values: usize) -> bool {
        (1..=MAX_WHOLE).contains(&whole)
            && values <= TRACKED
            && whole + values <= ROW_BYTES / CELL_ROOM
    }

    /// [`Recent::write_row`] value by value: rows too wide for the row buffer.
    fn write_plain_row(&mut self, out: &mut Vec<u8>, whole: &[i64], values: &[f64]) {
        for (i, &n) in whole.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            super::write_integer(out, n);
        }
        for (i, &v) in values.iter().enumerate() {
            if i > 0 || !whole.is_empty() {
                out.push(b',');
            }
            super::write_value(out, v, self);
        }
    }

    /// Appends `count` CSV rows, each with its line end: row `k`'s `whole_len`
    /// whole numbers then `values_len` values, as `make(k, whole, values)` makes
    /// them, written as [`Recent::write_row`] writes them.
    ///
    /// Why a table's rows at once: this is the time series' inner loop, most of
    /// what writing a run costs, so what is done once per row counts too. Each row
    /// takes two passes:
    /// - the values of columns that never recur (strain, hours) are made first, in
    ///   a loop that does nothing else, so that little of the row's state has to
    ///   outlive the call that makes their digits;
    /// - the row is then made after the previous one in a buffer whose indices
    ///   need no bounds checks (masked by a power of two), copied out when full. A
    ///   zero (nearly half the cells) is one store; a never-recurring value a copy
    ///   of the text made before; a count or a recurring fraction one lookup in the
    ///   table of recent texts and a copy (most are found); only the rest is made
    ///   here, out of line.
    pub fn write_rows(
        &mut self,
        out: &mut Vec<u8>,
        count: usize,
        whole_len: usize,
        values_len: usize,
        make: &mut MakeRow<'_>,
    ) {
        if !Self::fits(whole_len, values_len) {
            let (mut whole, mut values) = (vec![0; whole_len], vec![0.0; values_len]);
            for k in 0..count {
                make(k, &mut whole, &mut values);
                self.write_plain_row(out, &whole, &values);
                out.push(b'\n');
            }
            return;
        }
        if count == 0 {
            return;
        }
        if self.slots.is_empty() {
            self.slots = vec![(0, 0, [0; SLOT_BYTES]); RECENT_SLOTS];
        }
        if self.row.len() != ROW_ROOM {
            self.row = vec![0; ROW_ROOM];
        }
        let Recent {
            slots,
            row,
            columns,
            made,
            never,
            rows,
        } = self;
        let slots: &mut Slots = slots.as_mut_slice().try_into().expect("slots made above");
        let row: &mut [u8; ROW_ROOM] = row.as_mut_slice().try_into().expect("row made above");
        let columns = &mut columns[..values_len];
        let mut whole_buffer = [0i64; MAX_WHOLE];
        let mut values_buffer = [0f64; TRACKED];
        let whole = &mut whole_buffer[..whole_len];
        let values = &mut values_buffer[..values_len];
        // Every cell starts with a separator then its text: a row's first cell with
        // a line end (that of the row before), the others with a comma. The
        // buffer's first byte, a line end, is skipped.
        let (mut at, mut skip_first) = (0, 1);
        for k in 0..count {
            make(k, whole, values);
            *rows = rows.wrapping_add(1);
            if *rows == 0 {
                // Stamps start again: none may look made for the rows to come.
                for column in columns.iter_mut() {
                    column.made_for = 0;
                }
                *rows = 1;
            }
            let stamp = *rows;
            let look_again = stamp % LOOK_AGAIN == 0;
            // The columns this row does not look up: none on a row that looks again.
            let mut pending = if look_again { 0 } else { *never };
            while pending != 0 {
                let c = pending.trailing_zeros() as usize & (TRACKED - 1);
                pending &= pending - 1;
                if let Some(&v) = values.get(c) {
                    let len = make_fraction(&mut made[c], v);
                    if len > 0 {
                        columns[c].made_for = stamp;
                        columns[c].len = len;
                    }
                }
            }
            let mut separator = b'\n';
            for &n in whole.iter() {
                let i = at & (RING_BYTES - 1);
                let cell: &mut [u8; CELL_ROOM] = (&mut row[i..i + CELL_ROOM])
                    .try_into()
                    .expect("a cell's room");
                cell[0] = separator;
                separator = b',';
                // Leading numbers (replication, week, day) are counts: no sign.
                at = i
                    + 1
                    + match u64::try_from(n) {
                        Ok(m) => put_digits(cell, 1, m),
                        Err(_) => put_integer(text_of(cell), n),
                    };
            }
            for c in 0..values_len {
                let (v, column) = (values[c], &mut columns[c]);
                let bits = v.to_bits();
                let i = at & (RING_BYTES - 1);
                let cell: &mut [u8; CELL_ROOM] = (&mut row[i..i + CELL_ROOM])
                    .try_into()
                    .expect("a cell's room");
                // One way round the loop for every kind of cell (no `continue`): the
                // compiler then keeps its pointers from one cell to the next.
                at = if bits == 0 {
                    cell[..2].copy_from_slice(b",0");
                    i + 2
                } else {
                    cell[0] = b',';
                    if column.made_for == stamp {
                        *text_of(cell) = made[usize::from(column.index) & (TRACKED - 1)];
                        i + 1 + usize::from(column.len)
                    } else if slots[Recent::slot_of(bits)].0 == bits {
                        // No slot is kept for zero: an empty slot (bits 0) never matches.
                        let slot = &slots[Recent::slot_of(bits)];
                        column.misses = 0;
                        *text_of(cell) = slot.2;
                        i + 1 + usize::from(slot.1)
                    } else {
                        let len = put_new(slots, text_of(cell), v, column, never);
                        if len <= SLOT_BYTES {
                            i + 1 + len
                        } else {
                            // A text longer than a cell (`1e-300` is 300 zeros and a
                            // 1): the rows so far and the comma go out, then the
                            // text, made as it grows.
                            out.extend_from_slice(row.get(skip_first..=i).unwrap_or_default());
                            skip_first = 0;
                            write_fresh(out, v);
                            0
                        }
                    }
                };
            }
            if look_again {
                // A column looked up again and found is looked up for good.
                *never = columns
                    .iter()
                    .filter(|c| c.misses >= NEVER_RECURS)
                    .fold(0, |mask, c| mask | 1 << c.index);
            }
            if at > RING_BYTES - ROW_BYTES {
                out.extend_from_slice(row.get(skip_first..at).unwrap_or_default());
                (at, skip_first) = (0, 0);
            }
        }
        out.extend_from_slice(row.get(skip_first..at).unwrap_or_default());
        out.push(b'\n');
    }
}

/// The text part of a row's cell, after its comma.
#[inline(always)]
fn text_of(cell: &mut [u8; CELL_ROOM]) -> &mut [u8; SLOT_BYTES] {
    (&mut cell[1..])
        .try_into()
        .expect("a cell is a comma and a text")
}

/// `v` as an integer if it is a whole number and `small_positive` (its bits are
/// below 2^52's): `v + 2^52` gives `v` back exactly only for whole `v` (no
/// conversion, which would saturate and check for NaN), and its bits then hold `v`
/// as an integer.
#[inline(always)]
fn small_whole(v: f64, small_positive: bool) -> Option<u64> {
    let shifted = v + TWO_52;
    (small_positive && shifted - TWO_52 == v).then(|| shifted.to_bits() - TWO_52.to_bits())
}

/// The text of a never-recurring column's value, made before its row: written into
/// `cell` if `v` is a fraction whose `zmij` text is `{}`'s as it stands (fixed
/// notation, no tie, not whole) and fits; returns its length, or 0 for any other
/// value (the row's loop then writes it as usual).
#[inline(always)]
fn make_fraction(cell: &mut [u8; SLOT_BYTES], v: f64) -> u8 {
    if !is_fixed(v) || small_whole(v.abs(), true).is_some() {
        return 0;
    }
    let mut buffer = zmij::Buffer::new();
    put_short(cell, buffer.format_finite(v).as_bytes()).map_or(0, |len| len as u8)
}

/// Writes the non-zero `v`, neither a kept text nor made before the row, into
/// `cell` and returns its length, or more than [`SLOT_BYTES`] when its text may not
/// fit the cell.
///
/// A whole number below 2^52 (a count) is written digit by digit and kept: counts
/// recur. Other texts are kept in `slots` unless their `column`'s values do not
/// recur (strain, hours: [`NEVER_RECURS`] misses in a row, then marked in `never`):
/// their new texts are neither looked for nor kept, so they cost no cache miss and
/// evict no recurring text.
#[inline(never)]
fn put_new(
    slots: &mut Slots,
    cell: &mut [u8; SLOT_BYTES],
    v: f64,
    column: &mut Column,
    never: &mut u64,
) -> usize {
    let bits = v.to_bits();
    // Below the bits of 2^52: non-negative (sign bit clear) and below 2^52.
    let small_positive = bits < TWO_52.to_bits();
    if let Some(n) = small_whole(v, small_positive) {
        let len = put_digits(cell, 0, n);
        slots[Recent::slot_of(bits)] = (bits, len as u8, *cell);
        return len;
    }
    column.misses = column.misses.saturating_add(1);
    let kept = if column.misses >= NEVER_RECURS {
        *never |= 1 << column.index;
        None
    } else {
        Some(slots)
    };
    put_other(kept, cell, v, small_positive).unwrap_or(usize::MAX)
}

/// [`put_new`] of a value that is neither a whole number below 2^52 nor kept: a
/// new text (then kept in `slots`, if given), or a negative or huge whole number.
/// `fraction` says `v` is already known to be a positive fraction.
#[inline(always)]
fn put_other(
    slots: Option<&mut Slots>,
    cell: &mut [u8; SLOT_BYTES],
    v: f64,
    fraction: bool,
) -> Option<usize> {
    if !fraction {
        if super::is_whole(v) {
            return Some(put_integer(cell, v as i64));
        }
        if !v.is_finite() {
            return Some(0);
        }
    }
    if !is_fixed(v) {
        return None;
    }
    let mut buffer = zmij::Buffer::new();
    // Not whole, so `zmij` wrote no `.0` to take off.
    let len = put_short(cell, buffer.format_finite(v).as_bytes())?;
    if let Some(slots) = slots {
        slots[Recent::slot_of(v.to_bits())] = (v.to_bits(), len as u8, *cell);
    }
    Some(len)
}

/// Copies `text` (at least 3 bytes, a fraction's shortest) to the start of `cell` in
/// two fixed-size copies that overlap, instead of a call to `memcpy`; `None` if it
/// does not fit.
#[inline(always)]
fn put_short(cell: &mut [u8; SLOT_BYTES], text: &[u8]) -> Option<usize> {
    let len = text.len();
    if len > SLOT_BYTES {
        return None;
    }
    if len >= 16 {
        cell[..16].copy_from_slice(&text[..16]);
        cell[len - 8..len].copy_from_slice(&text[len - 8..]);
    } else if len >= 8 {
        cell[..8].copy_from_slice(&text[..8]);
        cell[len - 8..len].copy_from_slice(&text[len - 8..]);
    } else if len >= 4 {
        cell[..4].copy_from_slice(&text[..4]);
        cell[len - 4..len].copy_from_slice(&text[len - 4..]);
    } else {
        cell[..len].copy_from_slice(text);
    }
    Some(len)
}

/// "00", "01", … "99".
const PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0; 2]; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    pairs
};

/// Writes `n`'s decimal digits (as `{}` writes them, at most 20 and a sign) into
/// `cell` and returns their length.
fn put_integer(cell: &mut [u8; SLOT_BYTES], n: i64) -> usize {
    let sign = usize::from(n < 0);
    cell[0] = b'-';
    sign + put_digits(cell, sign, n.unsigned_abs())
}

/// Writes `m`'s decimal digits into `cell` from byte `at` (0 or 1, after a sign or
/// a comma) and returns how many: the counts of a time series, so the commonest
/// (below 10,000) take one or two table copies without a loop; longer ones two at a
/// time from the end, as `itoa` does, but in place (no copy of a variable length).
#[inline(always)]
fn put_digits<const N: usize>(cell: &mut [u8; N], at: usize, m: u64) -> usize {
    if m < 100 {
        if m < 10 {
            cell[at] = b'0' + m as u8;
            return 1;
        }
        cell[at..at + 2].copy_from_slice(&PAIRS[m as usize]);
        return 2;
    }
    if m < 10_000 {
        let (high, low) = ((m / 100) as usize, (m % 100) as usize);
        if high < 10 {
            cell[at] = b'0' + high as u8;
            cell[at + 1..at + 3].copy_from_slice(&PAIRS[low]);
            return 3;
        }
        cell[at..at + 2].copy_from_slice(&PAIRS[high]);
        cell[at + 2..at + 4].copy_from_slice(&PAIRS[low]);
        return 4;
    }
    put_long_digits(cell, at, m)
}

/// [`put_digits`] of 10,000 and more, out of line.
#[inline(never)]
fn put_long_digits<const N: usize>(cell: &mut [u8; N], at: usize, mut m: u64) -> usize {
    let len = m.ilog10() as usize + 1;
    let mut end = at + len;
    while m >= 100 {
        let pair = PAIRS[(m % 100) as usize];
        m /= 100;
        cell[end - 2..end].copy_from_slice(&pair);
        end -= 2;
    }
    if m >= 10 {
        cell[end - 2..end].copy_from_slice(&PAIRS[m as usize]);
    } else {
        cell[end - 1] = b'0' + m as u8;
    }
    len
}

/// Whether `{}` writes `v` in fixed notation as `zmij` does (`zmij` uses it from 1e-5
/// to below 1e16) and it cannot be a tie ([`may_tie`]): then `zmij`'s text is `{}`'s
/// but for the `.0` of whole numbers. Most values are, so this looks at `v`'s bits,
/// not at the text.
#[inline(always)]
fn is_fixed(v: f64) -> bool {
    (1e-5..1e15).contains(&v.abs()) && !may_tie(v)
}

/// `zmij`'s `text` of `v` when it is already `{}`'s but for the `.0` of whole numbers:
/// fixed notation (`zmij` uses it from 1e-5 to below 1e16) that cannot be a tie. Most
/// values take this path, so it looks at `v`'s bits, not at the text.
fn as_display(text: &str, v: f64) -> Option<&str> {
    is_fixed(v).then(|| text.strip_suffix(".0").unwrap_or(text))
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

    /// `values` as [`Recent::write_row`] writes them after `prefix` (and after the
    /// whole number 42 if `after_whole`).
    fn row(prefix: &str, values: &[f64], after_whole: bool) -> String {
        let mut out = prefix.as_bytes().to_vec();
        let whole: &[i64] = if after_whole { &[42] } else { &[] };
        with_recent(|recent| recent.write_row(&mut out, whole, values));
        String::from_utf8(out).unwrap()
    }

    /// What [`row`] must be: each value's `{}` text (nothing for NaN or an
    /// infinity), comma-separated.
    fn display_row(prefix: &str, values: &[f64], after_whole: bool) -> String {
        let texts = values.iter().map(|v| {
            if v.is_finite() {
                format!("{v}")
            } else {
                String::new()
            }
        });
        let cells: Vec<String> = after_whole
            .then(|| "42".to_string())
            .into_iter()
            .chain(texts)
            .collect();
        format!("{prefix}{}", cells.join(","))
    }

    #[test]
    fn rows_are_each_values_display_text_whatever_the_mix() {
        // Zeros, digits, longer and negative whole numbers, kept and new fractions,
        // texts longer than a cell (first, in the middle, last), -0, NaN, infinities,
        // whole numbers from 2^52 to beyond 2^53.
        let tricky = [
            0.0,
            7.0,
            10.0,
            123_456.0,
            -3.0,
            -0.0,
            0.5,
            1.0 / 7.0,
            1e-300,
            2.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4_503_599_627_370_496.0,
            4_503_599_627_370_497.0,
            9_007_199_254_740_993.0,
            1e20,
            -1e-7,
            5e-324,
            f64::MAX,
            0.30000000000000004,
            9.999_999_999_999_999e14,
            1e15 + 0.5,
            i64::MIN as f64,
            233_115_890_514_796.0 + 0.125,
        ];
        for shift in 0..tricky.len() {
            let mut values = tricky.to_vec();
            values.rotate_left(shift);
            for after_whole in [false, true] {
                // Twice: the second time the fractions come from the kept texts.
                for _ in 0..2 {
                    assert_eq!(
                        row("7", &values, after_whole),
                        display_row("7", &values, after_whole)
                    );
                }
            }
        }
        assert_eq!(row("x", &[], false), "x");
        assert_eq!(row("x", &[], true), "x42");
        assert_eq!(row("", &[1e-300], false), display_row("", &[1e-300], false));
    }

    #[test]
    fn columns_that_never_recur_are_written_alike_when_no_longer_looked_up() {
        // Column 0 never recurs (so after NEVER_RECURS rows its texts are made
        // before the row's, but for every LOOK_AGAIN-th row); column 1 recurs;
        // column 2 never recurs for 100 rows, then does; column 4 never recurs but
        // now and then holds what is not a plain fraction: zero, whole numbers of
        // both signs, NaN, an infinity, a tie, values too small or too large for
        // fixed notation's cell. Every row must still be `{}`'s text, written one
        // at a time and as a table's rows at once.
        let odd = [
            0.0,
            -0.0,
            3.0,
            -3.0,
            f64::NAN,
            f64::NEG_INFINITY,
            233_115_890_514_796.0 + 0.125,
            1e-300,
            1e-7 / 3.0,
            1e16 / 3.0,
            -2.5,
        ];
        let values_of = |k: u32| {
            [
                f64::from(k) / 7.0 + 0.1,
                f64::from(k % 5) / 7.0,
                if k < 100 { f64::from(k) * 1.1 } else { 2.5 },
                f64::from(k),
                if k % 7 == 3 {
                    odd[(k as usize / 7) % odd.len()]
                } else {
                    f64::from(k) * 0.37 + 0.01
                },
            ]
        };
        let rows = 3 * LOOK_AGAIN;
        let mut expected = String::new();
        for k in 0..rows {
            let values = values_of(k);
            let line = display_row("", &values, true);
            assert_eq!(row("", &values, true), line, "row {k}");
            expected += &line;
            expected.push('\n');
        }
        let mut out = Vec::new();
        with_recent(|recent| {
            recent.write_rows(&mut out, rows as usize, 1, 5, &mut |k, whole, values| {
                whole[0] = 42;
                values.copy_from_slice(&values_of(k as u32));
            })
        });
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn rows_at_once_are_the_rows_one_at_a_time() {
        // Enough rows to fill the row buffer many times over, of every width from
        // none to more than it makes (then written value by value), with texts
        // longer than a cell here and there, and no row at all.
        for (whole_len, values_len) in [(1, 0), (3, 32), (8, 64), (2, 79), (1, 70), (9, 3), (0, 4)]
        {
            for count in [0, 1, 5, 300] {
                let cell = |k: usize, c: usize| {
                    let x = (k * 31 + c * 7) as f64;
                    match (k + c) % 9 {
                        0 => 0.0,
                        1 => x,
                        2 => x / 7.0,
                        3 => x.sqrt(),
                        4 if k % 50 == 1 => 1e-300,
                        5 => -x / 3.0,
                        _ => (k % 4) as f64 / 8.0,
                    }
                };
                let mut make = |k: usize, whole: &mut [i64], values: &mut [f64]| {
                    for (c, n) in whole.iter_mut().enumerate() {
                        *n = (k * 10 + c) as i64 - 5;
                    }
                    for (c, v) in values.iter_mut().enumerate() {
                        *v = cell(k, c);
                    }
                };
                // Each number's own text, as `{}` writes it (nothing for NaN).
                let mut expected = String::from("before\n");
                let (mut whole, mut values) = (vec![0; whole_len], vec![0.0; values_len]);
                for k in 0..count {
                    make(k, &mut whole, &mut values);
                    let texts: Vec<String> = whole
                        .iter()
                        .map(|n| n.to_string())
                        .chain(values.iter().map(|v| {
                            if v.is_finite() {
                                format!("{v}")
                            } else {
                                String::new()
                            }
                        }))
                        .collect();
                    expected += &texts.join(",");
                    expected.push('\n');
                }
                let mut out = b"before\n".to_vec();
                with_recent(|recent| {
                    recent.write_rows(&mut out, count, whole_len, values_len, &mut make)
                });
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    expected,
                    "{count} rows of {whole_len} + {values_len}"
                );
            }
        }
    }

    #[test]
    fn rows_too_long_for_the_buffer_are_written_value_by_value() {
        // More cells than the row buffer holds take the plain path: same text.
        let values: Vec<f64> = (0..300).map(|k| f64::from(k) / 3.0 - 20.0).collect();
        assert_eq!(row("a", &values, true), display_row("a", &values, true));
        assert_eq!(row("", &values, false), display_row("", &values, false));
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
        fn any_row_is_its_values_display_text(
            bits in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..40),
            whole in proptest::collection::vec(-1_000_000i64..1_000_000, 0..40),
        ) {
            // Arbitrary bit patterns and whole numbers, mixed as a time series mixes
            // counts and measures.
            let values: Vec<f64> = bits
                .iter()
                .zip(whole.iter().chain(std::iter::repeat(&0)))
                .flat_map(|(&b, &n)| [f64::from_bits(b), n as f64, n as f64 / 7.0])
                .collect();
            proptest::prop_assert_eq!(row("", &values, false), display_row("", &values, false));
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
