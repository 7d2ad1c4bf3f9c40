//! A server under test on a loopback port of its own, served on the server runtime until it
//! is told to shut down gracefully.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a graceful shutdown may take before the server is aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Resolves when the server should stop.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Binds 127.0.0.1 on an ephemeral port.
///
/// # Errors
/// The bind error.
pub fn bind_loopback() -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// A server serving on the server runtime.
pub struct RunningServer {
    /// Where it listens.
    pub address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// Serves `listener` on `runtime` with `serve`, which gets the listener and a future that
    /// resolves when [`RunningServer::stop`] is called.
    ///
    /// # Errors
    /// The listener cannot be registered with the runtime.
    pub fn spawn<F, Served>(
        runtime: &Handle,
        listener: std::net::TcpListener,
        serve: F,
    ) -> std::io::Result<Self>
    where
        F: FnOnce(tokio::net::TcpListener, Shutdown) -> Served,
        Served: Future<Output = ()> + Send + 'static,
    {
        let address = listener.local_addr()?;
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown: Shutdown = Box::pin(async move {
            let _ = stopped.await;
        });
        let task = runtime.spawn(serve(listener, shutdown));
        Ok(Self {
            address,
            stop,
            task,
        })
    }

    /// Asks for a graceful shutdown and waits for it, at most [`SHUTDOWN_GRACE`].
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let abort = self.task.abort_handle();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}
