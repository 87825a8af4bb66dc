//! `dianjiao kit make` and `dianjiao kit import`: the pastoral field kit from the command
//! line (the data folder is opened here, so the server must be stopped; while it runs, use
//! the office's 制作牧区放映包 / 导入牧区记录).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::commands::{exe, CliError};
use super::DataArg;
use crate::app::App;
use crate::config::Settings;
use crate::kit::{FilmChoice, KitError, MakeRequest};

/// `dianjiao kit …`
#[derive(Subcommand, Debug)]
pub enum KitCommand {
    /// Make a kit for a pastoral station: its films' TV files, posters, prep notes, cue
    /// prompts, roster, and the page 打开电教放映包.html, in a new folder inside --out.
    Make {
        #[command(flatten)]
        data: DataArg,
        /// The station's code (or id).
        #[arg(long)]
        station: String,
        /// Film ids, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            conflicts_with = "plan",
            required_unless_present = "plan"
        )]
        films: Vec<String>,
        /// The films of the station's plan for a quarter, e.g. 2026-Q3.
        #[arg(long)]
        plan: Option<String>,
        /// The folder the kit's folder is made in (e.g. a USB stick).
        #[arg(long)]
        out: PathBuf,
    },
    /// Import the records file a kit's page exported (`记录-<kit>-<date>.json`).
    Import {
        #[command(flatten)]
        data: DataArg,
        /// The records file.
        file: PathBuf,
    },
}

impl KitCommand {
    /// The `--data` option.
    pub fn data(&self) -> &DataArg {
        match self {
            KitCommand::Make { data, .. } | KitCommand::Import { data, .. } => data,
        }
    }
}

/// Runs a `kit` command.
pub fn run(settings: Settings, command: KitCommand) -> Result<(), CliError> {
    match command {
        KitCommand::Make {
            station,
            films,
            plan,
            out,
            ..
        } => {
            let films = match plan {
                Some(p) => FilmChoice::parse_plan(&p).ok_or_else(|| {
                    KitError::Invalid(format!(
                        "季度 {p:?} 应写成 2026-Q3 这样（plan must look like 2026-Q3）"
                    ))
                })?,
                None => FilmChoice::Films(films),
            };
            let app = App::open(settings, exe())?;
            let req = MakeRequest {
                station,
                films,
                out_dir: out,
            };
            let mut last = 0;
            let made = app.kits.make(&req, &mut |copied, total| {
                let pct = (copied * 100).checked_div(total).unwrap_or(100);
                if pct != last || copied == 0 {
                    last = pct;
                    eprint!("\r复制影片 {pct:>3}%（copying films）");
                    let _ = std::io::stderr().flush();
                }
            })?;
            eprintln!();
            let m = &made.manifest;
            println!(
                "放映包 {} 已制作（kit made）: {} 部影片, {} 名党员, 有效至 {}",
                m.kit_id,
                m.films.len(),
                m.members.len(),
                m.valid_to
            );
            println!("{}", made.folder.join(crate::kit::PAGE_FILE).display());
            app.flush();
            Ok(())
        }
        KitCommand::Import { file, .. } => {
            let bytes = std::fs::read(&file).map_err(|source| KitError::Write {
                what: format!("读取 {}", file.display()),
                source,
            })?;
            let app = App::open(settings, exe())?;
            let report = app.kits.import(&bytes)?;
            println!(
                "放映包 {}：文件中 {} 条记录，新导入 {} 条，已导入过 {} 条（{} records, {} added, {} already imported）",
                report.kit_id, report.records, report.added, report.already,
                report.records, report.added, report.already
            );
            app.flush();
            Ok(())
        }
    }
}
