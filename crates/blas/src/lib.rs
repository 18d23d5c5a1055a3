//! Fast CPU matrix products for the models: `f32` products on the CPU go to a BLAS's
//! `cblas_sgemm`, opened at run time: Intel's MKL ([`mkl`], Debian's non-free `libmkl-rt`) on an
//! Intel CPU, else OpenBLAS ([`openblas`]). On its AVX-512 kernels OpenBLAS runs the encoders'
//! products at about twice the throughput of candle's own `gemm` kernel on the 2-core AMD EPYC
//! (460 against 245 GFLOP/s, `docs/encoders.md`); on the 2-core Intel Xeon, MKL's sgemm ran the
//! same shapes faster than OpenBLAS's, and the text encoder 1.2x (`docs/encoders.md`, step 7).
//! Everything else (other dtypes, CUDA, shapes BLAS cannot take) goes to candle's
//! `Tensor::matmul` unchanged.
//!
//! The choice is made once per process ([`backend`]): `PRESSNEXT_MATMUL` (`mkl`, `openblas`,
//! `candle`) when it names one that loads, else as above, else candle's kernel. Results equal
//! candle's within float rounding (the tests hold each BLAS to 1e-5 relative), and the product
//! has a backward pass, so training goes through it too.
//!
//! Threads: the BLAS runs single-threaded and this crate splits each product (its batch entries,
//! else its rows) over rayon's pool, `RAYON_NUM_THREADS` or every core. OpenBLAS's own pool would
//! be a second set of compute threads that spin-wait between calls, beside candle's: with two
//! cores the model's element-wise work and the live view then fought them (measured: Q2A training
//! at D = 384 ran 77 samples/s with OpenBLAS's threads, 104 with this split).

mod cblas;
pub mod conv;
mod mkl;
mod openblas;

use std::mem::MaybeUninit;
use std::sync::OnceLock;

use candle_core::{
    backend::BackendStorage, CpuStorage, CustomOp2, CustomOp3, DType, Device, Layout, Module,
    Result, Shape, Tensor,
};
use candle_nn::VarBuilder;

/// Which kernel runs the CPU `f32` matrix products of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// OpenBLAS `cblas_sgemm`.
    OpenBlas,
    /// oneMKL `cblas_sgemm` (sequential).
    Mkl,
    /// candle's own `gemm` kernel.
    Candle,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::OpenBlas => "openblas",
            Backend::Mkl => "mkl",
            Backend::Candle => "candle",
        }
    }

    /// The `cblas_sgemm` this backend runs, where its library loaded (`None` for candle's).
    fn sgemm(self) -> Option<cblas::Sgemm> {
        match self {
            Backend::OpenBlas => openblas::get().map(|b| b.sgemm),
            Backend::Mkl => mkl::get().map(|m| m.sgemm),
            Backend::Candle => None,
        }
    }
}

/// The environment variable that chooses the kernel: `candle`, `openblas`, `mkl`, or `auto` (the
/// default). A library that does not load falls back as `auto` does.
pub const BACKEND_ENV: &str = "PRESSNEXT_MATMUL";

static BACKEND: OnceLock<Backend> = OnceLock::new();

/// The backend `PRESSNEXT_MATMUL` names, or `None` for `auto`, unset or anything else.
fn requested_backend() -> Option<Backend> {
    let value = std::env::var(BACKEND_ENV).ok()?;
    [Backend::Candle, Backend::OpenBlas, Backend::Mkl]
        .into_iter()
        .find(|b| value.trim().eq_ignore_ascii_case(b.name()))
}

/// Whether `PRESSNEXT_MATMUL=candle` asks for candle's kernel.
fn candle_forced() -> bool {
    requested_backend() == Some(Backend::Candle)
}

/// The largest size CBLAS's `int` arguments take here (half of `i32::MAX`, so that products of
/// a size and a stride in the checks stay far from overflow).
const CBLAS_INT_LIMIT: usize = i32::MAX as usize / 2;

/// The kernel [`matmul`] uses in this process, decided on first use: the one `PRESSNEXT_MATMUL`
/// names if it loads; else MKL on an Intel CPU, else OpenBLAS, else MKL, else candle's own.
pub fn backend() -> Backend {
    *BACKEND.get_or_init(|| {
        let chosen = preference()
            .into_iter()
            .find(|b| available(*b))
            .unwrap_or(Backend::Candle);
        if chosen == Backend::OpenBlas {
            if let Some(blas) = openblas::get() {
                blas.set_threads(1);
            }
        }
        chosen
    })
}

/// The backends [`backend`] tries, in order: the one `PRESSNEXT_MATMUL` names first, else MKL
/// first on an Intel CPU; candle's kernel is the last resort (and the only one when asked for).
fn preference() -> Vec<Backend> {
    match requested_backend() {
        Some(Backend::Candle) => vec![Backend::Candle],
        Some(wanted) => vec![wanted, Backend::OpenBlas, Backend::Mkl],
        None if mkl::cpu_is_intel() => vec![Backend::Mkl, Backend::OpenBlas],
        None => vec![Backend::OpenBlas, Backend::Mkl],
    }
}

/// Whether [`backend`] will be MKL, found without loading OpenBLAS (which reads its kernel choice
/// once, as it loads): MKL comes first in [`preference`] and loads.
fn mkl_chosen() -> bool {
    preference().first() == Some(&Backend::Mkl) && available(Backend::Mkl)
}

