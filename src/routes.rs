//! The app's routes, typed, so paths are not strings spread around.

/// The pages of the quickstart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppRoute {
    /// `/`
    Home,
    /// `/ping`
    Ping,
    /// `/profile`
    Profile,
    /// `/callback`, where the tenant sends the user back.
    Callback,
}

impl AppRoute {
    /// The absolute path, for links and for the router.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::Ping => "/ping",
            Self::Profile => "/profile",
            Self::Callback => "/callback",
        }
    }
}
