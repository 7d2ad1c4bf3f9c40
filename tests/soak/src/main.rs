//! The `soak` binary: reads `--seconds`, runs the API part and then the dev tenant part, prints
//! their figures, and exits 1 if any answer was wrong (2 for a bad command line).

use std::io::Write;
use std::process::ExitCode;

use soak::{Command, Settings, api_soak, settings, tenant_soak};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match Command::parse(&args) {
        Ok(Command::Run(settings)) => settings,
        Ok(Command::Help) => {
            print!("{}", settings::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("soak: {error}\n\n{}", settings::USAGE);
            return ExitCode::from(2);
        }
    };
    // The API binary's logging, access log included, written to nowhere: its cost is part of
    // serving, its lines are not part of the report.
    let log = match api::logging::init(EnvFilter::new("info"), std::io::sink(), false) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("soak: cannot set up logging: {error}");
            return ExitCode::FAILURE;
        }
    };
    let passed = run(&settings);
    println!(
        "log lines dropped by the API's bounded log buffer: {}",
        log.dropped_lines()
    );
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Both parts, each printed as soon as it is done; whether both ran and found nothing wrong.
fn run(settings: &Settings) -> bool {
    let mut passed = true;
    println!(
        "soak: the API for {} s, then the dev tenant for {} s, on loopback",
        settings.duration.as_secs(),
        settings.duration.as_secs()
    );
    let _ = std::io::stdout().flush();
    match api_soak::run(settings) {
        Ok(report) => {
            print!("\n{report}");
            passed &= report.wrong() == 0 && report.requests() > 0;
        }
        Err(error) => {
            eprintln!("soak: the API part could not run: {}", with_causes(&error));
            passed = false;
        }
    }
    let _ = std::io::stdout().flush();
    match tenant_soak::run(settings) {
        Ok(report) => {
            print!("\n{report}");
            passed &= report.wrong() == 0 && report.requests() > 0;
        }
        Err(error) => {
            eprintln!(
                "soak: the dev tenant part could not run: {}",
                with_causes(&error)
            );
            passed = false;
        }
    }
    println!(
        "\nsoak: {}",
        if passed {
            "no wrong answers"
        } else {
            "FAILED: wrong answers or a part could not run"
        }
    );
    passed
}

/// The error's message followed by its causes'.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        message.push_str(": ");
        message.push_str(&error.to_string());
        cause = error.source();
    }
    message
}
