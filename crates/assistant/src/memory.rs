//! Giving freed memory back to the system after a large model is dropped.
//!
//! glibc's allocator raises its mmap threshold to the size of the largest block freed (up to
//! 32 MiB), so once the first weights are freed, later tensors of a few MiB are carved from the
//! heap arenas, and a model freed from there (the image encoder after a pack is encoded, Whisper
//! after a spoken question, each loaded on a thread of its own, with its own arena) stays
//! resident. `malloc_trim` returns the free pages of every arena. MKL, where it runs the
//! products, also keeps packing buffers on every thread that multiplied (`blas::release_buffers`).
//!
//! Between two such calls, each arena keeps what its threads freed, and glibc gives every
//! thread that allocates while the others hold theirs an arena of its own (up to 8 per core): the
//! app's live view, JPEG encoder, question, encoding and grounding threads each kept tens of MiB.
//! Measured with the demo pack open (window e2e, MKL, this 2-core Xeon): 336-414 MiB in 7
//! runs with glibc's default, 324-345 MiB in 6 runs with two arenas; at the end of the same runs
//! (voice, follow along, training) 365-426 against 333-374. [`limit_heap_arenas`] sets the two;
//! the allocator's other parameters are `blas::configure_cpu`'s.

/// The most heap arenas the app's threads share (see the module's header).
pub const HEAP_ARENAS: i32 = 2;

/// Lets all threads share [`HEAP_ARENAS`] heap arenas; call first thing in `main`, before any
/// thread allocates. A no-op where the allocator is not glibc's, and where the user tunes it
/// (`blas::allocator_tuned_by_user`).
pub fn limit_heap_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !blas::allocator_tuned_by_user() {
        // SAFETY: mallopt only sets an allocator parameter; called before other threads exist.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, HEAP_ARENAS);
        }
    }
}

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
