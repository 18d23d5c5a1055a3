//! `pressnext register`: find the tutorial's reference photo in a camera
//! frame (or in every frame of a clip) and print where each annotated button
//! lands, so registration can be checked from outside the app.
//!
//! `--json` prints, per frame (one line each), exactly the object of
//! `registration::registration_json`:
//! `{"in_view", "homography", "inliers", "buttons": [{"name", "quad"}]}`.
//! `--details` appends `reason`, `reprojection_error`, `matches`, `sharpness`,
//! `mode` and, for `--video`, `frame` (decode index) and `timestamp` (s).
//! `--video` results come from the tracker, as in the app.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use registration::{
    add_details, registration_json, ButtonBox, Plane, RegisterConfig, Registrar, Registration,
    Tracker,
};

#[derive(Args)]
pub struct RegisterArgs {
    /// The tutorial's reference photo (its buttons are boxed in --buttons).
    #[arg(long)]
    reference: PathBuf,
    /// buttons.csv with the boxes on the reference photo (rows whose image is
    /// the reference's file name; all rows when the CSV names one image only).
    #[arg(long)]
    buttons: PathBuf,
    /// One camera frame (image file).
    #[arg(long, conflicts_with = "video", required_unless_present = "video")]
    frame: Option<PathBuf>,
    /// A clip: one result per decoded frame, tracked from frame to frame.
    #[arg(long)]
    video: Option<PathBuf>,
    /// One JSON object per frame instead of a summary.
    #[arg(long)]
    json: bool,
    /// With --json: add the diagnostics (reason, reprojection_error, matches,
    /// sharpness, mode; frame and timestamp for --video).
    #[arg(long, requires = "json")]
    details: bool,
}

pub fn run(args: RegisterArgs) -> Result<ExitCode> {
    let reference = registration::load_image(&args.reference)?;
    let boxes = button_boxes(
        &args.buttons,
        &args.reference,
        reference.width(),
        reference.height(),
    )?;
    let registrar =
        Registrar::from_rgb(&reference, RegisterConfig::default()).with_context(|| {
            format!(
                "{}: cannot use as a reference photo",
                args.reference.display()
            )
        })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(frame_path) = &args.frame {
        let frame = registration::load_image(frame_path)?;
        let reg = registrar.register_plane(&Plane::from_rgb(&frame));
        if args.json {
            let mut v = registration_json(&reg, &boxes);
            if args.details {
                add_details(&mut v, &reg);
            }
            writeln!(out, "{v}")?;
        } else {
            writeln!(out, "{}: {}", frame_path.display(), summary(&reg))?;
            if let Some(h) = &reg.homography {
                for b in &boxes {
                    let q = registration::project_box(h, b.x, b.y, b.w, b.h);
                    let pts: Vec<String> = q
                        .iter()
                        .map(|p| format!("({:.1}, {:.1})", p[0], p[1]))
                        .collect();
                    writeln!(out, "  {}: {}", b.name, pts.join(" "))?;
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let video = args
        .video
        .as_ref()
        .expect("clap requires --frame or --video");
    let mut tracker = Tracker::new(registrar);
    let (mut frames, mut in_view) = (0u64, 0u64);
    let mut failure: Option<std::io::Error> = None;
    media::for_each_frame(video, |frame| {
        let reg = tracker.process_plane(&Plane::from_rgb(&frame.image));
        frames += 1;
        in_view += u64::from(reg.in_view);
        let written = if args.json {
            let mut v = registration_json(&reg, &boxes);
            if args.details {
                add_details(&mut v, &reg);
                if let Some(map) = v.as_object_mut() {
                    map.insert("frame".into(), frame.index.into());
                    map.insert(
                        "timestamp".into(),
                        ((frame.timestamp * 1000.0).round() / 1000.0).into(),
                    );
                }
            }
            writeln!(out, "{v}")
        } else {
            writeln!(
                out,
                "frame {} ({:.2} s): {}",
                frame.index,
                frame.timestamp,
                summary(&reg)
            )
        };
        match written.and_then(|()| out.flush()) {
            Ok(()) => true,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = failure {
        // A closed pipe (`| head`) is a normal way to stop reading.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e).context("writing the results");
        }
    }
    if !args.json {
        writeln!(
            out,
            "{}: {frames} frames, {in_view} in view ({} by full detection, {} tracked)",
            video.display(),
            tracker.detected_frames,
            tracker.tracked_frames
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(reg: &Registration) -> String {
    let how = match reg.mode {
        registration::Mode::Detected => "detected",
        registration::Mode::Tracked => "tracked",
    };
    match (reg.in_view, reg.reason) {
        (true, _) => format!(
            "in view ({how}, {} inliers of {} matches, error {:.2} px)",
            reg.inliers,
            reg.matches,
            reg.reprojection_error.unwrap_or(f64::NAN)
        ),
        (false, Some(r)) => format!(
            "not in view: {r} ({} inliers of {} matches)",
            reg.inliers, reg.matches
        ),
        (false, None) => "not in view".into(),
    }
}

/// The boxes on the reference photo, by the app's own rule
/// ([`assistant::packs::reference_boxes`]); when buttons.csv annotates a single image under
/// another name, its boxes.
fn button_boxes(csv: &Path, reference: &Path, width: u32, height: u32) -> Result<Vec<ButtonBox>> {
    let all = assistq::buttons::Buttons::read(csv)?;
    if all.buttons.is_empty() {
        bail!("{}: no buttons in the file", csv.display());
    }
    let name = reference
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut boxes = assistant::packs::reference_boxes(&all, &name, width, height);
    if boxes.is_empty() {
        let images = all.images();
        if images.len() != 1 {
            bail!(
                "{}: no button is annotated on {name} (the file annotates {})",
                csv.display(),
                images.join(", ")
            );
        }
        boxes = assistant::packs::reference_boxes(&all, images[0], width, height);
    }
    Ok(boxes)
}
