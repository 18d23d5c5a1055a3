//! The step check on the generator's camera clip (`camera_truth.json`), without a window: the
//! demo pack's clip (`scripts/demo_pack.sh`), scored by the function `pressnext bench-follow` uses.

use std::path::Path;

use assistant::follow::{check_generated_pack, ClipScore};

fn run_pack(root: &Path) -> ClipScore {
    let (score, run) = check_generated_pack(root, &root.join(synth::CAMERA_TRUTH_FILE)).unwrap();
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
