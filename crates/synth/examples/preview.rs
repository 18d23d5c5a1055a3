//! Writes a preview PNG of one random panel per appliance kind (idle state), for eyeballing
//! the renderer: `cargo run -p synth --example preview -- OUT_DIR [SEED]`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use synth::kinds::KINDS;
use synth::panel::{Panel, PANEL_H, PANEL_W};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().expect("usage: preview OUT_DIR [SEED]"));
    let seed: u64 = args
        .next()
        .map_or(0, |s| s.parse().expect("seed is a number"));
    std::fs::create_dir_all(&out).expect("create the output folder");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for kind in KINDS {
        let panel = Panel::random(kind, &mut rng);
        let canvas = panel.render(&panel.idle_state());
        let path = out.join(format!("{}.png", kind.name));
        image::RgbImage::from_raw(PANEL_W as u32, PANEL_H as u32, canvas.to_rgb8())
            .expect("canvas size")
            .save(&path)
            .expect("write the preview");
        println!("{}", path.display());
    }
}