/// Whether `backend`'s library loaded in this process (candle's kernel always runs).
pub fn available(backend: Backend) -> bool {
    backend == Backend::Candle || backend.sgemm().is_some()
}

/// Gives back the memory the matrix library keeps between products, on every thread of rayon's
/// pool and the calling one: call when a batch of work is done (an encoder's call). MKL keeps its
/// packing buffers per thread for as long as the thread lives: the app with the demo pack open
/// measured 408 MiB with them kept, 349 MiB with them given back after each encoder call and
/// 336 MiB on OpenBLAS (budget 400). The next product allocates them again (one round of page
/// faults per call: no difference in the encoders' speed that 4 rounds of bench-encoders showed). No-op for OpenBLAS,
/// whose buffers are a fixed pool, and for candle's kernel.
pub fn release_buffers() {
    let Some(free) = mkl::loaded().and_then(|m| m.thread_free_buffers) else {
        return;
    };
    // SAFETY: mkl_thread_free_buffers takes no arguments and frees only the calling thread's
    // unused buffers, so it is safe while other threads run products.
    rayon::broadcast(|_| unsafe { free() });
    unsafe { free() };
}

/// A line for logs and benchmark reports: the backend and, for OpenBLAS, its build and CPU kernel.
pub fn describe() -> String {
    match backend() {
        Backend::OpenBlas => match openblas::get() {
            Some(b) if !b.config.is_empty() => format!("openblas ({})", b.config),
            _ => "openblas".to_string(),
        },
        Backend::Mkl => match mkl::get() {
            Some(m) if !m.version.is_empty() => format!("mkl ({})", m.version),
            _ => "mkl".to_string(),
        },
        Backend::Candle => "candle".to_string(),
    }
}

/// The variable that sizes candle's own CPU thread pool (read once, on its first use).
pub const CANDLE_THREADS_ENV: &str = "CANDLE_NUM_THREADS";

/// Blocks up to this size come from the allocator's heap, not from a mapping of their own.
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free memory the allocator keeps at the top of its heap before giving it back by itself
/// (`assistant::memory::release_freed` gives back the rest after each large job).
const TRIM_THRESHOLD: i32 = 64 << 20;

