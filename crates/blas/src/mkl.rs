//! Intel's oneMKL (Debian's `libmkl-rt`, non-free), opened at run time with `dlopen`: its
//! `cblas_sgemm`, run sequentially (this crate splits the products over its own threads).
//!
//! Loaded once per process. A missing library is not an error: [`crate::backend`] then takes
//! OpenBLAS or candle's kernel. Why MKL where the CPU is Intel's: on the 2-core Xeon (Sapphire
//! Rapids class) measured in docs/encoders.md its AVX-512 `sgemm` ran the encoders' shapes faster
//! than OpenBLAS 0.3.21's SkylakeX kernel; on AMD CPUs MKL 2020 does not take its AVX-512 paths,
//! so OpenBLAS stays the choice there.

use std::ffi::{c_char, c_int, CStr};
use std::sync::OnceLock;

use libloading::Library;

use crate::cblas::Sgemm;

type SetThreadingLayer = unsafe extern "C" fn(c_int) -> c_int;
type GetVersionString = unsafe extern "C" fn(*mut c_char, c_int);
type ThreadFreeBuffers = unsafe extern "C" fn();

/// `MKL_THREADING_SEQUENTIAL` (mkl_service.h): no threads of MKL's own.
const THREADING_SEQUENTIAL: c_int = 1;

pub(crate) struct Mkl {
    pub(crate) sgemm: Sgemm,
    /// `mkl_get_version_string()`, trimmed.
    pub(crate) version: String,
    /// `mkl_thread_free_buffers()`: gives back the packing buffers MKL keeps on the calling
    /// thread between products (MKL 2020 keeps them per thread, tens of MB in all).
    pub(crate) thread_free_buffers: Option<ThreadFreeBuffers>,
    // Keeps the symbols above valid for the life of the process.
    _lib: Library,
}

/// Debian's `libmkl-rt` installs the single dynamic library under this name only.
const LIBRARY_NAMES: &[&str] = &["libmkl_rt.so", "libmkl_rt.so.1", "libmkl_rt.so.2"];

static MKL: OnceLock<Option<Mkl>> = OnceLock::new();

pub(crate) fn get() -> Option<&'static Mkl> {
    MKL.get_or_init(load).as_ref()
}

/// MKL if this process has already loaded it (never loads it).
pub(crate) fn loaded() -> Option<&'static Mkl> {
    MKL.get().and_then(Option::as_ref)
}

fn load() -> Option<Mkl> {
    for name in LIBRARY_NAMES {
        // SAFETY: loading the library runs its constructors only, and the symbols are read with
        // the C signatures mkl_cblas.h and mkl_service.h declare.
        unsafe {
            let Ok(lib) = Library::new(name) else {
                continue;
            };
            // Before any other call: the default layer is Intel's OpenMP runtime, which Debian
            // does not pull in (its symbols would be missing at the first product) and whose
            // threads would compete with ours.
            let Ok(set_layer) = lib.get::<SetThreadingLayer>(b"MKL_Set_Threading_Layer\0") else {
                continue;
            };
            set_layer(THREADING_SEQUENTIAL);
            let Ok(sgemm) = lib.get::<Sgemm>(b"cblas_sgemm\0").map(|s| *s) else {
                continue;
            };
            let version = match lib.get::<GetVersionString>(b"mkl_get_version_string\0") {
                Ok(f) => {
                    let mut buf = [0 as c_char; 256];
                    f(buf.as_mut_ptr(), buf.len() as c_int - 1);
                    CStr::from_ptr(buf.as_ptr())
                        .to_string_lossy()
                        .trim()
                        .to_string()
                }
                Err(_) => String::new(),
            };
            let thread_free_buffers = lib
                .get::<ThreadFreeBuffers>(b"mkl_thread_free_buffers\0")
                .map(|f| *f)
                .ok();
            return Some(Mkl {
                sgemm,
                version,
                thread_free_buffers,
                _lib: lib,
            });
        }
    }
    None
}

/// Whether this CPU is Intel's (`GenuineIntel`), where MKL takes its widest kernels.
pub(crate) fn cpu_is_intel() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: cpuid leaf 0 exists on every x86_64 CPU.
        #[allow(unused_unsafe)]
        let r = unsafe { std::arch::x86_64::__cpuid(0) };
        let mut vendor = [0u8; 12];
        vendor[..4].copy_from_slice(&r.ebx.to_le_bytes());
        vendor[4..8].copy_from_slice(&r.edx.to_le_bytes());
        vendor[8..].copy_from_slice(&r.ecx.to_le_bytes());
        &vendor == b"GenuineIntel"
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
