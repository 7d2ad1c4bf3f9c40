//! Where log lines go: formatted where they are logged, written out by a thread of their own.
//!
//! The access log writes a line per request; written synchronously, each line was a `write`
//! system call on the request's thread, and a slow terminal or a stuck pipe would have held
//! every request up. Here a line is appended to a buffer in memory, and the writer thread
//! ([`WRITER_THREAD`]) writes the buffer out in one go at most [`FLUSH_INTERVAL`] after its first
//! line, or as soon as it holds [`FLUSH_BYTES`].
//!
//! The buffer is bounded ([`MAX_PENDING_BYTES`]). When the output cannot keep up and it is
//! full, new lines are dropped rather than making requests wait: the API stays available
//! whatever happens to its log reader, at the price of a gap in the log. Dropped lines are
//! counted ([`LogGuard::dropped_lines`]) and the writer thread reports each new gap on stderr.
//! Dropping the [`LogGuard`] writes out what is buffered and stops the thread, so the binary
//! keeps it alive until it exits.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};

use crate::line_format::LineFormat;

/// The name of the thread that writes the log out.
pub const WRITER_THREAD: &str = "log-writer";
/// Longest time a line waits in memory before it is written out.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// A buffer this full is written out at once.
pub const FLUSH_BYTES: usize = 256 * 1024;
/// Most bytes waiting to be written (about 25 000 access-log lines); more are dropped.
pub const MAX_PENDING_BYTES: usize = 4 * 1024 * 1024;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The process already has a global tracing subscriber.
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled(#[source] TryInitError),
    /// The writer thread could not be started.
    #[error("cannot start the log writer thread")]
    Thread(#[source] std::io::Error),
}

/// Lines waiting to be written, and what became of the others.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    dropped_lines: u64,
    stopping: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The tracing subscriber's writer: each formatted line goes into the shared buffer.
#[derive(Clone)]
pub struct LogBuffer {
    shared: Arc<Shared>,
}

impl LogBuffer {
    /// Appends one formatted line, or counts it as dropped when the buffer is full. Never
    /// blocks on the output.
    fn append(&self, line: &[u8]) {
        let mut pending = self.shared.lock();
        if pending.bytes.len() + line.len() > MAX_PENDING_BYTES {
            pending.dropped_lines += 1;
            return;
        }
        let was_empty = pending.bytes.is_empty();
        let was_below = pending.bytes.len() < FLUSH_BYTES;
        pending.bytes.extend_from_slice(line);
        let now_full = pending.bytes.len() >= FLUSH_BYTES;
        drop(pending);
        // Wake the writer for the first line of a batch and when the batch is big enough;
        // not for every line.
        if was_empty || (was_below && now_full) {
            self.shared.wake.notify_one();
        }
    }
}

/// A handle on [`LogBuffer`] for one formatted event.
pub struct LogLine<'a>(&'a LogBuffer);

impl Write for LogLine<'_> {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        self.0.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogBuffer {
    type Writer = LogLine<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine(self)
    }
}

/// Keeps the writer thread running; dropping it writes out what is buffered and stops it.
pub struct LogGuard {
    buffer: LogBuffer,
    thread: Option<JoinHandle<()>>,
}

impl LogGuard {
    /// How many lines were dropped so far because the output could not keep up.
    pub fn dropped_lines(&self) -> u64 {
        self.buffer.shared.lock().dropped_lines
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.buffer.shared.lock().stopping = true;
        self.buffer.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            // A panic in the writer thread has nothing left to report here.
            let _ = thread.join();
        }
    }
}

/// A buffer, and the thread that writes it to `output`, as described in the module.
///
/// # Errors
/// [`LoggingError::Thread`] when the thread cannot be started.
pub fn buffered(
    output: impl Write + Send + 'static,
) -> Result<(LogBuffer, LogGuard), LoggingError> {
    let buffer = LogBuffer {
        shared: Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
        }),
    };
    let shared = Arc::clone(&buffer.shared);
    let thread = std::thread::Builder::new()
        .name(WRITER_THREAD.to_owned())
        .spawn(move || write_out(&shared, output))
        .map_err(LoggingError::Thread)?;
    let guard = LogGuard {
        buffer: buffer.clone(),
        thread: Some(thread),
    };
    Ok((buffer, guard))
}

