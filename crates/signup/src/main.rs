//! `signup`: the command line. Reads arguments, runs the subcommand, sets the exit code.

use std::{
    fs::File,
    io::{self, Read},
    path::PathBuf,
    process::ExitCode,
};

use clap::{Parser, Subcommand, ValueEnum};
use signup::{
    records::{Format, ReadError},
    validate::validate_stream,
};

/// Register customers with the Devdraft API, safely.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every record of a CSV, JSON Lines or JSON array file offline.
    ///
    /// Writes one JSON line per record to stdout and a summary to stderr. Exit status: 0 when
    /// every record is valid, 1 when some are not, 2 when the input cannot be read.
    Validate {
        /// The file to check; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// The input format; by default from the extension (`.csv`, `.jsonl`, `.ndjson`), else
        /// from the content (`[` starts an array, `{` JSON Lines, anything else CSV).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// CSV with a header row of API field names.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// A JSON array of objects.
    Json,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Csv => Format::Csv,
            FormatArg::Jsonl => Format::JsonLines,
            FormatArg::Json => Format::JsonArray,
        }
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Validate { file, format } => validate(file, format.map(Format::from)),
    }
}

/// Exit status of `signup validate` when the input cannot be read.
const UNREADABLE: u8 = 2;

fn validate(file: Option<PathBuf>, format: Option<Format>) -> ExitCode {
    let path = file.filter(|path| path.as_os_str() != "-");
    let name = path
        .as_ref()
        .map_or_else(|| "<stdin>".to_owned(), |path| path.display().to_string());
    let input: Box<dyn Read> = match &path {
        None => Box::new(io::stdin()),
        Some(path) => match File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => {
                eprintln!("signup: cannot read {name}: {error}");
                return ExitCode::from(UNREADABLE);
            }
        },
    };
    let format = format.or_else(|| path.as_deref().and_then(Format::from_extension));
    match validate_stream(&name, input, format, io::stdout().lock()) {
        Ok(summary) => {
            let total = summary.valid + summary.invalid;
            eprintln!(
                "signup: {name}: {total} records, {} valid, {} invalid",
                summary.valid, summary.invalid
            );
            ExitCode::from(u8::from(summary.invalid > 0))
        }
        // Whoever reads our output stopped reading (`| head`): nothing left to say.
        Err(ReadError::Handler(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("signup: {error}");
            ExitCode::from(UNREADABLE)
        }
    }
}
