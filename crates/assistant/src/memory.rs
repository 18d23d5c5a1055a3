//! Giving freed memory back to the system after a large model is dropped.
//!
//! glibc's allocator raises its mmap threshold to the size of the largest block freed (up to
//! 32 MiB), so once the first weights are freed, later tensors of a few MiB are carved from the
//! heap arenas, and a model freed from there (the image encoder after a pack is encoded, Whisper
//! after a spoken question, each loaded on a thread of its own, with its own arena) stays
//! resident. `malloc_trim` returns the free pages of every arena. MKL, where it runs the
//! products, also keeps packing buffers on every thread that multiplied (`blas::release_buffers`).

/// Returns the matrix library's idle buffers and the free heap pages to the system; the latter a
/// no-op where the allocator is not glibc's.
pub fn release_freed() {
    blas::release_buffers();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}
