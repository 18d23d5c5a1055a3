//! Comparing tensors with reference fixtures.

use candle_core::Tensor;

/// The largest absolute difference between two tensors of the same shape (panics, naming both
/// shapes, when they differ).
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims(), "shapes differ");
    (a - b)
        .and_then(|d| d.abs())
        .and_then(|d| d.flatten_all())
        .and_then(|d| d.max(0))
        .and_then(|d| d.to_dtype(candle_core::DType::F32))
        .and_then(|d| d.to_scalar::<f32>())
        .expect("tensors of one dtype and device")
}