/// Call first in `main`, before any thread starts. Two settings of the process that the models'
/// CPU speed depends on, measured side by side on 2 cores (dev build, docs/encoders.md):
///
/// - candle's element-wise pool runs on one thread (`CANDLE_NUM_THREADS=1`, unless set). That
///   pool's caller spin-waits for its workers after every operation; with two cores, the rayon
///   threads of this crate's products and anything else running (the live view, a second job)
///   keep those workers off the CPU while the caller spins. The image encoder went from 12-13 to
///   18-19 images/s at batch 1, the text encoder from 460-490 to 680-690 sentences/s, Q2A
///   inference at D = 384 from 2.0 to 1.8 ms per QA idle and from 11-19 to 3.7-3.8 ms with two
///   other jobs running.
/// - glibc's allocator takes blocks up to 32 MiB from its heap and keeps 64 MiB free there
///   (`mallopt`; `GLIBC_TUNABLES` can still override): a batch of 8 images makes tensors of
///   10-13 MiB, which it otherwise mapped and unmapped for every operation, page faults and
///   zeroing included: system time 2.0 -> 0.6 s of a 7 s run, 15 -> 19 images/s at batch 8.
pub fn configure_cpu() {
    if std::env::var_os(CANDLE_THREADS_ENV).is_none() {
        std::env::set_var(CANDLE_THREADS_ENV, "1");
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !allocator_tuned_by_user() {
        // SAFETY: mallopt only sets the allocator's parameters; called before threads start.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    }
}

/// Whether the user tunes glibc's allocator themselves (`GLIBC_TUNABLES` set): then the program
/// sets none of its parameters (here, or the app's heap arenas), since `mallopt` would override
/// theirs.
pub fn allocator_tuned_by_user() -> bool {
    std::env::var_os("GLIBC_TUNABLES").is_some()
}

/// Call first in `main`, before any thread starts. OpenBLAS chooses its kernels once, when it
/// loads, from `OPENBLAS_CORETYPE`; where the dynamic loader has already loaded it (a dependency of
/// FFmpeg's libraries on Debian) with other kernels than this program wants (see
/// `PRESSNEXT_OPENBLAS_CORETYPE`: on an AVX-512 CPU its AVX-512 ones, about twice as fast), this
/// runs the program again, same arguments and process id, with `OPENBLAS_CORETYPE` set. Returns
/// when nothing needs doing, under `PRESSNEXT_MATMUL=candle`, where MKL is the backend, or when
/// the program cannot be run
/// again (it then goes on with the kernels it has).
pub fn use_preferred_kernels() {
    let Some(wanted) = openblas::preferred_core_type() else {
        return;
    };
    let already = std::env::var("OPENBLAS_CORETYPE")
        .map(|v| v.eq_ignore_ascii_case(&wanted))
        .unwrap_or(false);
    if candle_forced() || already || mkl_chosen() {
        return;
    }
    match openblas::loaded_core_name() {
        // Not loaded yet: this crate loads it later and it reads the variable then.
        None => std::env::set_var("OPENBLAS_CORETYPE", &wanted),
        Some(core) if core.eq_ignore_ascii_case(&wanted) => {}
        Some(_) => {
            #[cfg(unix)]
            {
                use std::os::unix::process::CommandExt;
                let Ok(exe) = std::env::current_exe() else {
                    return;
                };
                let mut args = std::env::args_os();
                let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
                // The next run finds the variable already as wanted and goes on.
                std::env::set_var("OPENBLAS_CORETYPE", &wanted);
                let err = std::process::Command::new(&exe)
                    .arg0(arg0)
                    .args(args)
                    .exec();
                eprintln!(
                    "pressnext: could not restart with OpenBLAS's {wanted} kernels ({err}); \
                     going on with the ones it has"
                );
            }
        }
    }
}

/// The kernel family OpenBLAS runs in this process (`Haswell`, `SkylakeX`, ...), when it is the
/// [`backend`].
pub fn core_name() -> Option<String> {
    (backend() == Backend::OpenBlas)
        .then(openblas::get)
        .flatten()
        .map(|b| b.core.clone())
}

/// The kernel family this program asks OpenBLAS for (`PRESSNEXT_OPENBLAS_CORETYPE`, else
/// `SkylakeX` on a CPU with AVX-512), or `None` to leave it to OpenBLAS.
pub fn preferred_core_type() -> Option<String> {
    openblas::preferred_core_type()
}

/// `a.matmul(b)`, on the process's [`backend`].
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    matmul_on(backend(), a, b)
}

/// `a.matmul(b)` on the given backend; a BLAS backend falls back to candle where its library did
/// not load or cannot take the operands. For side-by-side benchmarks and tests.
pub fn matmul_on(backend: Backend, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    match backend.sgemm() {
        Some(sgemm) if blas_can_take(a, b) => {
            blas_operand(a.clone())?.apply_op2(&blas_operand(b.clone())?, BlasMatMul { sgemm })
        }
        _ => candle_operand(a)?.matmul(&candle_operand(b)?),
    }
}

/// The `cblas_sgemm` that runs a linear layer's product `x wt` in one of this crate's custom ops:
/// this process's backend's, where it is a BLAS that takes both operands (`x` is made contiguous
/// when it must be).
fn blas_for_linear(x: &Tensor, wt: &Tensor) -> Option<cblas::Sgemm> {
    backend()
        .sgemm()
        .filter(|_| blas_can_take(x, wt) && operand_layout(wt.layout()).is_some())
}

/// Whether `t` is a CPU `f32` tensor of exactly `dims` (what the custom ops read raw).
fn cpu_f32_of(t: &Tensor, dims: &[usize]) -> bool {
    t.dtype() == DType::F32 && matches!(t.device(), Device::Cpu) && t.dims() == dims
}

/// `t` as OpenBLAS reads an operand: as it lies where it can, else contiguous.
fn blas_operand(t: Tensor) -> Result<Tensor> {
    if operand_layout(t.layout()).is_some() {
        Ok(t)
    } else {
        t.contiguous()
    }
}

/// `t` as candle's own kernels (its CPU `gemm` and cuBLAS) take an operand: contiguous, or the
/// transpose of a contiguous tensor; any other view (the heads of an attention's fused
/// projection, which OpenBLAS reads as they lie) is copied first.
fn candle_operand(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() || t.rank() < 2 || t.t()?.is_contiguous() {
        Ok(t.clone())
    } else {
        t.contiguous()
    }
}

/// CPU, `f32`, the same rank >= 2, equal batch dimensions, matching inner dimensions, nothing
/// empty, every size within CBLAS's `int`.
fn blas_can_take(a: &Tensor, b: &Tensor) -> bool {
    if !matches!(a.device(), Device::Cpu) || !matches!(b.device(), Device::Cpu) {
        return false;
    }
    if a.dtype() != DType::F32 || b.dtype() != DType::F32 {
        return false;
    }
    let (da, db) = (a.dims(), b.dims());
    let r = da.len();
    if r < 2 || db.len() != r || da[..r - 2] != db[..r - 2] || da[r - 1] != db[r - 2] {
        return false;
    }
    let (m, k, n) = (da[r - 2], da[r - 1], db[r - 1]);
    [m, k, n].iter().all(|&d| d > 0 && d <= CBLAS_INT_LIMIT)
}

/// How one operand's last two dimensions sit in memory, as CBLAS takes them: `(transposed, ld)`,
/// or `None` when neither a row- nor a column-major view fits (then it is made contiguous first).
fn operand_layout(layout: &Layout) -> Option<(bool, usize)> {
    let dims = layout.dims();
    let strides = layout.stride();
    let r = dims.len();
    if r < 2 {
        return None;
    }
    let (rows, cols) = (dims[r - 2], dims[r - 1]);
    let (s_row, s_col) = (strides[r - 2], strides[r - 1]);
    // Row-major: consecutive columns adjacent, rows `ld` apart (ld >= cols).
    if (s_col == 1 || cols == 1) && (rows == 1 || s_row >= cols) {
        let ld = if rows == 1 { cols } else { s_row };
        return (ld <= CBLAS_INT_LIMIT).then_some((false, ld.max(1)));
    }
    // Column-major (a transposed view): consecutive rows adjacent, columns `ld` apart.
    if (s_row == 1 || rows == 1) && (cols == 1 || s_col >= rows) {
        let ld = if cols == 1 { rows } else { s_col };
        return (ld <= CBLAS_INT_LIMIT).then_some((true, ld.max(1)));
    }
    None
}

/// Start offsets (in elements) of each matrix of a batched operand, batch dimensions flattened
/// in row-major order; broadcast dimensions (stride 0) repeat the same matrix.
fn batch_offsets(layout: &Layout) -> Vec<usize> {
    let dims = layout.dims();
    let strides = layout.stride();
    let r = dims.len();
    let mut offsets = vec![layout.start_offset()];
    for d in 0..r - 2 {
        let mut next = Vec::with_capacity(offsets.len() * dims[d]);
        for &o in &offsets {
            for i in 0..dims[d] {
                next.push(o + i * strides[d]);
            }
        }
        offsets = next;
    }
    offsets
}

/// Index one past the last element a `rows x cols` operand with this layout reaches.
fn extent(trans: bool, ld: usize, rows: usize, cols: usize) -> usize {
    if trans {
        (cols - 1) * ld + rows
    } else {
        (rows - 1) * ld + cols
    }
}

/// Products below this many multiply-adds run on the calling thread.
const PARALLEL_MIN_FLOPS: usize = 1 << 16;

/// A band of rows is at least this tall (below it the packing of B outweighs the split).
const MIN_BAND_ROWS: usize = 32;

/// The two operands of a (batched) product as CBLAS reads them: their values, `A [m, k]` and
/// `B [k, n]` with their transpositions and leading dimensions, and each batch entry's start;
/// checked so that every element the products address lies inside its storage.
struct Operands<'a> {
    a: &'a [f32],
    b: &'a [f32],
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    lda: usize,
    tb: bool,
    ldb: usize,
    oa: Vec<usize>,
    ob: Vec<usize>,
}

