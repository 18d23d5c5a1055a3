//! Learning rate per epoch: linear warm-up then cosine annealing, the closed form of pl_bolts'
//! `LinearWarmupCosineAnnealingLR` as the reference steps it (once per epoch).
//! With LR 0.002, 1 warm-up epoch of 6 it gives 0.0002, 0.002, 0.001809, 0.001309, 0.000691, 0.000191.

pub fn lr_at_epoch(
    epoch: usize,
    base_lr: f64,
    warmup_epochs: usize,
    max_epochs: usize,
    warmup_start_lr: f64,
    eta_min: f64,
) -> f64 {
    if epoch < warmup_epochs {
        let span = warmup_epochs.saturating_sub(1).max(1) as f64;
        return warmup_start_lr + epoch as f64 * (base_lr - warmup_start_lr) / span;
    }
    let span = (max_epochs - warmup_epochs).max(1) as f64;
    let progress = (epoch - warmup_epochs) as f64 / span;
    eta_min + 0.5 * (base_lr - eta_min) * (1.0 + (std::f64::consts::PI * progress).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_schedule() {
        let lrs: Vec<f64> = (0..6)
            .map(|e| lr_at_epoch(e, 0.002, 1, 6, 0.0002, 0.0))
            .collect();
        let expected = [
            0.0002,
            0.002,
            0.001809017,
            0.001309017,
            0.000690983,
            0.000190983,
        ];
        for (a, b) in lrs.iter().zip(expected) {
            assert!((a - b).abs() < 1e-9, "{lrs:?}");
        }
    }

    #[test]
    fn longer_warmup_is_linear() {
        let lrs: Vec<f64> = (0..4)
            .map(|e| lr_at_epoch(e, 1.0, 3, 10, 0.1, 0.0))
            .collect();
        assert!(
            (lrs[0] - 0.1).abs() < 1e-12
                && (lrs[1] - 0.55).abs() < 1e-12
                && (lrs[2] - 1.0).abs() < 1e-12
        );
        assert!((lrs[3] - 1.0).abs() < 1e-12);
    }
}
