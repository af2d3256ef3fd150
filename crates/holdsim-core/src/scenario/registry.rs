//! The parameter registry: every scalar scenario key's name, type, default, valid
//! range, unit and source, declared once.
//!
//! Why one table: validation, `holdsim check`, `--set` overrides, dotted paths in
//! sweeps and the assumptions section of reports all read the same declarations, so
//! a new parameter is added in exactly one place. The `section!` and `record!` macros
//! turn each declaration into a plain typed struct field (what the engine reads) plus
//! a `Spec` row (what the tooling reads).

use std::fmt;

/// A scalar value as written in a scenario file or on the command line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    /// A default from the registry, typed by its key's kind (usable in constants).
    pub const fn of_kind(kind: Kind, x: f64) -> Number {
        match kind {
            Kind::Int => Number::Int(x as i64),
            Kind::Float => Number::Float(x),
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(x) => x,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            // Debug keeps a decimal point (1.0, not 1) so the text is a TOML float.
            Number::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// Whether a key holds an integer or a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
}

/// The valid range of a key. Every variant also requires a finite value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// `x >= min`.
    AtLeast(f64),
    /// `x > min`.
    Above(f64),
    /// `[0, 1]`: probabilities and fractions.
    Unit,
    /// `(0, 1]`.
    UnitOpenLow,
    /// `[0, 1)`.
    UnitOpenHigh,
    /// `(0, 1)`.
    UnitOpen,
    /// Any finite number.
    Finite,
    /// `min ≤ x ≤ max`: a key the model needs bounded above (each declaration in
    /// `scenario::params` says why its maximum is what it is).
    Between(f64, f64),
    /// `min < x ≤ max`.
    AboveUpTo(f64, f64),
}

impl Range {
    pub fn contains(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Range::AtLeast(m) => x >= m,
                Range::Above(m) => x > m,
                Range::Unit => (0.0..=1.0).contains(&x),
                Range::UnitOpenLow => x > 0.0 && x <= 1.0,
                Range::UnitOpenHigh => (0.0..1.0).contains(&x),
                Range::UnitOpen => x > 0.0 && x < 1.0,
                Range::Finite => true,
                Range::Between(lo, hi) => x >= lo && x <= hi,
                Range::AboveUpTo(lo, hi) => x > lo && x <= hi,
            }
    }

    /// `(lowest, lowest included, highest, highest included)`, with `±f64::MAX` for a
    /// side without a limit: what a test needs to draw values at and next to the
    /// boundaries of every key.
    pub fn bounds(self) -> (f64, bool, f64, bool) {
        match self {
            Range::AtLeast(m) => (m, true, f64::MAX, true),
            Range::Above(m) => (m, false, f64::MAX, true),
            Range::Unit => (0.0, true, 1.0, true),
            Range::UnitOpenLow => (0.0, false, 1.0, true),
            Range::UnitOpenHigh => (0.0, true, 1.0, false),
            Range::UnitOpen => (0.0, false, 1.0, false),
            Range::Finite => (-f64::MAX, true, f64::MAX, true),
            Range::Between(lo, hi) => (lo, true, hi, true),
            Range::AboveUpTo(lo, hi) => (lo, false, hi, true),
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::AtLeast(m) => write!(f, "≥ {m}"),
            Range::Above(m) => write!(f, "> {m}"),
            Range::Unit => write!(f, "in [0, 1]"),
            Range::UnitOpenLow => write!(f, "in (0, 1]"),
            Range::UnitOpenHigh => write!(f, "in [0, 1)"),
            Range::UnitOpen => write!(f, "in (0, 1)"),
            Range::Finite => write!(f, "finite"),
            Range::Between(lo, hi) => write!(f, "in [{lo}, {hi}]"),
            Range::AboveUpTo(lo, hi) => write!(f, "in ({lo}, {hi}]"),
        }
    }
}

/// One scalar key of the scenario format.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub key: &'static str,
    pub kind: Kind,
    /// The default, or `None` for keys that every `[[profile]]`/`[[service]]` must give.
    pub default: Option<Number>,
    pub range: Range,
    pub unit: &'static str,
    pub about: &'static str,
    /// A short plain-English name a commissioner understands ("Referrals a week").
    pub label: &'static str,
    /// One of the inputs a PCN knows and should set itself (the web form's first page).
    pub essential: bool,
    /// Where the source is an assumption: the range of values the evidence leaves
    /// plausible, `(low, high)`, inside `range`, the default inside it. Robustness
    /// reruns explore it and calibration uses it as the prior; why each range is what
    /// it is is said in the key's `about` text or in a comment beside it.
    pub plausible: Option<(f64, f64)>,
    /// Why the plausible range is what it is (a source, simple arithmetic, or the
    /// stated convention "halved to doubled"); empty without a range.
    pub plausible_why: &'static str,
}

