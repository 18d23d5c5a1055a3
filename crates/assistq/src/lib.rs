//! AssistQ data formats, dataset validation and the challenge metrics.
//!
//! This crate reads and writes the files of the AssistQ benchmark exactly as the reference
//! code expects them (`train.json` / `test_*.json`, `script.txt`, `buttons.csv`, the CodaLab
//! submission JSON), checks a whole dataset folder and reports every problem it finds
//! ([`check::check_dataset`]), and computes the per-step ranking metrics of the LOVEU
//! challenge ([`metrics`]). See `docs/q2a.md`, sections 1 and 4, for the formats.

pub mod buttons;
pub mod check;
pub mod diagnostic;
pub mod error;
pub mod fsutil;
pub mod layout;
pub mod metrics;
pub mod paragraphs;
pub mod qa;
pub mod script;
pub mod submission;

pub use error::Error;
pub use fsutil::FileError;
