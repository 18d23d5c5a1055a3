//! Picks the compute device from `DEVICE`: `cpu`, `cuda`, `cuda:N` or `auto` (CUDA when this
//! build has it and a GPU answers, else the CPU, saying so).

use candle_core::Device;

use crate::error::{Error, Result};

/// The device and a line telling the user what was chosen and why.
pub fn select(spec: &str) -> Result<(Device, String)> {
    let spec = spec.trim();
    match spec {
        "" | "auto" => {
            if candle_core::utils::cuda_is_available() {
                match Device::new_cuda(0) {
                    Ok(d) => return Ok((d, "device: cuda:0 (auto)".into())),
                    Err(e) => {
                        return Ok((
                            Device::Cpu,
                            format!("device: cpu (auto: CUDA build, but no usable GPU: {e})"),
                        ))
                    }
                }
            }
            Ok((
                Device::Cpu,
                "device: cpu (auto: this build has no CUDA support; build with --features cuda)"
                    .into(),
            ))
        }
        "cpu" => Ok((Device::Cpu, "device: cpu".into())),
        s if s == "cuda" || s.starts_with("cuda:") => {
            let ordinal = match s.strip_prefix("cuda:") {
                Some(n) => n.parse::<usize>().map_err(|_| {
                    Error::Device(format!("`{s}`: expected cuda:N with N a number"))
                })?,
                None => 0,
            };
            if !candle_core::utils::cuda_is_available() {
                return Err(Error::Device(format!("`{s}`: this build has no CUDA support; rebuild with `--features cuda` or use DEVICE cpu")));
            }
            let d = Device::new_cuda(ordinal).map_err(|e| Error::Device(format!("`{s}`: {e}")))?;
            Ok((d, format!("device: {s}")))
        }
        other => Err(Error::Device(format!(
            "`{other}` is not one of cpu, cuda, cuda:N, auto"
        ))),
    }
}