impl Spec {
    /// Whether the key's source is an assumption (its text says so): the keys that
    /// must carry a `plausible` range.
    pub fn is_assumption(&self) -> bool {
        self.about.contains("assumption")
    }

    /// "an integer ≥ 1", "a number in [0, 1]": what a valid value looks like.
    pub fn expected(&self) -> String {
        let what = match self.kind {
            Kind::Int => "an integer",
            Kind::Float => "a number",
        };
        match self.range {
            Range::Finite => format!("a finite {}", &what[what.find(' ').map_or(0, |i| i + 1)..]),
            range => format!("{what} {range}"),
        }
    }
}

/// Why a value could not be stored in a key.
#[derive(Clone, Debug, PartialEq)]
pub enum SetError {
    UnknownKey,
    /// The value has the wrong type or lies outside the key's range.
    Invalid {
        expected: String,
    },
}

/// Conversion between a field's Rust type and a [`Number`], with the key's kind.
pub trait Param: Copy {
    const KIND: Kind;
    /// Placeholder for a required key not yet read (NaN for floats).
    const BLANK: Self;
    /// The largest integer the type holds, for messages.
    const MAX_INT: i64;
    fn to_number(self) -> Number;
    fn from_number(n: Number) -> Option<Self>;
}

impl Param for f64 {
    const KIND: Kind = Kind::Float;
    const BLANK: Self = f64::NAN;
    const MAX_INT: i64 = i64::MAX;
    fn to_number(self) -> Number {
        Number::Float(self)
    }
    /// Integers are accepted for float keys: `rate_per_week = 20` means 20.0.
    fn from_number(n: Number) -> Option<Self> {
        Some(n.as_f64())
    }
}

impl Param for u32 {
    const KIND: Kind = Kind::Int;
    const BLANK: Self = 0;
    const MAX_INT: i64 = u32::MAX as i64;
    fn to_number(self) -> Number {
        Number::Int(self as i64)
    }
    fn from_number(n: Number) -> Option<Self> {
        match n {
            Number::Int(i) => u32::try_from(i).ok(),
            Number::Float(_) => None,
        }
    }
}

impl Param for u64 {
    const KIND: Kind = Kind::Int;
    const BLANK: Self = 0;
    const MAX_INT: i64 = i64::MAX;
    fn to_number(self) -> Number {
        Number::Int(self as i64)
    }
    fn from_number(n: Number) -> Option<Self> {
        match n {
            Number::Int(i) => u64::try_from(i).ok(),
            Number::Float(_) => None,
        }
    }
}

/// Checks `n` against `spec` and converts it, or says what was expected.
pub fn convert<T: Param>(spec: &Spec, n: Number) -> Result<T, SetError> {
    let invalid = || SetError::Invalid {
        expected: spec.expected(),
    };
    if !spec.range.contains(n.as_f64()) {
        return Err(invalid());
    }
    let value = T::from_number(n).ok_or_else(|| match n {
        // In range but too large for the field's type.
        Number::Int(_) => SetError::Invalid {
            expected: format!("{} and ≤ {}", spec.expected(), T::MAX_INT),
        },
        Number::Float(_) => invalid(),
    })?;
    Ok(value)
}

/// Common surface of every struct generated by `section!` and `record!`.
pub trait Record {
    /// The declared keys, in file order.
    fn specs() -> &'static [Spec];
    fn get(&self, key: &str) -> Option<Number>;
    fn set(&mut self, key: &str, value: Number) -> Result<(), SetError>;
}

macro_rules! record_impl {
    ($name:ident { $( $field:ident : $ty:ty = $default:expr, $range:expr, $unit:literal, $about:literal, $label:literal, [ $($tag:tt)* ]; )* }) => {
        impl $crate::scenario::registry::Record for $name {
            fn specs() -> &'static [$crate::scenario::registry::Spec] {
                use $crate::scenario::registry::{Param, Spec};
                const SPECS: &[Spec] = &[ $( Spec {
                    key: stringify!($field),
                    kind: <$ty as Param>::KIND,
                    default: $default,
                    range: $range,
                    unit: $unit,
                    about: $about,
                    label: $label,
                    essential: $crate::scenario::registry::tags!(@essential $($tag)*),
                    plausible: $crate::scenario::registry::tags!(@plausible $($tag)*),
                    plausible_why: $crate::scenario::registry::tags!(@why $($tag)*),
                }, )* ];
                SPECS
            }
            fn get(&self, key: &str) -> Option<$crate::scenario::registry::Number> {
                use $crate::scenario::registry::Param;
                match key {
                    $( stringify!($field) => Some(self.$field.to_number()), )*
                    _ => None,
                }
            }
            fn set(&mut self, key: &str, value: $crate::scenario::registry::Number)
                -> Result<(), $crate::scenario::registry::SetError> {
                use $crate::scenario::registry::{convert, SetError};
                let spec = <Self as $crate::scenario::registry::Record>::specs().iter().find(|s| s.key == key).ok_or(SetError::UnknownKey)?;
                match key {
                    $( stringify!($field) => { self.$field = convert(spec, value)?; } )*
                    _ => return Err(SetError::UnknownKey),
                }
                Ok(())
            }
        }
    };
}

