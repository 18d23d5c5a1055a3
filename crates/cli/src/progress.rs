//! The terminal's view of training progress: a bar per epoch with loss and ETA, a line per epoch.

use indicatif::{ProgressBar, ProgressStyle};
use q2a::progress::{ProgressSink, TrainEvent};
use std::sync::Mutex;

pub struct BarSink {
    bar: Mutex<Option<ProgressBar>>,
}

impl BarSink {
    pub fn new() -> Self {
        BarSink {
            bar: Mutex::new(None),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("bar lock").take() {
            bar.finish_and_clear();
        }
    }

    fn println(&self, line: String) {
        match self.bar.lock().expect("bar lock").as_ref() {
            // A hidden bar (stderr is not a terminal) would swallow the line.
            Some(bar) if !bar.is_hidden() => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }
}

impl ProgressSink for BarSink {
    fn event(&self, event: &TrainEvent) {
        match event {
            TrainEvent::Started {
                epochs,
                batches_per_epoch,
                start_epoch,
                samples,
                device,
            } => {
                let total = (*epochs - start_epoch) * batches_per_epoch;
                let bar = ProgressBar::new(total as u64);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:30} {pos}/{len} batches  {msg}  [{elapsed_precise} < {eta_precise}]",
                    )
                    .expect("progress template"),
                );
                *self.bar.lock().expect("bar lock") = Some(bar);
                self.println(format!(
                    "training on {samples} QA samples, {batches_per_epoch} batches per epoch, epochs {}..{epochs} ({device})",
                    start_epoch + 1
                ));
            }
            TrainEvent::Batch {
                epoch, loss, lr, ..
            } => {
                if let Some(bar) = self.bar.lock().expect("bar lock").as_ref() {
                    bar.inc(1);
                    bar.set_message(format!("epoch {} loss {loss:.4} lr {lr:.6}", epoch + 1));
                }
            }
            TrainEvent::Epoch(r) => {
                let val = match &r.val {
                    Some(m) => format!(
                        "  val R@1 {:.4} R@3 {:.4} MR {:.3} MRR {:.4} MRR(N/rank) {:.3}{}",
                        m.recall_at_1,
                        m.recall_at_3,
                        m.mean_rank,
                        m.mrr,
                        m.mrr_legacy,
                        if r.best { " (best)" } else { "" }
                    ),
                    None => r
                        .submission
                        .as_ref()
                        .map(|s| format!("  submission {s}"))
                        .unwrap_or_default(),
                };
                self.println(format!(
                    "epoch {:>3}: loss {:.4} lr {:.6} {:.1} QA/s{val}",
                    r.epoch + 1,
                    r.train_loss,
                    r.lr,
                    r.samples_per_sec
                ));
            }
            TrainEvent::Checkpoint { .. } => {}
            TrainEvent::Message { text } => self.println(text.clone()),
            TrainEvent::Stopped {
                epoch,
                batch,
                checkpoint,
            } => self.println(format!(
                "stopped in epoch {} after batch {batch}; saved {checkpoint}",
                epoch + 1
            )),
        }
    }
}