impl<'a> Operands<'a> {
    /// The operands of `op`, or an error naming it (not `f32`, a layout CBLAS cannot read, or
    /// one reaching past its storage). The shapes were checked by [`blas_can_take`].
    fn check(
        op: &str,
        s1: &'a CpuStorage,
        l1: &Layout,
        s2: &'a CpuStorage,
        l2: &Layout,
    ) -> Result<Self> {
        let (CpuStorage::F32(a), CpuStorage::F32(b)) = (s1, s2) else {
            candle_core::bail!(
                "{op} takes f32 operands, got {:?} and {:?}",
                s1.dtype(),
                s2.dtype()
            );
        };
        let (da, db) = (l1.dims(), l2.dims());
        let r = da.len();
        let (m, k, n) = (da[r - 2], da[r - 1], db[r - 1]);
        let (Some((ta, lda)), Some((tb, ldb))) = (operand_layout(l1), operand_layout(l2)) else {
            candle_core::bail!("{op}: operand layout not supported (make it contiguous)");
        };
        let (oa, ob) = (batch_offsets(l1), batch_offsets(l2));
        let (ea, eb) = (extent(ta, lda, m, k), extent(tb, ldb, k, n));
        if oa.iter().any(|&o| o + ea > a.len()) || ob.iter().any(|&o| o + eb > b.len()) {
            candle_core::bail!("{op}: operand layout reaches past its storage");
        }
        Ok(Self {
            a,
            b,
            m,
            k,
            n,
            ta,
            lda,
            tb,
            ldb,
            oa,
            ob,
        })
    }

    /// Rows `r0..r0 + rows` of batch entry `entry`'s product into C at `c` (rows `ldc` apart):
    /// `C = A B + beta C` through `sgemm`.
    ///
    /// # Safety
    /// `r0 + rows <= m`, `entry` is a batch entry, and `c` is as [`cblas::sgemm`] asks.
    #[allow(clippy::too_many_arguments)]
    unsafe fn product_rows(
        &self,
        sgemm: cblas::Sgemm,
        entry: usize,
        r0: usize,
        rows: usize,
        beta: f32,
        c: *mut f32,
        ldc: usize,
    ) {
        // Rows r0.. of A: `r0 * lda` into a row-major A, `r0` into a transposed one.
        let a_start = self.oa[entry] + if self.ta { r0 } else { r0 * self.lda };
        // SAFETY: A and B reach only elements inside their storages (checked by `check`
        // against `extent`); C as the caller promises.
        unsafe {
            cblas::sgemm(
                sgemm,
                self.ta,
                self.tb,
                rows,
                self.n,
                self.k,
                &self.a[a_start..],
                self.lda,
                &self.b[self.ob[entry]..],
                self.ldb,
                beta,
                c,
                ldc,
            )
        }
    }
}

/// What the product's output holds before the product is added to it.
#[derive(Clone, Copy)]
enum Init<'a> {
    /// Zeros: `C = A B`.
    Zero,
    /// Every row a copy of this bias: `C = A B + 1 b^T`, the linear layer's bias added in the
    /// same pass over C instead of a second one.
    RowBias(&'a [f32]),
    /// A residual of C's shape plus the bias, if any: `C = A B + R + 1 b^T`, a residual block's
    /// sum in the product's pass.
    Residual(&'a [f32], Option<&'a [f32]>),
}

