//! Running commands: announced, streamed, counted, and never left behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What one finished step reports.
#[derive(Debug, Default, Clone, Copy)]
pub struct TestCounts {
    /// Tests that passed, summed over every `test result:` line.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Tests that were ignored or filtered out.
    pub ignored: u64,
}

/// A human-readable form of a command line, for messages.
pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs a command to completion with inherited output.
///
/// # Errors
/// The command cannot be started or exits unsuccessfully.
pub fn run(command: &mut Command) -> Result<(), String> {
    println!("$ {}", describe(command));
    let status = command
        .status()
        .map_err(|error| format!("cannot start `{}`: {error}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

/// Runs a command and returns its trimmed standard output, or `None` when it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Runs a test command, streaming its standard output while summing its `test result:` lines.
///
/// # Errors
/// The command cannot be started or exits unsuccessfully; the counts seen so far are returned too.
pub fn run_counting(command: &mut Command) -> (TestCounts, Result<(), String>) {
    println!("$ {}", describe(command));
    let mut counts = TestCounts::default();
    let mut child = match command.stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(error) => {
            return (
                counts,
                Err(format!("cannot start `{}`: {error}", describe(command))),
            );
        }
    };
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            add_result_line(&mut counts, &line);
        }
    }
    let result = match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{}` failed ({status})", describe(command))),
        Err(error) => Err(format!(
            "`{}` could not be awaited: {error}",
            describe(command)
        )),
    };
    (counts, result)
}

/// Adds the figures of a libtest summary line (`test result: ok. 3 passed; 0 failed; 1 ignored; ...`).
fn add_result_line(counts: &mut TestCounts, line: &str) {
    let Some(rest) = line.trim().strip_prefix("test result: ") else {
        return;
    };
    for part in rest.split(';') {
        let mut words = part.split_whitespace().rev();
        let (Some(label), Some(number)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(number) = number.parse::<u64>() else {
            continue;
        };
        match label {
            "passed" => counts.passed += number,
            "failed" => counts.failed += number,
            "ignored" => counts.ignored += number,
            _ => {}
        }
    }
}

/// A background process that is killed when the guard is dropped, so nothing outlives its caller.
pub struct ChildGuard {
    name: &'static str,
    child: Child,
}

impl ChildGuard {
    /// Starts `command` in the background under a short name used in messages.
    ///
    /// # Errors
    /// The command cannot be started.
    pub fn spawn(name: &'static str, command: &mut Command) -> Result<Self, String> {
        println!("$ {}", describe(command));
        let child = command
            .spawn()
            .map_err(|error| format!("cannot start {name} (`{}`): {error}", describe(command)))?;
        Ok(Self { name, child })
    }

    /// The short name given at spawn.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the process has already exited, and how.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // SIGKILL is blunt, but the dev servers hold no state worth a graceful stop, and a
            // lingering child would keep a port busy for the next run.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `check` every 100 ms until it holds or `limit` has passed.
pub fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_summary_lines_are_summed() {
        let mut counts = TestCounts::default();
        add_result_line(
            &mut counts,
            "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
        );
        add_result_line(
            &mut counts,
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured",
        );
        add_result_line(&mut counts, "running 3 tests");
        assert_eq!((counts.passed, counts.failed, counts.ignored), (15, 2, 1));
    }
}
