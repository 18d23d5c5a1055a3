//! OpenBLAS, opened at run time with `dlopen`: `cblas_sgemm` and the thread-count setter.
//!
//! Loaded once per process. A missing library is not an error: the caller falls back to candle's
//! own kernel and [`crate::backend`] says so.

use std::ffi::{c_char, c_int, CStr};
use std::sync::OnceLock;

use libloading::Library;

use crate::cblas::Sgemm;

type SetThreads = unsafe extern "C" fn(c_int);
type GetConfig = unsafe extern "C" fn() -> *const c_char;

pub(crate) struct OpenBlas {
    pub(crate) sgemm: Sgemm,
    set_threads: Option<SetThreads>,
    /// `openblas_get_config()`: version, build options and the kernel family chosen for this CPU.
    pub(crate) config: String,
    /// `openblas_get_corename()`: the kernel family in use (`Haswell`, `SkylakeX`, ...).
    pub(crate) core: String,
    // Keeps the symbols above valid for the life of the process.
    _lib: Library,
}

/// The names Debian's `libopenblas0-pthread` (and most distributions) install on the loader path.
const LIBRARY_NAMES: &[&str] = &["libopenblas.so.0", "libopenblas.so"];

static OPENBLAS: OnceLock<Option<OpenBlas>> = OnceLock::new();

pub(crate) fn get() -> Option<&'static OpenBlas> {
    OPENBLAS.get_or_init(load).as_ref()
}

/// OpenBLAS's kernel family for CPUs with AVX-512 that its runtime detection does not know.
pub(crate) const AVX512_CORETYPE: &str = "SkylakeX";

/// Whether this CPU has the AVX-512 subset the SkylakeX kernels need.
pub(crate) fn cpu_has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512cd")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The kernel family of the OpenBLAS the dynamic loader already brought into this process (as a
/// dependency of another library: on Debian, FFmpeg's libavfilter -> pocketsphinx ->
/// libblas.so.3, which is OpenBLAS once it is installed), or `None` when it is not loaded.
pub(crate) fn loaded_core_name() -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    if !maps.contains("libopenblas") {
        return None;
    }
    // SAFETY: the library is already mapped (this only takes a reference to it, running no
    // constructor).
    let lib = unsafe { Library::new(LIBRARY_NAMES[0]) }.ok()?;
    string_from(&lib, b"openblas_get_corename\0")
}

/// The string an OpenBLAS `const char *f(void)` (openblas_get_config, openblas_get_corename)
/// returns, trimmed; `None` when the symbol is missing or returns NULL.
fn string_from(lib: &Library, symbol: &[u8]) -> Option<String> {
    // SAFETY: both functions have this signature (openblas_config.h) and return a pointer to a
    // static NUL-terminated string.
    unsafe {
        let f = *lib.get::<GetConfig>(symbol).ok()?;
        let p = f();
        if p.is_null() {
            return None;
        }
        Some(CStr::from_ptr(p).to_string_lossy().trim().to_string())
    }
}

/// The variable that chooses OpenBLAS's kernel family for this program: a core type name as
/// OpenBLAS spells them (`Haswell`, `SkylakeX`, ...), or `auto` (the default).
pub(crate) const CORETYPE_ENV: &str = "PRESSNEXT_OPENBLAS_CORETYPE";

/// The kernel family this program wants OpenBLAS to use: `PRESSNEXT_OPENBLAS_CORETYPE` when it
/// names one, else on a CPU with AVX-512 the SkylakeX kernels, else OpenBLAS's own choice (`None`).
///
/// Why not leave it to OpenBLAS: Debian bookworm's OpenBLAS 0.3.21 predates AMD Zen 4/5 and picks
/// its AVX2 (Haswell) kernels there, at half the width; and a machine-wide `OPENBLAS_CORETYPE`
/// (set for other programs, as on the machines this project is built on, where it says Haswell)
/// would do the same. On the 2-core Zen 5 the project is measured on, the SkylakeX sgemm ran 460
/// GFLOP/s against 235 for the Haswell one and 245 for candle's own kernel
/// (`cargo bench -p blas --bench matmul`).
pub(crate) fn preferred_core_type() -> Option<String> {
    match std::env::var(CORETYPE_ENV) {
        Ok(v) if !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("auto") => {
            Some(v.trim().to_string())
        }
        _ => cpu_has_avx512().then(|| AVX512_CORETYPE.to_string()),
    }
}

/// Before the library loads (it reads `OPENBLAS_CORETYPE` once, as it starts).
fn choose_core_type() {
    if let Some(core) = preferred_core_type() {
        // Set once, from the OnceLock initialiser; nothing else of ours reads it.
        std::env::set_var("OPENBLAS_CORETYPE", core);
    }
}

fn load() -> Option<OpenBlas> {
    choose_core_type();
    for name in LIBRARY_NAMES {
        // SAFETY: loading OpenBLAS runs its constructors only (thread pool set-up), and the
        // symbols are read with the C signatures cblas.h and openblas_config.h declare.
        unsafe {
            let Ok(lib) = Library::new(name) else {
                continue;
            };
            let Ok(sgemm) = lib.get::<Sgemm>(b"cblas_sgemm\0").map(|s| *s) else {
                continue;
            };
            let set_threads = lib
                .get::<SetThreads>(b"openblas_set_num_threads\0")
                .ok()
                .map(|s| *s);
            let config = string_from(&lib, b"openblas_get_config\0").unwrap_or_default();
            let core = string_from(&lib, b"openblas_get_corename\0").unwrap_or_default();
            return Some(OpenBlas {
                sgemm,
                set_threads,
                config,
                core,
                _lib: lib,
            });
        }
    }
    None
}

impl OpenBlas {
    pub(crate) fn set_threads(&self, n: usize) {
        if let Some(f) = self.set_threads {
            // SAFETY: plain C call with an int argument.
            unsafe { f(n.clamp(1, c_int::MAX as usize) as c_int) }
        }
    }
}
