//! Convolutions that candle runs slowly on the CPU. candle runs a grouped convolution as one
//! convolution per group, so a depthwise convolution (one group per channel, as in MobileNet-style
//! networks: PP-OCR, MediaPipe's hand models) becomes hundreds of tiny calls; here it is one direct
//! loop per channel, the channels spread over the CPU's threads.

use candle_core::{DType, Device, Result, Tensor};

/// Depthwise 2-D convolution of `x` (`[N, C, H, W]`) with `w` (`[C, 1, KH, KW]`), zero padding
/// `pads` (top, left, bottom, right) and `strides` (rows, columns); no bias, no dilation.
pub fn depthwise_conv2d(
    x: &Tensor,
    w: &Tensor,
    pads: [usize; 4],
    strides: [usize; 2],
) -> Result<Tensor> {
    let (n, c, h, wd) = x.dims4()?;
    let (_, _, kh, kw) = w.dims4()?;
    let [t, l, b, r] = pads;
    let [sh, sw] = strides;
    if h + t + b < kh || wd + l + r < kw {
        candle_core::bail!("depthwise conv: input {h}x{wd} smaller than its kernel")
    }
    let oh = (h + t + b - kh) / sh + 1;
    let ow = (wd + l + r - kw) / sw + 1;
    let xs = x.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    let ws = w.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    let mut out = vec![0f32; n * c * oh * ow];
    let plane = |idx: usize, dst: &mut [f32]| {
        let ch = idx % c;
        let src = &xs[idx * h * wd..(idx + 1) * h * wd];
        let k = &ws[ch * kh * kw..(ch + 1) * kh * kw];
        for oy in 0..oh {
            let row = &mut dst[oy * ow..(oy + 1) * ow];
            for ky in 0..kh {
                let iy = (oy * sh + ky) as isize - t as isize;
                if iy < 0 || iy >= h as isize {
                    continue;
                }
                let srow = &src[iy as usize * wd..(iy as usize + 1) * wd];
                for kx in 0..kw {
                    let wv = k[ky * kw + kx];
                    // Output columns whose input column lies inside the row.
                    let lo = (l as isize - kx as isize).max(0) as usize;
                    let first = lo.div_ceil(sw);
                    let hi = wd as isize + l as isize - kx as isize; // exclusive, in padded coords
                    if hi <= 0 {
                        continue;
                    }
                    let last = ((hi as usize - 1) / sw + 1).min(ow);
                    if first >= last {
                        continue;
                    }
                    let start = first * sw + kx - l;
                    let len = last - first;
                    let dst = &mut row[first..last];
                    if sw == 1 {
                        // Contiguous: the compiler vectorises this.
                        for (o, &v) in dst.iter_mut().zip(&srow[start..start + len]) {
                            *o += wv * v;
                        }
                    } else {
                        for (o, &v) in dst.iter_mut().zip(srow[start..].iter().step_by(sw)) {
                            *o += wv * v;
                        }
                    }
                }
            }
        }
    };
    let chunk = oh * ow;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(n * c)
        .max(1);
    let per = (n * c).div_ceil(threads);
    std::thread::scope(|scope| {
        for (ti, part) in out.chunks_mut(per * chunk).enumerate() {
            let plane = &plane;
            scope.spawn(move || {
                for (j, dst) in part.chunks_mut(chunk).enumerate() {
                    plane(ti * per + j, dst);
                }
            });
        }
    });
    Tensor::from_vec(out, (n, c, oh, ow), &Device::Cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar()
            .unwrap()
    }

    /// The depthwise loop against candle's grouped conv2d, with padding and stride 2, and with
    /// uneven padding against explicit zero padding.
    #[test]
    fn depthwise_matches_candle_conv2d() {
        let dev = Device::Cpu;
        let x = Tensor::rand(-1f32, 1f32, (1, 3, 9, 11), &dev).unwrap();
        let w = Tensor::rand(-1f32, 1f32, (3, 1, 3, 3), &dev).unwrap();
        for (stride, pad) in [(1, 1), (2, 1), (1, 0), (2, 2)] {
            let ours = depthwise_conv2d(&x, &w, [pad; 4], [stride; 2]).unwrap();
            let theirs = x.conv2d(&w, pad, stride, 1, 3).unwrap();
            let d = max_abs_diff(&ours, &theirs);
            assert!(d < 1e-5, "stride {stride} pad {pad}: {d}");
        }
        let ours = depthwise_conv2d(&x, &w, [0, 0, 1, 1], [2, 2]).unwrap();
        let padded = x
            .pad_with_zeros(2, 0, 1)
            .unwrap()
            .pad_with_zeros(3, 0, 1)
            .unwrap();
        let theirs = padded.conv2d(&w, 0, 2, 1, 3).unwrap();
        assert!(max_abs_diff(&ours, &theirs) < 1e-5);
    }
}