/// `A B` (+ the bias of `init`) for CPU `f32` storages with the given layouts, the rows or batch
/// entries split over rayon's threads.
fn blas_product(
    sgemm: cblas::Sgemm,
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    init: Init,
) -> Result<(CpuStorage, Shape)> {
    let ops = Operands::check("blas-matmul", s1, l1, s2, l2)?;
    let (m, k, n, oa) = (ops.m, ops.k, ops.n, &ops.oa);
    let da = l1.dims();
    let r = da.len();
    let total = oa.len() * m * n;
    let (mut out, beta): (Vec<f32>, f32) = match init {
        // CBLAS does not read C when beta is 0: the product writes every element of an
        // uninitialised output (a zero-filling pass saved; it was 4 % of the image encoder).
        Init::Zero => (Vec::with_capacity(total), 0.0),
        Init::RowBias(bias) => {
            if bias.len() != n {
                candle_core::bail!("blas-linear: bias of {} for {n} outputs", bias.len());
            }
            let mut out = Vec::with_capacity(total);
            for _ in 0..oa.len() * m {
                out.extend_from_slice(bias);
            }
            (out, 1.0)
        }
        Init::Residual(residual, bias) => {
            if residual.len() != total || bias.is_some_and(|b| b.len() != n) {
                candle_core::bail!(
                    "blas-linear: residual of {} and bias of {:?} for {} x {n} outputs",
                    residual.len(),
                    bias.map(|b| b.len()),
                    oa.len() * m
                );
            }
            let out = match bias {
                Some(bias) => {
                    let mut out = Vec::with_capacity(residual.len());
                    for row in residual.chunks(n) {
                        out.extend(row.iter().zip(bias).map(|(r, b)| r + b));
                    }
                    out
                }
                None => residual.to_vec(),
            };
            (out, 1.0)
        }
    };
    // One task per batch entry, or per band of rows when there are fewer entries than
    // threads; a product too small to pay for a task switch runs here.
    let threads = rayon::current_num_threads().max(1);
    let bands = if oa.len() >= threads || m * n * k < PARALLEL_MIN_FLOPS {
        1
    } else {
        m.div_ceil(MIN_BAND_ROWS)
            .clamp(1, threads.div_ceil(oa.len()))
    };
    let rows_per_band = m.div_ceil(bands);
    let cells: &mut [MaybeUninit<f32>] = if out.len() == total {
        // SAFETY: an f32 is a valid MaybeUninit<f32> (same layout); nothing de-initialises it.
        unsafe { &mut *(out.as_mut_slice() as *mut [f32] as *mut [MaybeUninit<f32>]) }
    } else {
        &mut out.spare_capacity_mut()[..total]
    };
    let mut tasks: Vec<(usize, usize, &mut [MaybeUninit<f32>])> =
        Vec::with_capacity(oa.len() * bands);
    for (entry, c) in cells.chunks_mut(m * n).enumerate() {
        for (band, c) in c.chunks_mut(rows_per_band * n).enumerate() {
            tasks.push((entry, band * rows_per_band, c));
        }
    }
    let run = |(entry, r0, c): (usize, usize, &mut [MaybeUninit<f32>])| {
        // SAFETY: C is this task's own `rows x n` block, initialised whenever beta is not 0.
        unsafe {
            ops.product_rows(
                sgemm,
                entry,
                r0,
                c.len() / n,
                beta,
                c.as_mut_ptr().cast(),
                n,
            )
        };
    };
    if tasks.len() > 1 && oa.len() * m * n * k >= PARALLEL_MIN_FLOPS {
        use rayon::prelude::*;
        tasks.into_par_iter().for_each(run);
    } else {
        tasks.into_iter().for_each(run);
    }
    if out.len() != total {
        // SAFETY: every task's product wrote its whole block (beta 0), and the blocks cover
        // all `total` elements.
        unsafe { out.set_len(total) };
    }
    let mut shape = da[..r - 1].to_vec();
    shape.push(n);
    Ok((CpuStorage::F32(out), Shape::from(shape)))
}

/// The product as a candle custom op, so that it has a backward pass.
struct BlasMatMul {
    sgemm: cblas::Sgemm,
}

impl CustomOp2 for BlasMatMul {
    fn name(&self) -> &'static str {
        "blas-matmul"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        blas_product(self.sgemm, s1, l1, s2, l2, Init::Zero)
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        Ok((Some(matmul(grad, &b.t()?)?), Some(matmul(&a.t()?, grad)?)))
    }
}

/// Attention's context with its heads merged: `probs [B, H, N, M] . v [B, H, M, Dh]` as
/// `[B, N, H * Dh]`, each head's product written straight into its columns of the merged rows
/// (the transpose and copy after a plain batched product were 3 % of the image encoder). CPU
/// `f32` through the process's BLAS, else the product, transpose and reshape. Inference only (no
/// backward pass: for the frozen encoders).
pub fn matmul_merge_heads(probs: &Tensor, v: &Tensor) -> Result<Tensor> {
    let (b, h, n, _) = probs.dims4()?;
    let dh = v.dim(3)?;
    match backend().sgemm() {
        Some(sgemm) if blas_can_take(probs, v) => blas_operand(probs.clone())?
            .apply_op2_no_bwd(&blas_operand(v.clone())?, &BlasMergeHeads { sgemm }),
        _ => matmul(probs, v)?.transpose(1, 2)?.reshape((b, n, h * dh)),
    }
}

/// A row-wise softmax: `scores` into `probs`, rows of `row` values each (both the same length).
/// [`attention_merge_heads`] takes the caller's kernel (the encoders' vectorised one).
pub type RowSoftmax = fn(scores: &[f32], probs: &mut [MaybeUninit<f32>], row: usize);

