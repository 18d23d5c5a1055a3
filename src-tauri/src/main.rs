// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// WebKitGTK composites the page with OpenGL; without a GPU that is software GL (llvmpipe), which
/// took a core of its own and held the 720p live view to 12-17 fps on two cores (29-30 fps without
/// it, measured with the same build). The window is flat 2D (a canvas, no WebGL or 3D transforms),
/// so it loses nothing on machines with a GPU either. A value already in the environment wins.
fn prefer_non_composited_webview() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // Before any thread starts: set_var is only sound while the process is single-threaded.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

fn main() {
    // Before any thread starts (see the function).
    assistant::memory::limit_heap_arenas();
    // Then: it may run the app again with OpenBLAS's AVX-512 kernels chosen.
    blas::configure_cpu();
    blas::use_preferred_kernels();
    prefer_non_composited_webview();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match pressnext_app::Cli::parse(&args, |k| std::env::var(k).ok()) {
        Ok(cli) => cli,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let assistant = match pressnext_app::start_assistant(&cli, assistant::Paths::default_data_dir())
    {
        Ok(a) => a,
        Err(e) => {
            eprintln!("pressnext-app: {e} ({})", e.code());
            std::process::exit(1);
        }
    };
    // An installed app opens its bundled demo pack the first time, when nothing else is open.
    let start_pack = cli.pack.clone().or_else(|| {
        assistant
            .state()
            .packs
            .is_empty()
            .then(|| assistant::Paths::installed("demo/pack"))
            .flatten()
    });
    pressnext_app::builder(tauri::Builder::default(), assistant, start_pack)
        .run(pressnext_app::context())
        .expect("the window system failed to start PressNext");
}
