//! Command-line arguments of the `dev-tenant` binary, parsed by hand.

use std::net::IpAddr;
use std::path::PathBuf;

/// How to run the binary.
pub const USAGE: &str = "\
usage: dev-tenant [serve] [--config FILE] [--data-dir DIR] [--port PORT] [--host ADDRESS]
       dev-tenant token (--user EMAIL | --client ID) [--audience API] [--scope SCOPES]
                        [--config FILE] [--data-dir DIR] [--port PORT]
       dev-tenant rotate-keys [--data-dir DIR]
       dev-tenant --help

  serve        run the development tenant (default)
  token        print a fresh access token, signed with the keys the tenant serving from the
               same data directory publishes; only the token goes to stdout
  rotate-keys  add a new signing key; older keys stay published in the JWKS

  --config FILE    TOML or JSON configuration (env DEV_TENANT_CONFIG)
  --data-dir DIR   where signing keys are kept (env DEV_TENANT_DATA_DIR, default .dev-tenant)
  --port PORT      port to listen on, or served on (env PORT, default 3002); the built-in
                   issuer follows it
  --host ADDRESS   loopback address to bind (default 127.0.0.1; non-loopback is refused)
  --user EMAIL     token for this configured user, with the permissions they hold
  --client ID      token for this machine-to-machine client, as client_credentials gives it
  --audience API   the API the token is for (default: the only configured API)
  --scope SCOPES   space-separated scopes: narrows what the token carries

Exit status: 0 on success, 2 for a command line that does not fit the tenant (an unknown
flag, user, client or audience, a scope a client is not granted), 1 for anything else.";

/// The default data directory, git-ignored.
pub const DEFAULT_DATA_DIR: &str = ".dev-tenant";
/// The default port.
pub const DEFAULT_PORT: u16 = dev_tenant::config::DEFAULT_PORT;

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server.
    Serve(ServeOptions),
    /// Add a signing key.
    RotateKeys {
        /// The data directory.
        data_dir: PathBuf,
    },
    /// Print an access token.
    Token(TokenOptions),
    /// Print usage.
    Help,
}

/// Options of `serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Configuration file.
    pub config: Option<PathBuf>,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Port.
    pub port: u16,
    /// Loopback address.
    pub host: IpAddr,
}

/// Whom `token` mints for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSubject {
    /// `--user EMAIL`.
    User(String),
    /// `--client ID`.
    Client(String),
}

/// Options of `token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOptions {
    /// Configuration file.
    pub config: Option<PathBuf>,
    /// Data directory, whose keys sign.
    pub data_dir: PathBuf,
    /// The port the tenant is served on, which the built-in issuer follows.
    pub port: u16,
    /// Whom the token is for.
    pub subject: TokenSubject,
    /// `--audience`.
    pub audience: Option<String>,
    /// `--scope`.
    pub scope: Option<String>,
}

/// Why the command line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// An argument nobody understands.
    #[error("unknown argument {0}")]
    UnknownArgument(String),
    /// A flag without its value.
    #[error("{0} needs a value")]
    MissingValue(&'static str),
    /// A port that is not a number from 1 to 65535.
    #[error("invalid port {0}")]
    InvalidPort(String),
    /// A host that is not an IP address or `localhost`.
    #[error("invalid host {0}")]
    InvalidHost(String),
    /// A host that is not loopback: this server is for development only.
    #[error("refusing to bind non-loopback host {0}: this server is for development only")]
    NonLoopbackHost(String),
    /// A flag that the command does not take.
    #[error("{flag} is not an option of {command}")]
    MisplacedFlag {
        /// The flag.
        flag: &'static str,
        /// The command.
        command: &'static str,
    },
    /// `token` without `--user` or `--client`, or with both.
    #[error("token needs exactly one of --user EMAIL and --client ID")]
    TokenSubject,
}

