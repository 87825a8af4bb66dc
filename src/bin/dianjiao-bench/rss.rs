//! `dianjiao bench rss`: the resident memory of an idle `dianjiao serve` and its workers.

use std::process::Command;
use std::time::Duration;

use dianjiao::app::App;
use dianjiao::cli::CliError;
use dianjiao::library::Quiet;

use crate::support::{
    bench_settings, children_of, cleanup, exe, make_library, memory_kb, server_exe, tempdir,
};

/// Resident memory of an idle `dianjiao serve` holding `films` films.
pub fn rss(films: usize) -> Result<(), CliError> {
    let tmp = tempdir();
    let data = tmp.join("data");
    {
        let app = App::open(bench_settings(&data), exe())?;
        make_library(&app.pool, &tmp, films, 10, true);
        app.library.scan(&tmp.join("library"), &Quiet)?;
        // Idle means nothing left to prepare: the server would otherwise be busy with it.
        app.preparation.drain(&|_, _| {})?;
        app.flush();
    }
    let mut child = Command::new(server_exe())
        .args(["serve", "--listen", "127.0.0.1:18089", "--data"])
        .arg(&data)
        .env("DIANJIAO_LOG", "warn")
        .spawn()
        .map_err(CliError::Serve)?;
    std::thread::sleep(Duration::from_secs(3));
    // 党章, percent-encoded as a browser sends it.
    for q in ["dzds", "%E5%85%9A%E7%AB%A0", "dangzhang"] {
        let _ = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                &format!("http://127.0.0.1:18089/api/v1/films?q={q}"),
            ])
            .status();
    }
    std::thread::sleep(Duration::from_secs(2));
    let server = memory_kb(child.id());
    let workers: Vec<[u64; 3]> = children_of(child.id()).into_iter().map(memory_kb).collect();
    let _ = child.kill();
    let _ = child.wait();
    println!("idle memory benchmark: dianjiao serve with {films} films, after 3 searches");
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!(
        "  server process: VmRSS {:.1} MB = anonymous {:.1} MB + file-backed {:.1} MB (its own binary and libc; no FFmpeg library)",
        mb(server[0]), mb(server[1]), mb(server[2])
    );
    for (i, w) in workers.iter().enumerate() {
        println!(
            "  media worker {i}: VmRSS {:.1} MB = anonymous {:.1} MB + file-backed {:.1} MB",
            mb(w[0]),
            mb(w[1]),
            mb(w[2])
        );
    }
    cleanup(&tmp);
    Ok(())
}