/// Installs the global tracing subscriber: `filter` chooses what is logged (`RUST_LOG`), lines
/// are formatted as tracing-subscriber's full format (general lines in colour when `ansi`,
/// access-log lines by the faster hand-written formatter) and written to `output` by the
/// writer thread.
///
/// # Errors
/// [`LoggingError`] when a subscriber is already installed or the thread cannot be started.
pub fn init(
    filter: EnvFilter,
    output: impl Write + Send + 'static,
    ansi: bool,
) -> Result<LogGuard, LoggingError> {
    let (buffer, guard) = buffered(output)?;
    tracing_subscriber::fmt()
        .with_ansi(ansi)
        .event_format(LineFormat::new(ansi))
        .with_env_filter(filter)
        .with_writer(buffer)
        .finish()
        .try_init()
        .map_err(LoggingError::AlreadyInstalled)?;
    Ok(guard)
}

/// The writer thread: waits for a batch, takes it, writes it, until told to stop.
fn write_out(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::with_capacity(FLUSH_BYTES);
    let mut dropped_reported = 0;
    loop {
        let mut pending = shared.lock();
        while pending.bytes.is_empty() && !pending.stopping {
            pending = shared
                .wake
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if !pending.stopping && pending.bytes.len() < FLUSH_BYTES {
            // Let the batch grow a little, rather than one write per line.
            pending = shared
                .wake
                .wait_timeout_while(pending, FLUSH_INTERVAL, |pending| {
                    !pending.stopping && pending.bytes.len() < FLUSH_BYTES
                })
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        std::mem::swap(&mut pending.bytes, &mut batch);
        let stopping = pending.stopping;
        let dropped = pending.dropped_lines;
        drop(pending);

        // A failing output has nowhere to be reported but stderr; the lines are lost.
        let written = output.write_all(&batch).and_then(|()| output.flush());
        if let Err(error) = written {
            eprintln!("api: cannot write the log: {error}");
        }
        batch.clear();
        if dropped > dropped_reported {
            eprintln!(
                "api: {} log lines dropped: the log output could not keep up",
                dropped - dropped_reported
            );
            dropped_reported = dropped;
        }
        if stopping {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what the writer thread writes.
    #[derive(Clone, Default)]
    struct Collected(Arc<Mutex<Vec<u8>>>);

    impl Write for Collected {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// An output that never finishes a write until the test lets it go.
    struct Stuck(std::sync::mpsc::Receiver<()>);

    impl Write for Stuck {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.recv();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_out_in_order_once_the_guard_is_dropped() {
        let collected = Collected::default();
        let (buffer, guard) = buffered(collected.clone()).unwrap();
        for index in 0..1000 {
            buffer
                .make_writer()
                .write_all(format!("line {index}\n").as_bytes())
                .unwrap();
        }
        drop(guard);
        let text = String::from_utf8(collected.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1000);
        assert_eq!(lines[0], "line 0");
        assert_eq!(lines[999], "line 999");
    }

    #[test]
    fn lines_beyond_the_bound_are_dropped_and_counted_while_the_output_is_stuck() {
        let (release, stuck) = std::sync::mpsc::channel();
        let (buffer, guard) = buffered(Stuck(stuck)).unwrap();
        let line = vec![b'x'; 1024];
        // The first batch may already be in the stuck write; the rest fills the buffer.
        let lines = 2 * MAX_PENDING_BYTES / line.len() + 10;
        for _ in 0..lines {
            buffer.make_writer().write_all(&line).unwrap();
        }
        let dropped = guard.dropped_lines();
        assert!(dropped >= (lines - 2 * MAX_PENDING_BYTES / line.len()) as u64);
        assert!(dropped < lines as u64);
        assert!(buffer.shared.lock().bytes.len() <= MAX_PENDING_BYTES);
        drop(release);
        drop(guard);
    }
}