/// The environment variables the binary reads.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `DEV_TENANT_CONFIG`.
    pub config: Option<String>,
    /// `DEV_TENANT_DATA_DIR`.
    pub data_dir: Option<String>,
    /// `PORT`.
    pub port: Option<String>,
}

impl Environment {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        let read = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        Self {
            config: read("DEV_TENANT_CONFIG"),
            data_dir: read("DEV_TENANT_DATA_DIR"),
            port: read("PORT"),
        }
    }
}

/// Parses `args` (without the program name); flags override the environment.
///
/// # Errors
/// See [`CliError`].
pub fn parse(args: &[String], environment: &Environment) -> Result<Command, CliError> {
    let (command, rest): (&'static str, &[String]) = match args.first().map(String::as_str) {
        Some("--help" | "-h" | "help") => return Ok(Command::Help),
        Some("serve") => ("serve", &args[1..]),
        Some("rotate-keys") => ("rotate-keys", &args[1..]),
        Some("token") => ("token", &args[1..]),
        _ => ("serve", args),
    };
    let mut config = environment.config.clone();
    let mut data_dir = environment.data_dir.clone();
    let mut port = environment.port.clone();
    let mut host: Option<String> = None;
    let mut user: Option<String> = None;
    let mut client: Option<String> = None;
    let mut audience: Option<String> = None;
    let mut scope: Option<String> = None;
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &'static str| {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or(CliError::MissingValue(name))
        };
        match flag {
            "--config" => config = Some(value("--config")?),
            "--data-dir" => data_dir = Some(value("--data-dir")?),
            "--port" => port = Some(value("--port")?),
            "--host" => host = Some(value("--host")?),
            "--user" => user = Some(value("--user")?),
            "--client" => client = Some(value("--client")?),
            "--audience" => audience = Some(value("--audience")?),
            "--scope" => scope = Some(value("--scope")?),
            "--help" | "-h" => return Ok(Command::Help),
            _ => return Err(CliError::UnknownArgument(arg.clone())),
        }
    }
    let misplaced = |flag: &'static str| Err(CliError::MisplacedFlag { flag, command });
    let token_flags = [
        ("--user", user.is_some()),
        ("--client", client.is_some()),
        ("--audience", audience.is_some()),
        ("--scope", scope.is_some()),
    ];
    if let Some((flag, _)) = token_flags
        .iter()
        .find(|(_, given)| *given)
        .filter(|_| command != "token")
    {
        return misplaced(flag);
    }
    let data_dir = PathBuf::from(data_dir.unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()));
    if command == "rotate-keys" {
        if host.is_some() {
            return misplaced("--host");
        }
        return Ok(Command::RotateKeys { data_dir });
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or(CliError::InvalidPort(text))?,
    };
    if command == "token" {
        if host.is_some() {
            return misplaced("--host");
        }
        let subject = match (user, client) {
            (Some(email), None) => TokenSubject::User(email),
            (None, Some(client_id)) => TokenSubject::Client(client_id),
            _ => return Err(CliError::TokenSubject),
        };
        return Ok(Command::Token(TokenOptions {
            config: config.map(PathBuf::from),
            data_dir,
            port,
            subject,
            audience,
            scope,
        }));
    }
    let host = match host.as_deref() {
        None | Some("localhost") => IpAddr::from([127, 0, 0, 1]),
        Some(text) => {
            let address: IpAddr = text
                .parse()
                .map_err(|_| CliError::InvalidHost(text.to_owned()))?;
            if !address.is_loopback() {
                return Err(CliError::NonLoopbackHost(text.to_owned()));
            }
            address
        }
    };
    Ok(Command::Serve(ServeOptions {
        config: config.map(PathBuf::from),
        data_dir,
        port,
        host,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn no_arguments_serve_the_defaults() {
        let Ok(Command::Serve(options)) = parse(&[], &Environment::default()) else {
            panic!("expected serve")
        };
        assert_eq!(options.port, 3002);
        assert_eq!(options.host, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(options.data_dir, PathBuf::from(".dev-tenant"));
        assert_eq!(options.config, None);
    }

    #[test]
    fn flags_override_the_environment() {
        let environment = Environment {
            port: Some("4000".to_owned()),
            config: Some("env.toml".to_owned()),
            data_dir: None,
        };
        let Ok(Command::Serve(options)) =
            parse(&args("serve --port 5000 --config=file.json"), &environment)
        else {
            panic!("expected serve")
        };
        assert_eq!(options.port, 5000);
        assert_eq!(options.config, Some(PathBuf::from("file.json")));
    }

    #[test]
    fn non_loopback_host_is_refused() {
        assert_eq!(
            parse(&args("--host 0.0.0.0"), &Environment::default()),
            Err(CliError::NonLoopbackHost("0.0.0.0".to_owned()))
        );
    }

    #[test]
    fn rotate_keys_takes_a_data_dir() {
        assert_eq!(
            parse(
                &args("rotate-keys --data-dir /tmp/k"),
                &Environment::default()
            ),
            Ok(Command::RotateKeys {
                data_dir: PathBuf::from("/tmp/k")
            })
        );
    }

    #[test]
    fn unknown_argument_and_missing_value_are_refused() {
        assert_eq!(
            parse(&args("--verbose"), &Environment::default()),
            Err(CliError::UnknownArgument("--verbose".to_owned()))
        );
        assert_eq!(
            parse(&args("--port"), &Environment::default()),
            Err(CliError::MissingValue("--port"))
        );
        assert_eq!(
            parse(&args("--port abc"), &Environment::default()),
            Err(CliError::InvalidPort("abc".to_owned()))
        );
    }

    #[test]
    fn token_takes_a_user_or_a_client_and_the_serve_options_it_shares() {
        let environment = Environment {
            port: Some("4000".to_owned()),
            config: None,
            data_dir: Some("/tmp/data".to_owned()),
        };
        assert_eq!(
            parse(
                &args(
                    "token --user reader@example.com --scope=read:messages --audience https://quickstarts/api"
                ),
                &environment
            ),
            Ok(Command::Token(TokenOptions {
                config: None,
                data_dir: PathBuf::from("/tmp/data"),
                port: 4000,
                subject: TokenSubject::User("reader@example.com".to_owned()),
                audience: Some("https://quickstarts/api".to_owned()),
                scope: Some("read:messages".to_owned()),
            }))
        );
        let Ok(Command::Token(options)) = parse(
            &args("token --client local-m2m-client --config t.toml --port 5000"),
            &Environment::default(),
        ) else {
            panic!("expected token")
        };
        assert_eq!(
            options.subject,
            TokenSubject::Client("local-m2m-client".to_owned())
        );
        assert_eq!(options.config, Some(PathBuf::from("t.toml")));
        assert_eq!(options.port, 5000);
        assert_eq!(options.data_dir, PathBuf::from(".dev-tenant"));
    }

    #[test]
    fn token_needs_exactly_one_subject_and_binds_nothing() {
        for line in [
            "token",
            "token --scope read:messages",
            "token --user a@b.c --client m2m",
        ] {
            assert_eq!(
                parse(&args(line), &Environment::default()),
                Err(CliError::TokenSubject),
                "{line}"
            );
        }
        assert_eq!(
            parse(
                &args("token --user a@b.c --host 127.0.0.1"),
                &Environment::default()
            ),
            Err(CliError::MisplacedFlag {
                flag: "--host",
                command: "token"
            })
        );
    }

    #[test]
    fn token_flags_belong_to_token_only() {
        assert_eq!(
            parse(&args("--user a@b.c"), &Environment::default()),
            Err(CliError::MisplacedFlag {
                flag: "--user",
                command: "serve"
            })
        );
        assert_eq!(
            parse(&args("rotate-keys --scope x"), &Environment::default()),
            Err(CliError::MisplacedFlag {
                flag: "--scope",
                command: "rotate-keys"
            })
        );
    }
}
