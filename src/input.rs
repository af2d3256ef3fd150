//! Input files from the file system: the CLI's (and the Python package's)
//! [`FileSource`] for the core, which reads nothing itself.
//!
//! Only a regular file of sane size is read (a FIFO would block, a device could be
//! read for ever), and a table design's CSV is parsed here with the `csv` crate.

use std::path::{Path, PathBuf};

use holdsim_core::scenario::MAX_INPUT_BYTES;
use holdsim_core::source::{FileSource, ReadError, TableRecord};

/// The file system, as the core's source of scenario, experiment and table files.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileSystem;

impl FileSource for FileSystem {
    fn read_text(&self, path: &Path) -> Result<String, ReadError> {
        read_input_file(path).map_err(read_error)
    }

    fn identity(&self, path: &Path) -> PathBuf {
        path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
    }

    fn read_table(&self, path: &Path, max_bytes: u64) -> Result<Vec<TableRecord>, ReadError> {
        read_table(path, max_bytes)
    }
}

/// Whether an I/O error is about the path the user gave (exit 2) rather than the
/// machine.
fn read_error(e: std::io::Error) -> ReadError {
    use std::io::ErrorKind::*;
    ReadError {
        user_can_fix: matches!(
            e.kind(),
            NotFound | IsADirectory | InvalidData | InvalidInput
        ),
        message: e.to_string(),
    }
}

/// Reads a scenario or experiment file (or a `base` it names) as UTF-8 text, after
/// checking that it is a regular file of at most [`MAX_INPUT_BYTES`]: a FIFO would
/// block for ever, a device such as `/dev/zero` would be read until memory runs out,
/// and a directory cannot be read. The size is checked from the metadata before
/// opening and again while reading (the file may grow in between), so no more than
/// the limit is ever held. Errors say what the path is and what was expected.
pub fn read_input_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory".to_string()
        } else {
            special_file_kind(&kind)
        };
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file; give the path of a file"),
        ));
    }
    let too_large = |size: u64| {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "it is {size} bytes, larger than the {MAX_INPUT_BYTES} bytes (16 MiB) an input file may have"
            ),
        )
    };
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// "a FIFO (named pipe)", "a character device", …: what a non-regular file is.
fn special_file_kind(kind: &std::fs::FileType) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)".into();
        }
        if kind.is_char_device() {
            return "a character device".into();
        }
        if kind.is_block_device() {
            return "a block device".into();
        }
        if kind.is_socket() {
            return "a socket".into();
        }
    }
    let _ = kind;
    "a special file".into()
}

/// The non-blank records of a table design's CSV (header first), each with its line,
/// cells trimmed; a leading byte-order mark is ignored. Records may differ in length:
/// the design says which row is short, naming its line.
fn read_table(path: &Path, max_bytes: u64) -> Result<Vec<TableRecord>, ReadError> {
    let fault = |message: String| ReadError {
        message,
        user_can_fix: true,
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() {
        return Err(fault("it is not a regular file".into()));
    }
    if meta.len() > max_bytes {
        return Err(fault(format!(
            "it is {} bytes; a table design may be at most {max_bytes} bytes",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(bytes, p.byte()));
            fault(format!("line {line}: {e}"))
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        // The csv crate's own line count skips blank lines; count from the byte offset.
        let line = record.position().map_or(0, |p| line_at(bytes, p.byte()));
        records.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(records)
}

/// The 1-based line of the first text at or after byte `offset` in `bytes` (a record's
/// position can be the blank lines the reader skipped before it).
fn line_at(bytes: &[u8], offset: u64) -> u64 {
    let mut end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    1 + bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64
}
