//! Client-side navigation: the typed routes, the current route, links and history.
//!
//! Four fixed routes need no route matcher; this small module replaces `leptos_router`, which
//! was the largest single part of the download (about a fifth of the wasm).

use leptos::ev;
use leptos::prelude::*;

/// The routes of the app, so paths are not strings spread around.
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
    /// Anything else.
    NotFound,
}

impl AppRoute {
    /// The absolute path, for links.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::Ping => "/ping",
            Self::Profile => "/profile",
            Self::Callback => "/callback",
            Self::NotFound => "/404",
        }
    }

    /// The route for a `location.pathname` (a trailing slash is ignored).
    pub fn from_path(pathname: &str) -> Self {
        match pathname
            .strip_suffix('/')
            .filter(|path| !path.is_empty())
            .unwrap_or(pathname)
        {
            "/" | "" => Self::Home,
            "/ping" => Self::Ping,
            "/profile" => Self::Profile,
            "/callback" => Self::Callback,
            _ => Self::NotFound,
        }
    }
}

/// The current route and the way to change it. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Navigator {
    route: RwSignal<AppRoute>,
}

fn current_pathname() -> String {
    web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .unwrap_or_else(|| "/".to_owned())
}

/// Creates the [`Navigator`] for the current address, follows the back and forward buttons,
/// and provides it to the children (read it with [`use_navigator`]).
pub fn provide_navigator() -> Navigator {
    let navigator = Navigator {
        route: RwSignal::new(AppRoute::from_path(&current_pathname())),
    };
    let handle = window_event_listener(ev::popstate, move |_| {
        navigator
            .route
            .set(AppRoute::from_path(&current_pathname()));
    });
    on_cleanup(move || handle.remove());
    provide_context(navigator);
    navigator
}

/// The [`Navigator`] provided by the app.
///
/// # Panics
/// When called outside the tree under `provide_navigator()`, a programming error.
pub fn use_navigator() -> Navigator {
    use_context::<Navigator>().unwrap_or_else(|| {
        panic!("use_navigator() found no Navigator: call provide_navigator() in a parent")
    })
}

impl Navigator {
    /// The current route (tracked).
    pub fn route(&self) -> AppRoute {
        self.route.get()
    }

    /// Goes to a same-origin `path` (query and fragment allowed) with a new history entry.
    pub fn push(&self, path: &str) {
        self.change(path, false);
    }

    /// Goes to a same-origin `path`, replacing the current history entry.
    pub fn replace(&self, path: &str) {
        self.change(path, true);
    }

    fn change(&self, path: &str, replace: bool) {
        let Some(history) = web_sys::window().and_then(|window| window.history().ok()) else {
            return;
        };
        let null = wasm_bindgen::JsValue::NULL;
        let changed = if replace {
            history.replace_state_with_url(&null, "", Some(path))
        } else {
            history.push_state_with_url(&null, "", Some(path))
        };
        if changed.is_err() {
            leptos::logging::warn!("the browser refused to change the address");
        }
        self.route.set(AppRoute::from_path(&current_pathname()));
    }
}

/// A link to a route that navigates without reloading; modified clicks (new tab, new window)
/// are left to the browser.
#[component]
pub fn Link(
    /// Where the link goes.
    to: AppRoute,
    /// The link text.
    children: Children,
) -> impl IntoView {
    let navigator = use_navigator();
    let on_click = move |event: ev::MouseEvent| {
        let modified = event.meta_key() || event.ctrl_key() || event.shift_key() || event.alt_key();
        if event.default_prevented() || event.button() != 0 || modified {
            return;
        }
        event.prevent_default();
        navigator.push(to.path());
    };
    view! {
        <a
            href=to.path()
            aria-current=move || (navigator.route() == to).then_some("page")
            on:click=on_click
        >
            {children()}
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_routes() {
        assert_eq!(AppRoute::from_path("/"), AppRoute::Home);
        assert_eq!(AppRoute::from_path("/ping"), AppRoute::Ping);
        assert_eq!(AppRoute::from_path("/ping/"), AppRoute::Ping);
        assert_eq!(AppRoute::from_path("/profile"), AppRoute::Profile);
        assert_eq!(AppRoute::from_path("/callback"), AppRoute::Callback);
        assert_eq!(AppRoute::from_path("/pingx"), AppRoute::NotFound);
        assert_eq!(AppRoute::from_path("/ping/deeper"), AppRoute::NotFound);
    }

    #[test]
    fn every_route_maps_back_from_its_path() {
        for route in [
            AppRoute::Home,
            AppRoute::Ping,
            AppRoute::Profile,
            AppRoute::Callback,
        ] {
            assert_eq!(AppRoute::from_path(route.path()), route);
        }
    }
}
