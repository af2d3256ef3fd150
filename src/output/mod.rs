//! Results on disk. Writers turn results into bytes (testable without files); the
//! [`atomic`] module puts them in place so an interrupted run leaves nothing
//! half-written.

pub mod atomic;
pub mod tables;
pub mod terminal;

/// A number for a CSV field: shortest round-trip text, empty when undefined.
pub fn field(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}
