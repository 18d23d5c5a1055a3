//! The step check on the generator's camera clips (`camera_truth.json`), without a window: the
//! demo pack's clip (`scripts/demo_pack.sh`) and one clip of an appliance generated here.

use std::path::Path;

use assistant::follow::{follow_clip, score_clip, truth_steps, ClipScore};

fn run_pack(root: &Path) -> ClipScore {
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(synth::CAMERA_TRUTH_FILE)).expect("camera_truth.json"),
    )
    .unwrap();
    let folder = std::fs::read_dir(root.join("test"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("buttons.csv").is_file())
        .expect("an appliance folder");
    let buttons = assistq::buttons::Buttons::read(&folder.join("buttons.csv")).unwrap();
    let image = buttons.images()[0].to_string();
    let reference = registration::load_image(&folder.join("images").join(&image)).unwrap();
    let boxes =
        assistant::packs::reference_boxes(&buttons, &image, reference.width(), reference.height());
    let steps = truth_steps(&truth, &boxes).expect("the truth's buttons are the pack's");
    let run = follow_clip(
        &reference,
        &boxes,
        steps,
        &root.join("camera.mp4"),
        false,
        |_| {},
    )
    .unwrap();
    let score = score_clip(&truth, &run.events);
    eprintln!(
        "{}: {} frames, {} registered; events {:?}; {score:?}",
        root.display(),
        run.frames,
        run.registered,
        run.events
    );
    score
}

fn assert_followed(score: &ClipScore) {
    assert_eq!(score.confirmed, score.presses, "{score:?}");
    assert_eq!(score.false_confirmations, 0, "{score:?}");
    assert_eq!(score.wrong_reported, score.wrong_presses, "{score:?}");
    assert!(score.done, "{score:?}");
    assert!(
        score.delays.iter().all(|&d| (-0.5..=0.7).contains(&d)),
        "{score:?}"
    );
}

#[test]
fn the_demo_clip_is_followed_to_done_with_its_wrong_press_reported() {
    let root = testkit::repo::repo().join("demo/pack");
    assert_followed(&run_pack(&root));
}