/// Attention with its heads merged, for inference: `softmax(q k^T) v` as `[B, N, H * Dh]` from
/// `q [B, H, N, Dh]`, `k` and `v [B, H, M, Dh]` (the query already scaled), with `key_bias
/// [B, M]` added to every score of its batch entry's keys when given (BERT's padding mask: 0 for
/// a token, a large negative number for padding). On the CPU in `f32`
/// through the process's BLAS, each (batch entry, head) is one task: its `N x M` scores are
/// made, softmaxed by `softmax` and multiplied by its values while they are still in the core's
/// cache, and written straight into the head's columns of the merged rows. Done as three passes
/// over the whole `[B, H, N, M]` tensor (product, softmax, product: 12.7 MB per layer of DINOv2
/// at batch 8, past the L2 cache) the softmax took 5.5 % of the image encoder. Elsewhere: the
/// product, candle's softmax and [`matmul_merge_heads`].
pub fn attention_merge_heads(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    key_bias: Option<&Tensor>,
    softmax: RowSoftmax,
) -> Result<Tensor> {
    let kt = k.t()?;
    let bias_fits = |b: &Tensor| {
        matches!(b.device(), Device::Cpu)
            && b.dtype() == DType::F32
            && b.dims() == [q.dim(0).unwrap_or(0), kt.dim(3).unwrap_or(0)]
    };
    match backend().sgemm() {
        Some(sgemm)
            if q.rank() == 4
                && blas_can_take(q, &kt)
                && values_fit(q, &kt, v)
                && key_bias.is_none_or(bias_fits) =>
        {
            blas_operand(q.clone())?.apply_op3_no_bwd(
                &blas_operand(kt)?,
                &blas_operand(v.clone())?,
                &BlasAttention {
                    sgemm,
                    softmax,
                    key_bias: key_bias.map(Tensor::contiguous).transpose()?,
                },
            )
        }
        _ => {
            let mut scores = matmul(q, &kt)?;
            if let Some(bias) = key_bias {
                let (b, m) = bias.dims2()?;
                scores = scores.broadcast_add(&bias.reshape((b, 1, 1, m))?)?;
            }
            matmul_merge_heads(&candle_nn::ops::softmax_last_dim(&scores)?, v)
        }
    }
}

/// Whether `v` is CPU `f32` values `[B, H, M, Dh]` for the scores `q . kt` (`kt [B, H, Dh, M]`).
fn values_fit(q: &Tensor, kt: &Tensor, v: &Tensor) -> bool {
    matches!(v.device(), Device::Cpu)
        && v.dtype() == DType::F32
        && v.rank() == 4
        && v.dims()[..2] == q.dims()[..2]
        && v.dims()[2] == kt.dims()[3]
}

struct BlasAttention {
    sgemm: cblas::Sgemm,
    softmax: RowSoftmax,
    /// `[B, M]`, contiguous: added to each score row of its batch entry.
    key_bias: Option<Tensor>,
}

impl CustomOp3 for BlasAttention {
    fn name(&self) -> &'static str {
        "blas-attention-merge-heads"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        if l1.dims().len() != 4 || l3.dims().len() != 4 {
            candle_core::bail!(
                "{} takes [B, H, N, Dh], [B, H, Dh, M], [B, H, M, Dh]",
                self.name()
            );
        }
        let (batch, heads) = (l1.dims()[0], l1.dims()[1]);
        // The scores: q [N, Dh] . k^T [Dh, M] per entry.
        let scores = Operands::check(self.name(), s1, l1, s2, l2)?;
        let (n, m) = (scores.m, scores.n);
        // The values: [M, Dh] per entry, read as CBLAS's B.
        let CpuStorage::F32(v) = s3 else {
            candle_core::bail!("{} takes f32 values, got {:?}", self.name(), s3.dtype());
        };
        let dh = l3.dims()[3];
        if l3.dims()[2] != m {
            candle_core::bail!("{}: {} values for {m} keys", self.name(), l3.dims()[2]);
        }
        let Some((tv, ldv)) = operand_layout(l3) else {
            candle_core::bail!(
                "{}: values layout not supported (make it contiguous)",
                self.name()
            );
        };
        let ov = batch_offsets(l3);
        if ov.iter().any(|&o| o + extent(tv, ldv, m, dh) > v.len()) {
            candle_core::bail!("{}: values layout reaches past its storage", self.name());
        }
        with_held_f32(
            self.key_bias.as_ref(),
            self.name(),
            "key bias",
            |key_bias| {
                if let Some(bias) = key_bias.filter(|b| b.len() != batch * m) {
                    candle_core::bail!(
                        "{}: key bias of {} for [{batch}, {m}]",
                        self.name(),
                        bias.len()
                    );
                }
                let (sgemm, softmax) = (self.sgemm, self.softmax);
                let write = |entry: usize, c: *mut f32, ldc: usize| {
                    let mut s: Vec<f32> = Vec::with_capacity(n * m);
                    let mut p: Vec<f32> = Vec::with_capacity(n * m);
                    // SAFETY: `s` has room for the n x m scores, which the product writes whole
                    // (beta 0) before they are read; then the softmax writes every element of `p`.
                    unsafe {
                        scores.product_rows(sgemm, entry, 0, n, 0.0, s.as_mut_ptr(), m);
                        s.set_len(n * m);
                    }
                    if let Some(bias) = key_bias {
                        let bias = &bias[(entry / heads) * m..][..m];
                        for row in s.chunks_mut(m) {
                            for (x, b) in row.iter_mut().zip(bias) {
                                *x += b;
                            }
                        }
                    }
                    softmax(&s, &mut p.spare_capacity_mut()[..n * m], m);
                    // SAFETY: every element of `p` was written by the softmax just above.
                    unsafe { p.set_len(n * m) };
                    // SAFETY: the values reach only inside their storage (checked above); C is as
                    // `merged_heads_output` promises.
                    unsafe {
                        cblas::sgemm(
                            sgemm,
                            false,
                            tv,
                            n,
                            dh,
                            m,
                            &p,
                            m,
                            &v[ov[entry]..],
                            ldv,
                            0.0,
                            c,
                            ldc,
                        )
                    };
                };
                Ok(merged_heads_output(
                    (batch, heads, n, dh),
                    batch * heads * n * m * dh,
                    write,
                ))
            },
        )
    }
}

