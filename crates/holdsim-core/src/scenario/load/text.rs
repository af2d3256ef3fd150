//! What every part of the loader needs from the TOML text: lines of byte offsets,
//! TOML values as numbers, and values described for messages.

use toml::de::DeValue;

use crate::scenario::registry::Number;

/// A file's text with the offsets of its newlines, so that finding the line of a
/// key costs O(log n) instead of a scan from the start (which made reading a file
/// of many `[[site_group]]`s quadratic).
pub(crate) struct Text<'a> {
    src: &'a str,
    newlines: Vec<usize>,
}

impl<'a> Text<'a> {
    pub(super) fn new(src: &'a str) -> Text<'a> {
        Text {
            src,
            newlines: src.match_indices('\n').map(|(i, _)| i).collect(),
        }
    }

    /// The 1-based line of byte `offset`, as [`line_of`] counts it.
    pub(super) fn line(&self, offset: usize) -> usize {
        self.newlines
            .partition_point(|&i| i < offset.min(self.src.len()))
            + 1
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.src
    }
}

/// The 1-based line of byte `offset` of `text` (for the one-off lookups that do not
/// justify indexing the text's newlines).
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of a TOML parse error, when the parser gives a span.
pub(super) fn error_line(text: &str, e: &toml::de::Error) -> Option<usize> {
    e.span().map(|span| line_of(text, span.start))
}

/// The message of a file that is not valid TOML.
pub(super) fn invalid_toml(e: &toml::de::Error) -> String {
    format!("invalid TOML: {}", e.to_string().trim_end())
}

pub(super) fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A TOML number as a [`Number`], or what it was instead.
pub(super) fn to_number(value: &DeValue<'_>) -> Result<Number, String> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(Number::Int)
            .map_err(|_| "an integer too large for 64 bits".to_string()),
        DeValue::Float(x) => x
            .as_str()
            .parse::<f64>()
            .map(Number::Float)
            .map_err(|_| format!("the float `{}`", x.as_str())),
        other => Err(describe(other).to_string()),
    }
}

/// A value as a message quotes it: numbers and booleans as written, strings quoted,
/// anything else by its kind.
pub(super) trait Lossy {
    fn to_string_lossy(&self) -> String;
}

impl Lossy for DeValue<'_> {
    fn to_string_lossy(&self) -> String {
        match self {
            DeValue::Integer(i) => i.to_string(),
            DeValue::Float(x) => x.to_string(),
            DeValue::String(s) => format!("\"{s}\""),
            DeValue::Boolean(b) => b.to_string(),
            other => describe(other).to_string(),
        }
    }
}
