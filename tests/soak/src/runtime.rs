//! The two runtimes of a part: the servers under test on one, the load generator and slow
//! clients on the other, so that the servers' threads are theirs alone, as in production.

use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

use crate::error::SoakError;

/// How long dropping a runtime waits for its remaining tasks.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The servers' runtime and the clients'.
pub struct Runtimes {
    /// Runs the API, the issuer or the tenant (worker threads named `soak-server`).
    pub server: Runtime,
    /// Runs the load generator, the slow clients and the schedule (`soak-client`).
    pub client: Runtime,
}

impl Runtimes {
    /// Two multi-threaded runtimes with a worker per core each.
    ///
    /// # Errors
    /// [`SoakError::Runtime`].
    pub fn new() -> Result<Self, SoakError> {
        let build = |name: &str| {
            Builder::new_multi_thread()
                .thread_name(name)
                .enable_all()
                .build()
                .map_err(SoakError::Runtime)
        };
        Ok(Self {
            server: build("soak-server")?,
            client: build("soak-client")?,
        })
    }

    /// Stops both, waiting at most [`SHUTDOWN_GRACE`] each for tasks still running.
    pub fn shut_down(self) {
        self.client.shutdown_timeout(SHUTDOWN_GRACE);
        self.server.shutdown_timeout(SHUTDOWN_GRACE);
    }
}
