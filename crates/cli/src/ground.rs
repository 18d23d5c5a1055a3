//! `pressnext ground` (the tutorial timeline of one appliance) and `pressnext bench-grounding`
//! (sentence -> control accuracy against the generator's `synth_truth.json`, per cue and fused).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use grounding::{About, Cues, Evidence, WEIGHTS};

pub(crate) fn ground(pack: &Path, models: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    let folder = assistq::layout::find_appliance_folder(pack, None)?;
    let root = models.unwrap_or_else(encoders::models::default_root);
    let readers = grounding::Readers::load(&root)?;
    let timeline = grounding::ground_folder(&folder, &readers, |_, _| {})?;
    if json {
        println!("{}", serde_json::to_string_pretty(&timeline)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", folder.display());
    for c in &timeline.controls {
        println!(
            "  {:<10} {}",
            c.button,
            c.label.as_deref().unwrap_or("(no label read)")
        );
    }
    for l in &timeline.lines {
        let what = match l.about {
            About::None => "-".to_string(),
            About::Unknown => "unknown".to_string(),
            About::Control => format!(
                "{} {} ({:.2}){}",
                l.action.as_ref().map(|a| a.describe()).unwrap_or_default(),
                l.label
                    .clone()
                    .unwrap_or_else(|| l.button.clone().unwrap_or_default()),
                l.confidence,
                l.moment
                    .map(|m| format!(" at {m:.1} s"))
                    .unwrap_or_default()
            ),
        };
        println!(
            "{:>3} {:>6.1}-{:<6.1} {:<44} {}",
            l.line, l.start, l.end, what, l.text
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `pressnext ground --data ROOT --split S --label L --out ENCODED`: every appliance folder's
/// timeline into `ENCODED/<folder>/timeline.json`, skipping folders whose timeline is already of
/// this version (resumable), each written atomically. A folder that fails is reported and
/// skipped; the exit status is 1 when any did.
pub(crate) fn ground_split(
    data: &Path,
    split: &str,
    label: &str,
    out: &Path,
    models: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    ground_split_logged(data, split, label, out, models, json, &|line| {
        println!("{line}")
    })
}

/// [`ground_split`] with its per-folder and summary lines sent to `log` (the accuracy benchmark
/// keeps them off its standard output).
pub(crate) fn ground_split_logged(
    data: &Path,
    split: &str,
    label: &str,
    out: &Path,
    models: Option<PathBuf>,
    json: bool,
    log: &dyn Fn(&str),
) -> Result<ExitCode> {
    let dir = data.join(split);
    let label_path = data.join(label);
    let mut folders: Vec<String> = if label_path.is_file() {
        assistq::qa::QaFile::read(&label_path)?
            .folders
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    } else {
        std::fs::read_dir(&dir)
            .with_context(|| format!("{}", dir.display()))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("script.txt").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    folders.sort();
    folders.dedup();
    if folders.is_empty() {
        bail!("{}: no appliance folder to ground", dir.display());
    }
    let root = models.unwrap_or_else(encoders::models::default_root);
    let readers = grounding::Readers::load(&root)?;
    let (mut done, mut skipped, mut failed) = (0, 0, 0);
    // The text encoder of the encoded features, for the evidence (loaded on first need).
    let mut text: Option<encoders::text::TextEncoder> = None;
    for name in &folders {
        let target = out.join(name);
        let result = (|| -> Result<&'static str> {
            let (timeline, fresh) = match grounding::cache::cached(&target) {
                Some(t) => (t, false),
                None => {
                    let t = grounding::ground_folder(&dir.join(name), &readers, |_, _| {})?;
                    grounding::cache::save(&target, &t)?;
                    (t, true)
                }
            };
            // The evidence of the folder's listed candidates, when it is encoded.
            let qa_json = target.join(q2a::features::QA_JSON);
            let evidence_current =
                q2a::features::evidence_header(&target).is_some_and(|(v, names)| {
                    v == grounding::evidence::VERSION && names == grounding::evidence::names()
                });
            if !qa_json.is_file() || (!fresh && evidence_current) {
                return Ok(if fresh {
                    "grounded"
                } else {
                    "skipped (up to date)"
                });
            }
            let qas: Vec<q2a::features::QaEntry> = serde_json::from_slice(
                &std::fs::read(&qa_json).with_context(|| qa_json.display().to_string())?,
            )
            .with_context(|| qa_json.display().to_string())?;
            if text.is_none() {
                let (paths, _) = encoders::models::ModelPaths::verified(&root)?;
                text = Some(encoders::text::TextEncoder::load(
                    &paths.text,
                    &candle_core::Device::Cpu,
                )?);
            }
            let encoder = text.as_ref().expect("loaded above");
            let embed = |t: &[String]| encoder.encode(t).map_err(|e| e.to_string());
            let lexical = grounding::answer::Index::new(&timeline);
            let index = lexical.clone().with_embeddings(
                embed(&lexical.embedding_texts()).map_err(|e| anyhow::anyhow!(e))?,
            );
            let evidence =
                assistant::timeline::listed_evidence(&timeline, &index, &qas, Some(&embed))
                    .map_err(|e| anyhow::anyhow!(e))?;
            q2a::features::write_evidence(&target, &evidence)?;
            Ok(if fresh {
                "grounded, evidence written"
            } else {
                "evidence written"
            })
        })();
        let status = match result {
            Ok(s) => {
                if s.starts_with("skipped") {
                    skipped += 1;
                } else {
                    done += 1;
                }
                s.to_string()
            }
            Err(e) => {
                failed += 1;
                format!("failed: {e:#}")
            }
        };
        if json {
            log(&serde_json::json!({"folder": name, "status": status}).to_string());
        } else {
            log(&format!("{name}: {status}"));
        }
    }
    let summary = format!(
        "{done} grounded, {skipped} up to date, {failed} failed, into {}",
        out.display()
    );
    if json {
        log(
            &serde_json::json!({"grounded": done, "up_to_date": skipped, "failed": failed})
                .to_string(),
        );
    } else {
        log(&summary);
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Default, Clone, Copy)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.right += ok as usize;
    }
    fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

/// The cues measured alone and together; the video cue is the change inside each box plus the
/// fingertips, each also measured alone. The fused system is last.
const SYSTEMS: [(&str, Cues); 7] = [
    (
        "labels only",
        Cues {
            label: true,
            video: false,
            hands: false,
            layout: false,
        },
    ),
    (
        "video only",
        Cues {
            label: false,
            video: true,
            hands: true,
            layout: false,
        },
    ),
    (
        "layout only",
        Cues {
            label: false,
            video: false,
            hands: false,
            layout: true,
        },
    ),
    (
        "video: change only",
        Cues {
            label: false,
            video: true,
            hands: false,
            layout: false,
        },
    ),
    (
        "video: hands only",
        Cues {
            label: false,
            video: false,
            hands: true,
            layout: false,
        },
    ),
    (
        "fused without hands",
        Cues {
            label: true,
            video: true,
            hands: false,
            layout: true,
        },
    ),
    ("fused", Cues::ALL),
];

/// The appliance kind of a generated folder (`coffeemachine_646bh` -> `coffeemachine`).
fn kind_of(folder: &Path) -> String {
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.rsplit_once('_')
        .map_or(name.clone(), |(kind, _)| kind.to_string())
}

fn tallies_json<'a>(rows: impl Iterator<Item = (&'a str, &'a Tally)>) -> serde_json::Value {
    rows.map(|(k, t)| {
        (
            k.to_string(),
            serde_json::json!({"accuracy": t.rate(), "lines": t.total}),
        )
    })
    .collect::<serde_json::Map<_, _>>()
    .into()
}

/// How a line names its control: by its `label`, by `position` or `colour` words, or `other`
/// (a function, an icon).
fn naming(text: &str, label: &str) -> &'static str {
    let focus = grounding::action_sentences(text).to_lowercase();
    let label = label.to_lowercase();
    let words: Vec<&str> = focus.split(|ch: char| !ch.is_alphanumeric()).collect();
    let directional = focus.contains("to the right") || focus.contains("to the left");
    if !label.is_empty() && focus.contains(&label) {
        "label"
    } else if ["top", "bottom", "middle"]
        .iter()
        .any(|w| words.contains(w))
        || (!directional && ["left", "right"].iter().any(|w| words.contains(w)))
    {
        "position"
    } else if [
        "red", "green", "blue", "yellow", "orange", "white", "black", "grey", "gray", "silver",
    ]
    .iter()
    .any(|c| words.contains(c))
    {
        "colour"
    } else {
        "other"
    }
}

/// What `pressnext bench-grounding` measures on one split: sentence -> control accuracy per
/// cue system, of the fused system per appliance kind, per way of naming and per action, the
/// OCR's label accuracy, the fingertip-in-box accuracy, the share of frames registered.
pub(crate) struct GroundingBench {
    pub appliances: usize,
    labels: Tally,
    registered: f32,
    fingertip: std::collections::BTreeMap<String, Tally>,
    control: [Tally; SYSTEMS.len()],
    none: [Tally; SYSTEMS.len()],
    per_kind: std::collections::BTreeMap<String, Tally>,
    per_naming: std::collections::BTreeMap<String, Tally>,
    per_action: std::collections::BTreeMap<String, Tally>,
}

/// Grounds every appliance of `data/split` that has a [`synth::TRUTH_FILE`] and scores it;
/// `progress(done, total, folder)` before each.
pub(crate) fn measure(
    data: &Path,
    split: &str,
    readers: &grounding::Readers,
    progress: impl Fn(usize, usize, &str),
) -> Result<GroundingBench> {
    let dir = data.join(split);
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("{}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(synth::TRUTH_FILE).is_file())
        .collect();
    folders.sort();
    if folders.is_empty() {
        bail!(
            "{}: no appliance folder with {} (made by pressnext synth)",
            dir.display(),
            synth::TRUTH_FILE
        );
    }
    let mut control = [Tally::default(); SYSTEMS.len()];
    // Fused accuracy per appliance kind, per way the line names its control, per action.
    let mut per_kind: std::collections::BTreeMap<String, Tally> = Default::default();
    let mut per_naming: std::collections::BTreeMap<String, Tally> = Default::default();
    let mut per_action: std::collections::BTreeMap<String, Tally> = Default::default();
    let mut none = [Tally::default(); SYSTEMS.len()];
    let mut labels = Tally::default();
    // The hand finder's fingertip inside the operated control's box at the sampled frame nearest
    // the middle of each act, per kind of act.
    let mut fingertip: std::collections::BTreeMap<String, Tally> = Default::default();
    let mut registered = Vec::new();
    for (k, folder) in folders.iter().enumerate() {
        progress(
            k,
            folders.len(),
            &folder.file_name().unwrap_or_default().to_string_lossy(),
        );
        let truth = synth::read_truth(folder)?;
        let ev: Evidence = grounding::gather(folder, readers, |_, _| {})?;
        if let Ok(a) = &ev.activity {
            registered.push(a.registered_share());
            for line in truth["lines"].as_array().into_iter().flatten() {
                let (Some(b), Some(s), Some(e)) = (
                    line["button"].as_str(),
                    line["act_start"].as_f64(),
                    line["act_end"].as_f64(),
                ) else {
                    continue;
                };
                let Some(bi) = ev.controls.iter().position(|c| c.button == b) else {
                    continue;
                };
                let mid = (s + e) / 2.0;
                let nearest = (0..a.times.len()).min_by(|&i, &j| {
                    (a.times[i] - mid)
                        .abs()
                        .total_cmp(&(a.times[j] - mid).abs())
                });
                let kind = line["action"]["kind"]
                    .as_str()
                    .unwrap_or("other")
                    .to_string();
                let inside = a.has_hands()
                    && nearest.is_some_and(|i| a.fingertip(i, bi, kind == "turn") >= 1.0);
                fingertip.entry(kind).or_default().add(inside);
                fingertip.entry("all".to_string()).or_default().add(inside);
            }
        }
        for c in truth["controls"].as_array().into_iter().flatten() {
            // An icon-only key (label null) is read right when no label is read for it.
            let want = grounding::labels::normalize(c["label"].as_str().unwrap_or(""));
            let got = ev
                .controls
                .iter()
                .find(|k| k.button == c["button"].as_str().unwrap_or(""))
                .and_then(|k| k.label.as_deref())
                .map(|l| {
                    grounding::labels::normalize(
                        &l.split_whitespace().collect::<Vec<_>>().join(" "),
                    )
                });
            let want = want.split_whitespace().collect::<Vec<_>>().join(" ");
            let read_right = match got.as_deref() {
                Some(g) => g.replace(' ', "") == want.replace(' ', ""),
                None => want.is_empty(),
            };
            labels.add(read_right);
        }
        for (k, (_, cues)) in SYSTEMS.iter().enumerate() {
            let t = grounding::ground(&ev, *cues, &WEIGHTS);
            for (line, want) in t
                .lines
                .iter()
                .zip(truth["lines"].as_array().into_iter().flatten())
            {
                match want["button"].as_str() {
                    Some(b) => {
                        let ok = line.about == About::Control && line.button.as_deref() == Some(b);
                        control[k].add(ok);
                        if k == SYSTEMS.len() - 1 {
                            per_kind.entry(kind_of(folder)).or_default().add(ok);
                            // The generator says how the line names its control (truth
                            // version 2); older truth files are classified from the words.
                            let named = match want["naming"].as_str() {
                                Some(n) => n.to_string(),
                                None => naming(&line.text, want["label"].as_str().unwrap_or(""))
                                    .to_string(),
                            };
                            per_naming.entry(named).or_default().add(ok);
                            let action = want["action"]["kind"].as_str().unwrap_or("other");
                            per_action.entry(action.to_string()).or_default().add(ok);
                        }
                    }
                    None => none[k].add(line.about == About::None),
                }
            }
        }
    }
    let registered = if registered.is_empty() {
        0.0
    } else {
        registered.iter().sum::<f32>() / registered.len() as f32
    };
    Ok(GroundingBench {
        appliances: folders.len(),
        labels,
        registered,
        fingertip,
        control,
        none,
        per_kind,
        per_naming,
        per_action,
    })
}

impl GroundingBench {
    /// The fused system's line -> control accuracy.
    pub fn fused(&self) -> f64 {
        self.control[SYSTEMS.len() - 1].rate()
    }

    /// The best line -> control accuracy of one cue alone (labels, video, layout) and its name.
    pub fn best_single_cue(&self) -> (&'static str, f64) {
        SYSTEMS[..3]
            .iter()
            .zip(&self.control)
            .map(|((name, _), t)| (*name, t.rate()))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("three cues")
    }

    fn json(&self, data: &Path, split: &str) -> serde_json::Value {
        let systems: Vec<serde_json::Value> = SYSTEMS
            .iter()
            .enumerate()
            .map(|(k, (name, _))| {
                serde_json::json!({
                    "system": name,
                    "control_accuracy": self.control[k].rate(),
                    "control_lines": self.control[k].total,
                    "none_accuracy": self.none[k].rate(),
                    "none_lines": self.none[k].total,
                })
            })
            .collect();
        serde_json::json!({
            "data": data.display().to_string(),
            "split": split,
            "appliances": self.appliances,
            "ocr_label_accuracy": self.labels.rate(),
            "ocr_labels": self.labels.total,
            "video_frames_registered": self.registered,
            "fingertip_in_box": tallies_json(self.fingertip.iter().map(|(k, t)| (k.as_str(), t))),
            "systems": systems,
            "fused_per_kind": tallies_json(self.per_kind.iter().map(|(k, t)| (k.as_str(), t))),
            "fused_per_naming": tallies_json(self.per_naming.iter().map(|(k, t)| (k.as_str(), t))),
            "fused_per_action": tallies_json(self.per_action.iter().map(|(k, t)| (k.as_str(), t))),
        })
    }

    fn print(&self, data: &Path, split: &str) {
        println!(
            "{} appliances of {}/{split}",
            self.appliances,
            data.display()
        );
        println!(
            "OCR label accuracy: {:.3} ({} buttons)",
            self.labels.rate(),
            self.labels.total
        );
        println!("video frames registered: {:.3}", self.registered);
        println!("fingertip in the operated box, at the middle of each act:");
        for (k, t) in &self.fingertip {
            println!("  {:<16} {:.3} ({} acts)", k, t.rate(), t.total);
        }
        println!(
            "{:<20} {:>16} {:>16}",
            "system", "line -> control", "no-control lines"
        );
        for (k, (name, _)) in SYSTEMS.iter().enumerate() {
            println!(
                "{:<20} {:>9.3} ({:>4}) {:>9.3} ({:>4})",
                name,
                self.control[k].rate(),
                self.control[k].total,
                self.none[k].rate(),
                self.none[k].total
            );
        }
        for (title, rows) in [
            ("fused, per kind:", &self.per_kind),
            (
                "fused, per way the line names its control:",
                &self.per_naming,
            ),
            ("fused, per action:", &self.per_action),
        ] {
            println!("{title}");
            for (k, t) in rows {
                println!("  {:<16} {:.3} ({} lines)", k, t.rate(), t.total);
            }
        }
    }

    /// Markdown tables of several measured sets side by side (`sets`: column title, result).
    pub fn markdown(sets: &[(&str, &GroundingBench)]) -> String {
        use std::fmt::Write as _;
        let mut md = String::new();
        let header = |md: &mut String, first: &str| {
            let _ = write!(md, "| {first} |");
            for (title, _) in sets {
                let _ = write!(md, " {title} |");
            }
            let _ = write!(md, "\n|---|");
            for _ in sets {
                let _ = write!(md, "---|");
            }
            md.push('\n');
        };
        let cell = |t: &Tally| format!("{:.3} ({})", t.rate(), t.total);
        header(&mut md, "line -> control (lines)");
        for (k, (name, _)) in SYSTEMS.iter().enumerate() {
            let _ = write!(md, "| {name} |");
            for (_, b) in sets {
                let _ = write!(md, " {} |", cell(&b.control[k]));
            }
            md.push('\n');
        }
        let _ = write!(md, "| lines about no control said so (fused) |");
        for (_, b) in sets {
            let _ = write!(md, " {} |", cell(&b.none[SYSTEMS.len() - 1]));
        }
        md.push('\n');
        let _ = write!(
            md,
            "| OCR: buttons whose label is read right (icon-only keys: none read) |"
        );
        for (_, b) in sets {
            let _ = write!(md, " {} |", cell(&b.labels));
        }
        md.push('\n');
        let _ = write!(md, "| fingertip in the operated box, middle of each act |");
        for (_, b) in sets {
            match b.fingertip.get("all") {
                Some(t) => {
                    let _ = write!(md, " {} |", cell(t));
                }
                None => md.push_str(" - |"),
            }
        }
        md.push('\n');
        let _ = write!(md, "| video frames registered |");
        for (_, b) in sets {
            let _ = write!(md, " {:.3} |", b.registered);
        }
        md.push_str("\n\n");
        type Rows = fn(&GroundingBench) -> &std::collections::BTreeMap<String, Tally>;
        let groups: [(&str, Rows); 4] = [
            ("fused, by how the line names its control", |b| {
                &b.per_naming
            }),
            ("fused, by action", |b| &b.per_action),
            ("fused, by appliance kind", |b| &b.per_kind),
            ("fingertip in box, by action", |b| &b.fingertip),
        ];
        for (title, rows) in groups {
            let keys: std::collections::BTreeSet<&String> =
                sets.iter().flat_map(|(_, b)| rows(b).keys()).collect();
            header(&mut md, title);
            for key in keys {
                let _ = write!(md, "| {key} |");
                for (_, b) in sets {
                    match rows(b).get(key) {
                        Some(t) => {
                            let _ = write!(md, " {} |", cell(t));
                        }
                        None => md.push_str(" - |"),
                    }
                }
                md.push('\n');
            }
            md.push('\n');
        }
        md
    }
}

pub(crate) fn bench(
    data: &Path,
    split: &str,
    models: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    let root = models.unwrap_or_else(encoders::models::default_root);
    let readers = grounding::Readers::load(&root)?;
    let measured = measure(data, split, &readers, |_, _, _| {})?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&measured.json(data, split))?
        );
    } else {
        measured.print(data, split);
    }
    Ok(ExitCode::SUCCESS)
}
