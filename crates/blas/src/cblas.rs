//! The one CBLAS call this crate makes, `cblas_sgemm`, shared by the libraries it can open at run
//! time ([`crate::openblas`], [`crate::mkl`]): both export it with cblas.h's signature.

use std::ffi::c_int;

/// CBLAS enum values (cblas.h).
const ROW_MAJOR: c_int = 101;
const NO_TRANS: c_int = 111;
const TRANS: c_int = 112;

pub(crate) type Sgemm = unsafe extern "C" fn(
    order: c_int,
    trans_a: c_int,
    trans_b: c_int,
    m: c_int,
    n: c_int,
    k: c_int,
    alpha: f32,
    a: *const f32,
    lda: c_int,
    b: *const f32,
    ldb: c_int,
    beta: f32,
    c: *mut f32,
    ldc: c_int,
);

/// `C = A B + beta C` for one row-major product through `sgemm`; `a`/`b` start at their first
/// element, `lda`/`ldb` are their leading dimensions as CBLAS defines them for the given
/// transposition, and C is `m x n` with rows `ldc` apart at `c` (`ldc >= n`).
///
/// # Safety
/// `a` and `b` reach every element the shape and leading dimensions address (the callers check
/// it against their storage), the `m` rows of `n` writable `f32`s at `c`, `ldc` apart, are
/// touched by nothing else during the call, and when `beta` is not zero they are initialised
/// (CBLAS reads C only then).
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn sgemm(
    f: Sgemm,
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    a: &[f32],
    lda: usize,
    b: &[f32],
    ldb: usize,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    // SAFETY: as this function's contract says; the sizes fit CBLAS's int (checked by callers).
    unsafe {
        f(
            ROW_MAJOR,
            if trans_a { TRANS } else { NO_TRANS },
            if trans_b { TRANS } else { NO_TRANS },
            m as c_int,
            n as c_int,
            k as c_int,
            1.0,
            a.as_ptr(),
            lda as c_int,
            b.as_ptr(),
            ldb as c_int,
            beta,
            c,
            ldc.max(n).max(1) as c_int,
        )
    }
}