/// A pointer shared by tasks that write disjoint parts of one buffer.
#[derive(Clone, Copy)]
struct SharedOut(*mut f32);
// SAFETY: the tasks that share it write disjoint elements (see `BlasMergeHeads::cpu_fwd`).
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// The pointer `offset` elements on (a method, so that closures capture the whole wrapper,
    /// not its raw pointer field).
    ///
    /// # Safety
    /// `offset` lies inside the buffer.
    unsafe fn at(self, offset: usize) -> *mut f32 {
        // SAFETY: as the caller promises.
        unsafe { self.0.add(offset) }
    }
}

struct BlasMergeHeads {
    sgemm: cblas::Sgemm,
}

impl CustomOp2 for BlasMergeHeads {
    fn name(&self) -> &'static str {
        "blas-matmul-merge-heads"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        if l1.dims().len() != 4 {
            candle_core::bail!("{} takes [B, H, N, M] . [B, H, M, Dh]", self.name());
        }
        let (batch, heads) = (l1.dims()[0], l1.dims()[1]);
        let ops = Operands::check(self.name(), s1, l1, s2, l2)?;
        let (m, k, n) = (ops.m, ops.k, ops.n);
        let sgemm = self.sgemm;
        let write = |entry: usize, c: *mut f32, ldc: usize| {
            // SAFETY: C is as `merged_heads_output` promises.
            unsafe { ops.product_rows(sgemm, entry, 0, m, 0.0, c, ldc) };
        };
        Ok(merged_heads_output(
            (batch, heads, m, n),
            batch * heads * m * n * k,
            write,
        ))
    }
}

/// The `[B, N, H * Dh]` output of an attention product with its heads merged (`dims` = `(B, H,
/// N, Dh)`): `write(entry, c, ldc)` writes batch entry `entry / H`'s head `entry % H`, `N x Dh`
/// values at `c` with rows `ldc` apart, every one of them (its block: those columns of its batch
/// entry's rows, which no other entry writes). The entries run over rayon's threads when there
/// are several and the `flops` multiply-adds in all pay for the tasks.
fn merged_heads_output(
    (batch, heads, n, dh): (usize, usize, usize, usize),
    flops: usize,
    write: impl Fn(usize, *mut f32, usize) + Sync,
) -> (CpuStorage, Shape) {
    // Row r of batch entry i holds head j's dh values at columns j * dh.., rows heads * dh apart.
    let row = heads * dh;
    let total = batch * n * row;
    let mut out: Vec<f32> = Vec::with_capacity(total);
    let base = SharedOut(out.spare_capacity_mut().as_mut_ptr().cast::<f32>());
    let run = |entry: usize| {
        let (i, j) = (entry / heads, entry % heads);
        // SAFETY: the block starts inside `out`'s capacity (i < batch, j < heads).
        write(entry, unsafe { base.at(i * n * row + j * dh) }, row);
    };
    if batch * heads > 1 && flops >= PARALLEL_MIN_FLOPS {
        use rayon::prelude::*;
        (0..batch * heads).into_par_iter().for_each(run);
    } else {
        (0..batch * heads).for_each(run);
    }
    // SAFETY: the entries' blocks tile every row of every batch entry, each written whole.
    unsafe { out.set_len(total) };
    (CpuStorage::F32(out), Shape::from((batch, n, row)))
}

/// The `f32` values of a contiguous operand of `op`, or an error naming the operand.
fn contiguous_f32<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    op: &str,
    what: &str,
) -> Result<&'a [f32]> {
    let CpuStorage::F32(values) = storage else {
        candle_core::bail!("{op} takes an f32 {what}, got {:?}", storage.dtype());
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("{op} takes a contiguous {what}");
    };
    Ok(&values[start..end])
}

/// A tensor that a custom op holds beside its operands (a bias), as a CPU `f32` slice, given
/// to `f` while its storage is borrowed; `f(None)` without one.
fn with_held_f32<R>(
    held: Option<&Tensor>,
    op: &str,
    what: &str,
    f: impl FnOnce(Option<&[f32]>) -> Result<R>,
) -> Result<R> {
    let Some(held) = held else {
        return f(None);
    };
    let (storage, layout) = held.storage_and_layout();
    let candle_core::Storage::Cpu(storage) = &*storage else {
        candle_core::bail!("{op} takes a CPU {what}");
    };
    f(Some(contiguous_f32(storage, layout, op, what)?))
}

/// `x W^T + r + b` for a 2-D `x` and a residual `r` of the output's shape, as one custom op
/// (inference only: the frozen encoders' residual blocks).
struct BlasLinearResidual {
    sgemm: cblas::Sgemm,
    bias: Option<Tensor>,
}

impl CustomOp3 for BlasLinearResidual {
    fn name(&self) -> &'static str {
        "blas-linear-residual"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let residual = contiguous_f32(s3, l3, "blas-linear-residual", "residual")?;
        with_held_f32(self.bias.as_ref(), "blas-linear-residual", "bias", |bias| {
            blas_product(self.sgemm, s1, l1, s2, l2, Init::Residual(residual, bias))
        })
    }
}

/// `x W^T + b` for a 2-D `x`, as one custom op (the bias fills the output before the product is
/// added to it), with a backward pass.
struct BlasLinear {
    sgemm: cblas::Sgemm,
}

