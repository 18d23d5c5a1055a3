// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
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
        .run(tauri::generate_context!())
        .expect("the window system failed to start PressNext");
}