/// Reads a key's optional tags (`essential`, `plausible(low, high, "why")`) into its
/// [`Spec`] fields: `@essential` gives the flag, `@plausible` the range and `@why`
/// its reason. Any other tag, or a tag given twice, is a compile error, so a
/// misspelt tag cannot pass silently.
macro_rules! tags {
    (@essential) => { false };
    (@essential essential $($rest:tt)*) => {{
        $crate::scenario::registry::tags!(@no_essential $($rest)*);
        true
    }};
    (@essential plausible($lo:expr, $hi:expr, $why:literal) $($rest:tt)*) => {
        $crate::scenario::registry::tags!(@essential $($rest)*)
    };
    (@essential $other:tt $($rest:tt)*) => {
        compile_error!(concat!("unknown registry tag `", stringify!($other), "`; expected `essential` or `plausible(low, high, \"why\")`"))
    };
    (@no_essential) => {};
    (@no_essential essential $($rest:tt)*) => { compile_error!("`essential` given twice") };
    (@no_essential $other:tt $($rest:tt)*) => { $crate::scenario::registry::tags!(@no_essential $($rest)*) };
    (@plausible) => { None };
    (@plausible plausible($lo:expr, $hi:expr, $why:literal) $($rest:tt)*) => {{
        $crate::scenario::registry::tags!(@no_plausible $($rest)*);
        Some(($lo as f64, $hi as f64))
    }};
    (@plausible $other:tt $($rest:tt)*) => { $crate::scenario::registry::tags!(@plausible $($rest)*) };
    (@why) => { "" };
    (@why plausible($lo:expr, $hi:expr, $why:literal) $($rest:tt)*) => { $why };
    (@why $other:tt $($rest:tt)*) => { $crate::scenario::registry::tags!(@why $($rest)*) };
    (@no_plausible) => {};
    (@no_plausible plausible $($rest:tt)*) => { compile_error!("`plausible` given twice") };
    (@no_plausible $other:tt $($rest:tt)*) => { $crate::scenario::registry::tags!(@no_plausible $($rest)*) };
}

/// Declares a scenario section (`[run]`, `[workforce]`, …): a struct whose every field
/// has a default. Each key reads
/// `name: type = default, range, "unit", "about", label = "Plain name" [, essential]
/// [, plausible(low, high, "why")];` — the tags mark an input a PCN sets itself and
/// the range the evidence leaves plausible for an assumption, with its reason.
macro_rules! section {
    ($(#[$meta:meta])* $name:ident { $( $field:ident : $ty:ty = $default:expr, $range:expr, $unit:literal, $about:literal,
        label = $label:literal $(, $tag:ident $(($($arg:tt)*))?)* ; )* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name { $( #[doc = $about] pub $field: $ty, )* }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        $crate::scenario::registry::record_impl!($name {
            $( $field : $ty = Some($crate::scenario::registry::Number::of_kind(<$ty as $crate::scenario::registry::Param>::KIND, $default as f64)), $range, $unit, $about, $label, [ $( $tag $(($($arg)*))? )* ]; )*
        });
    };
}

/// Declares the numeric keys of an array-of-tables entry (`[[profile]]`, `[[service]]`),
/// all required, next to the entry's non-numeric fields. Each key reads like a
/// section's without the default: `name: type, range, "unit", "about", label = "…"`
/// and the same optional tags.
macro_rules! record {
    ($(#[$meta:meta])* $name:ident { $( $extra:ident : $extra_ty:ty, )* ; $( $field:ident : $ty:ty, $range:expr, $unit:literal, $about:literal,
        label = $label:literal $(, $tag:ident $(($($arg:tt)*))?)* ; )* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $( pub $extra: $extra_ty, )*
            $( #[doc = $about] pub $field: $ty, )*
        }

        impl $name {
            /// An entry with every required key unset, to be filled from a file.
            pub(crate) fn blank() -> Self {
                Self {
                    $( $extra: Default::default(), )*
                    $( $field: <$ty as $crate::scenario::registry::Param>::BLANK, )*
                }
            }
        }

        $crate::scenario::registry::record_impl!($name {
            $( $field : $ty = None, $range, $unit, $about, $label, [ $( $tag $(($($arg)*))? )* ]; )*
        });
    };
}

pub(crate) use {record, record_impl, section, tags};
