//! The resource budget at the edge: the core's estimate ([`holdsim_core::budget`])
//! against this machine's memory (`/proc/meminfo`, the cgroup limit,
//! [`MEMORY_LIMIT_ENV`]); `run`, `compare` and `sweep` call [`admit`] before simulating.

pub use holdsim_core::budget::*;

use crate::commands::UsageError;

/// The share of the machine's memory (or of the cgroup's limit, if smaller) a job may
/// be estimated to need, as numerator/denominator: the estimate is an upper bound, and
/// the rest is left for the operating system and whatever else is running.
pub const MEMORY_FRACTION: (u128, u128) = (3, 4);

/// The memory limit assumed when the machine's cannot be read (no `/proc/meminfo`).
pub const FALLBACK_MEMORY_BYTES: u128 = 8 << 30;

/// Environment variable that sets the memory limit explicitly, in bytes or with a
/// `K`, `M`, `G` or `T` suffix (powers of 1024), e.g. `HOLDSIM_MEMORY_LIMIT=64G`: for
/// a machine whose memory the estimate misjudges, or a batch job given less than the
/// machine has.
pub const MEMORY_LIMIT_ENV: &str = "HOLDSIM_MEMORY_LIMIT";

/// Total memory in bytes from the text of `/proc/meminfo` (`MemTotal: N kB`).
pub fn parse_meminfo(text: &str) -> Option<u128> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut words = line["MemTotal:".len()..].split_whitespace();
    let n: u128 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => n.checked_mul(1024),
        _ => None,
    }
}

/// A size like `64G`, `512M` or `1073741824` (suffixes are powers of 1024).
pub fn parse_size(text: &str) -> Option<u128> {
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last()? {
        (i, 'K' | 'k') => (&t[..i], 10),
        (i, 'M' | 'm') => (&t[..i], 20),
        (i, 'G' | 'g') => (&t[..i], 30),
        (i, 'T' | 't') => (&t[..i], 40),
        _ => (t, 0),
    };
    let n: u128 = digits.trim().parse().ok()?;
    (n > 0).then_some(n)?.checked_mul(1u128 << shift)
}

/// The memory a job may use on this machine: [`MEMORY_LIMIT_ENV`] if set, else
/// [`MEMORY_FRACTION`] of the smaller of the machine's memory and the cgroup's limit.
pub fn memory_limit() -> Result<MemoryLimit, UsageError> {
    if let Some(value) = std::env::var_os(MEMORY_LIMIT_ENV) {
        let text = value.to_string_lossy();
        return match parse_size(&text) {
            Some(bytes) => Ok(MemoryLimit {
                bytes,
                source: format!("set by {MEMORY_LIMIT_ENV}={text}"),
            }),
            None => Err(UsageError(format!(
                "{MEMORY_LIMIT_ENV}=`{text}` is not a size; expected bytes or a number with K, M, G or T (e.g. 64G)"
            ))),
        };
    }
    let machine = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .as_deref()
        .and_then(parse_meminfo);
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|t| t.trim().parse::<u128>().ok());
    let (total, whose) = match (machine, cgroup) {
        (Some(m), Some(c)) if c < m => (c, "this process's cgroup limit"),
        (Some(m), _) => (m, "this machine's memory"),
        (None, Some(c)) => (c, "this process's cgroup limit"),
        (None, None) => {
            return Ok(MemoryLimit {
                bytes: FALLBACK_MEMORY_BYTES,
                source: format!(
                    "the machine's memory is unknown; set {MEMORY_LIMIT_ENV} to change it"
                ),
            });
        }
    };
    let (num, den) = MEMORY_FRACTION;
    Ok(MemoryLimit {
        bytes: total / den * num,
        source: format!(
            "{num}/{den} of {whose}, {}; set {MEMORY_LIMIT_ENV} to change it",
            human_bytes(total)
        ),
    })
}

/// Estimates `jobs` and refuses them if they cannot fit this machine: the one call
/// `run` and `compare` make before simulating anything.
pub fn admit(what: &str, jobs: &[Job], threads: usize, report: bool) -> anyhow::Result<Estimate> {
    let estimate = estimate(jobs, threads, report);
    check(what, jobs, &estimate, &memory_limit()?)?;
    Ok(estimate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_memory_and_sizes_parse() {
        let text = "MemTotal:       24683652 kB\nMemFree:        14040264 kB\n";
        assert_eq!(parse_meminfo(text), Some(24683652 * 1024));
        assert_eq!(parse_meminfo("MemFree: 1 kB"), None);
        assert_eq!(parse_meminfo("MemTotal: lots kB"), None);
        assert_eq!(parse_size("64G"), Some(64 << 30));
        assert_eq!(parse_size("512m"), Some(512 << 20));
        assert_eq!(parse_size("1000"), Some(1000));
        for bad in [
            "",
            "G",
            "-1G",
            "0",
            "1.5G",
            "1X",
            "99999999999999999999999999999999999999T",
        ] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