impl CustomOp3 for BlasLinear {
    fn name(&self) -> &'static str {
        "blas-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let bias = contiguous_f32(s3, l3, "blas-linear", "bias")?;
        blas_product(self.sgemm, s1, l1, s2, l2, Init::RowBias(bias))
    }

    fn bwd(
        &self,
        x: &Tensor,
        wt: &Tensor,
        _bias: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        Ok((
            Some(matmul(grad, &wt.t()?)?),
            Some(matmul(&x.t()?, grad)?),
            Some(grad.sum(0)?),
        ))
    }
}

/// `y = x W^T + b` over `[.., in]`, as one 2-D product on the process's [`backend`]; the same
/// parameters (`weight [out, in]`, `bias [out]`) and results as `candle_nn::Linear`.
#[derive(Debug, Clone)]
pub struct Linear {
    weight: Tensor,
    bias: Option<Tensor>,
}

impl Linear {
    pub fn new(weight: Tensor, bias: Option<Tensor>) -> Self {
        Self { weight, bias }
    }

    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    pub fn bias(&self) -> Option<&Tensor> {
        self.bias.as_ref()
    }

    /// This layer with output `i` multiplied by `factors[i]` (rows of the weight and the bias
    /// scaled once): a scale that follows the layer (LayerScale, an attention's `1/sqrt(Dh)`)
    /// costs no pass of its own. For frozen checkpoints.
    pub fn scale_outputs(&self, factors: &Tensor) -> Result<Linear> {
        let factors = factors.to_dtype(self.weight.dtype())?;
        Ok(Linear::new(
            self.weight.broadcast_mul(&factors.unsqueeze(1)?)?,
            self.bias.as_ref().map(|b| b.mul(&factors)).transpose()?,
        ))
    }

    /// `residual + self.forward(xs)`, the residual added in the product's own pass where
    /// OpenBLAS takes it (CPU `f32`; no backward pass: for the frozen encoders), else as a sum.
    pub fn forward_residual(&self, xs: &Tensor, residual: &Tensor) -> Result<Tensor> {
        let (x2, lead) = linear_rows(xs)?;
        let wt = self.weight.t()?;
        let out_dim = self.weight.dim(0)?;
        let mut out_dims = lead;
        out_dims.push(out_dim);
        let sgemm = blas_for_linear(&x2, &wt).filter(|_| {
            cpu_f32_of(residual, &out_dims)
                && self.bias.as_ref().is_none_or(|b| cpu_f32_of(b, &[out_dim]))
        });
        let Some(sgemm) = sgemm else {
            return residual + self.forward(xs)?;
        };
        let op = BlasLinearResidual {
            sgemm,
            bias: self.bias.as_ref().map(|b| b.contiguous()).transpose()?,
        };
        let r2 = residual.contiguous()?.reshape((x2.dim(0)?, out_dim))?;
        blas_operand(x2)?
            .apply_op3_no_bwd(&wt, &r2, &op)?
            .reshape(out_dims)
    }
}

/// `xs [.., in]` as the `[rows, in]` operand of a linear layer's one tall product (candle's
/// batched path would pack the weight once per batch entry), and its leading dimensions.
fn linear_rows(xs: &Tensor) -> Result<(Tensor, Vec<usize>)> {
    let dims = xs.dims();
    let Some((&in_dim, lead)) = dims.split_last() else {
        candle_core::bail!("linear: a scalar input has no feature dimension");
    };
    let rows: usize = lead.iter().product();
    Ok((xs.reshape((rows, in_dim))?, lead.to_vec()))
}

impl From<candle_nn::Linear> for Linear {
    fn from(l: candle_nn::Linear) -> Self {
        Self::new(l.weight().clone(), l.bias().cloned())
    }
}

impl Module for Linear {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let (x2, mut out_dims) = linear_rows(xs)?;
        let wt = self.weight.t()?;
        let sgemm = blas_for_linear(&x2, &wt);
        let ys = match (&self.bias, sgemm) {
            (Some(bias), Some(sgemm)) if cpu_f32_of(bias, &[wt.dim(1)?]) => {
                blas_operand(x2)?.apply_op3(&wt, &bias.contiguous()?, BlasLinear { sgemm })?
            }
            (Some(bias), _) => matmul(&x2, &wt)?.broadcast_add(bias)?,
            (None, _) => matmul(&x2, &wt)?,
        };
        out_dims.push(ys.dim(1)?);
        ys.reshape(out_dims)
    }
}

/// [`linear`] whose first `query_rows` outputs (an attention's queries) come out multiplied by
/// `scale` (`1/sqrt(head dim)`): those rows of the weight and the bias are scaled once here, so
/// the attention scores need no pass of their own. For frozen checkpoints (inference).
pub fn linear_query_scaled(
    in_dim: usize,
    out_dim: usize,
    query_rows: usize,
    scale: f64,
    vb: VarBuilder,
) -> Result<Linear> {
    let layer = linear(in_dim, out_dim, vb)?;
    let factors: Vec<f32> = (0..out_dim)
        .map(|r| if r < query_rows { scale as f32 } else { 1.0 })
        .collect();
    layer.scale_outputs(&Tensor::from_vec(factors, out_dim, layer.weight.device())?)
}

/// [`Linear`] with `weight` and `bias` under `vb`, initialised as `candle_nn::linear` does when
/// `vb` creates them.
pub fn linear(in_dim: usize, out_dim: usize, vb: VarBuilder) -> Result<Linear> {
    Ok(candle_nn::linear(in_dim, out_dim, vb)?.into())
}
