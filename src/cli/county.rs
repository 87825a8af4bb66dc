//! `dianjiao county import --data DIR FILE`: a township's export (JSON Lines, with the
//! checkpoint `ledger export --checkpoint` wrote beside it) verified and merged into the
//! county's store — the USB road, for a township the county's network does not reach. The
//! county server must be stopped (the command opens its database).

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{CliError, DataArg};
use crate::config::Settings;
use crate::county::County;

/// `dianjiao county …`
#[derive(Subcommand, Debug)]
pub enum CountyCommand {
    /// Verify a township's export against what the county holds and merge it (stop the
    /// county server first). The township is found by the key that signed the checkpoint.
    Import {
        #[command(flatten)]
        data: DataArg,
        /// The export (JSON Lines), e.g. from `dianjiao ledger export --checkpoint CP`.
        file: PathBuf,
        /// Its checkpoint (default: FILE.checkpoint, or FILE with the extension .checkpoint).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
}

impl CountyCommand {
    /// The `--data` option.
    pub(super) fn data(&self) -> &DataArg {
        match self {
            CountyCommand::Import { data, .. } => data,
        }
    }
}

/// Runs one `county` command.
pub fn run(settings: &Settings, command: CountyCommand) -> Result<(), CliError> {
    let CountyCommand::Import {
        file, checkpoint, ..
    } = command;
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| CliError::ReadFile {
            path: path.to_owned(),
            source,
        })
    };
    let cp_path = checkpoint.unwrap_or_else(|| default_checkpoint(&file));
    let note = String::from_utf8_lossy(&read(&cp_path)?).into_owned();
    let lines = read(&file)?;
    let db = crate::app::open_db(settings)?;
    let county = County::open(&db)?;
    let (township, _) = county.by_checkpoint(&note)?;
    let outcome = county.import(&township.id, &lines, &note)?;
    db.flush().map_err(crate::county::CountyError::from)?;
    println!(
        "已核验并合并（verified and merged）: {} {} — {} new entries, the county now holds {} (seq 0 to {})",
        township.id,
        township.name,
        outcome.added,
        outcome.verified_len,
        outcome.verified_len.saturating_sub(1)
    );
    Ok(())
}

/// `FILE.checkpoint` when it exists, else FILE with its extension made `.checkpoint`.
fn default_checkpoint(file: &Path) -> PathBuf {
    let mut beside = file.as_os_str().to_owned();
    beside.push(".checkpoint");
    let beside = PathBuf::from(beside);
    if beside.exists() {
        beside
    } else {
        file.with_extension("checkpoint")
    }
}
