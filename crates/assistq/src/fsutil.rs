//! Small file-system helpers: atomic writes and UTF-8 reads that locate the first bad byte.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;

/// An I/O error with the file or folder it is about: what every crate's `Io` error variant
/// wraps, so that a message always names the path.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct FileError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl FileError {
    pub fn new(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            path: path.into(),
            source,
        }
    }
}

/// Distinguishes temp files of concurrent writers in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether `name` is a temp file [`write_atomic`] makes (`.NAME.tmp.PID.N`): one left behind by a
/// process killed mid-write.
pub fn is_atomic_temp(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplitn(3, '.')
            .collect::<Vec<_>>()
            .as_slice()
            .get(2)
            .is_some_and(|head| head.ends_with(".tmp"))
}

/// Removes the temp files [`write_atomic`] left in `dir` when a process was killed mid-write.
/// A temp file whose writer is still running (its PID, in the name, is alive: this process or
/// another, such as the app while `pressnext` runs) is kept, so this is safe to call while
/// others write there. Returns how many were removed.
pub fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            is_atomic_temp(&name) && !writer_alive(&name)
        })
        .filter(|e| fs::remove_file(e.path()).is_ok())
        .count()
}

/// Whether the process that named temp file `name` (`.NAME.tmp.PID.N`) is still running. Only
/// Linux can tell (`/proc`); elsewhere every writer counts as gone.
fn writer_alive(name: &str) -> bool {
    let Some(pid) = name
        .rsplitn(3, '.')
        .nth(1)
        .and_then(|p| p.parse::<u32>().ok())
    else {
        return false;
    };
    pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
}

/// The environment variable that arms [`kill_point`]: `PRESSNEXT_KILL_AT_WRITE=N`.
pub const KILL_AT_WRITE_ENV: &str = "PRESSNEXT_KILL_AT_WRITE";

/// A place where a crash would leave files half-way: before a write starts, with its temp file
/// written but not renamed, after the rename, and in the middle of an appended line. With
/// `PRESSNEXT_KILL_AT_WRITE=N` set, the process aborts at the N-th kill point it reaches (no
/// unwinding, no destructor, no flush: what `kill -9` or a power cut leaves), so that the crash
/// tests can stop training, encoding and pack opening at every write in turn and check that the
/// last good state loads and resumes. Unset (always, outside those tests), it costs one atomic
/// load per write.
pub fn kill_point() {
    static REACHED: AtomicU64 = AtomicU64::new(0);
    if let Some(at) = kill_at() {
        if REACHED.fetch_add(1, Ordering::SeqCst) + 1 == at {
            std::process::abort();
        }
    }
}

/// Whether the crash tests armed [`kill_point`] (writers that would otherwise write a record in
/// one call split it around a kill point only then).
pub fn kill_armed() -> bool {
    kill_at().is_some()
}

fn kill_at() -> Option<u64> {
    static AT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *AT.get_or_init(|| std::env::var(KILL_AT_WRITE_ENV).ok()?.trim().parse().ok())
}

/// Writes `bytes` to `path` so that readers see either the old or the new content, never a
/// partial file: the data goes to a temp file in the same directory (same file system, so the
/// rename is atomic), is fsynced, then renamed over `path`. The temp file is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_atomic(path, |file| file.write_all(bytes))
}

/// Copies `from` to `to` the way [`write_atomic`] writes: streamed into a temp file beside `to`,
/// fsynced, renamed over it. A checkpoint copied into the model registry is whole or absent.
pub fn copy_atomic(from: &Path, to: &Path) -> io::Result<()> {
    let mut source = File::open(from)?;
    replace_atomic(to, |file| io::copy(&mut source, file).map(|_| ()))
}

/// The one atomic-replace rule: `fill` writes the new content into a fresh temp file in `path`'s
/// folder (named so that [`remove_stale_temps`] recognises it), which is fsynced and renamed over
/// `path`, then the folder is fsynced. The temp file is removed on failure.
fn replace_atomic(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file path", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(
        ".tmp.{}.{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temp_path = dir.join(temp_name);

    kill_point();
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)?;
        fill(&mut file)?;
        file.sync_all()?;
        drop(file);
        kill_point();
        fs::rename(&temp_path, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp_path);
        return result;
    }
    // Persist the rename itself; not every platform lets a directory be opened, so best effort.
    if let Ok(dir_handle) = File::open(&dir) {
        let _ = dir_handle.sync_all();
    }
    kill_point();
    Ok(())
}

/// Refuses `path` unless it is (a symlink to) a regular file: a folder, a named pipe, a socket
/// or a device (`/dev/zero`) where a data file is expected would fail, block for ever on open or
/// never reach its end. The error says which it is (`not a regular file: a named pipe`).
pub fn require_regular_file(path: &Path) -> io::Result<()> {
    let kind = fs::metadata(path)?.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let what = if kind.is_dir() {
        "a folder"
    } else {
        special_kind(&kind)
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file: {what}"),
    ))
}

#[cfg(unix)]
fn special_kind(kind: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &fs::FileType) -> &'static str {
    "a special file"
}

/// Reads the whole of `path` after [`require_regular_file`]: what every reader of a user's data
/// file uses instead of `fs::read`.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    require_regular_file(path)?;
    fs::read(path)
}

/// Reads `path` as UTF-8 text, dropping a leading byte-order mark (some editors add one and
/// it would otherwise break the first line or the JSON parser). Only regular files are read
/// ([`require_regular_file`]).
pub fn read_utf8(path: &Path) -> Result<String, Error> {
    let bytes = read_regular(path).map_err(|e| Error::io(path, e))?;
    decode_utf8(bytes, path)
}

/// Decodes bytes read from `path`, locating the first invalid byte by line and byte column.
pub(crate) fn decode_utf8(bytes: Vec<u8>, path: &Path) -> Result<String, Error> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(err) => {
            let valid_up_to = err.utf8_error().valid_up_to();
            let bytes = err.as_bytes();
            let before = &bytes[..valid_up_to];
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            Err(Error::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column: valid_up_to - line_start + 1,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temps_go_but_those_of_running_writers_stay() {
        let dir = tempfile::tempdir().unwrap();
        let own = format!(".index.json.tmp.{}.7", std::process::id());
        for name in [
            ".index.json.tmp.4194999.0",
            own.as_str(),
            "index.json",
            ".hidden",
        ] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(remove_stale_temps(dir.path()), 1);
        for kept in [own.as_str(), "index.json", ".hidden"] {
            assert!(dir.path().join(kept).exists(), "{kept}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read_and_the_others_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("script.txt");
        fs::write(&file, "0:00:00-0:00:01 Hi.\n").unwrap();
        assert!(read_utf8(&file).is_ok());
        let pipe = dir.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let zero = dir.path().join("zero.txt");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        // A pipe nobody writes to would block the read for ever, /dev/zero would never end:
        // both are refused before they are opened.
        for (path, what) in [
            (dir.path().to_path_buf(), "a folder"),
            (pipe, "a named pipe"),
            (zero, "a device"),
        ] {
            let err = read_utf8(&path).unwrap_err().to_string();
            assert!(
                err.contains(&path.display().to_string())
                    && err.contains(&format!("not a regular file: {what}")),
                "{err}"
            );
        }
        let err = read_utf8(&dir.path().join("missing.txt")).unwrap_err();
        assert!(matches!(err, Error::Io(ref e) if e.source.kind() == io::ErrorKind::NotFound));
    }
}
