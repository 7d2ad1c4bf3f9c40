//! Configuration files and key storage as the binary uses them: TOML and JSON files, errors that
//! name the field, keys persisted with private permissions, and rotation.

use std::path::PathBuf;

use dev_tenant::{ConfigError, SigningKeys, TenantConfig};

/// A fresh directory under the system temp dir, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("dev-tenant-test-{name}-{}", std::process::id()));
        // A leftover from an earlier crashed run would make the test meaningless.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create scratch dir");
        // Whatever the umask, the data directory is private, as the tenant requires.
        #[cfg(unix)]
        set_mode(&path, 0o700);
        Self(path)
    }
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_example_configuration_is_valid_and_equals_the_defaults() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tenant.example.toml");
    let example = TenantConfig::from_file(&path).expect("the example parses");
    let defaults = TenantConfig::default();
    assert_eq!(example.issuer, defaults.issuer);
    assert_eq!(example.clients, defaults.clients);
    assert_eq!(example.apis, defaults.apis);
    let profiles = |config: &TenantConfig| {
        config
            .users
            .iter()
            .map(|user| (user.profile(&config.issuer), user.permissions.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(profiles(&example), profiles(&defaults));
    assert_eq!(example.code_lifetime, defaults.code_lifetime);
    assert_eq!(
        example.access_token_lifetime,
        defaults.access_token_lifetime
    );
    assert_eq!(
        (
            example.refresh_token_absolute_lifetime,
            example.refresh_token_idle_lifetime,
            example.refresh_token_reuse_interval
        ),
        (
            defaults.refresh_token_absolute_lifetime,
            defaults.refresh_token_idle_lifetime,
            defaults.refresh_token_reuse_interval
        )
    );
}

#[test]
fn errors_can_cross_threads_as_boxed_errors() {
    fn boxable<T: std::error::Error + Send + Sync + 'static>() {}
    boxable::<ConfigError>();
    boxable::<dev_tenant::KeyError>();
}

#[test]
fn toml_file_overrides_clients_and_keeps_other_defaults() {
    let dir = ScratchDir::new("toml");
    let path = dir.0.join("tenant.toml");
    std::fs::write(
        &path,
        r#"
issuer = "http://127.0.0.1:4002/"
access_token_lifetime_seconds = 600

[[clients]]
client_id = "my-app"
callback_urls = ["http://127.0.0.1:8080/callback", "https://app.example/callback"]
logout_urls = ["http://127.0.0.1:8080"]
web_origins = ["http://127.0.0.1:8080"]
"#,
    )
    .expect("write");
    let config = TenantConfig::from_file(&path).expect("valid");
    assert_eq!(config.issuer, "http://127.0.0.1:4002/");
    assert_eq!(config.access_token_lifetime.as_secs(), 600);
    assert_eq!(config.clients.len(), 1);
    assert_eq!(config.clients[0].client_id, "my-app");
    assert_eq!(config.users.len(), 2, "users keep their defaults");
}

#[test]
fn json_file_with_a_non_loopback_http_callback_names_the_field() {
    let dir = ScratchDir::new("json");
    let path = dir.0.join("tenant.json");
    std::fs::write(
        &path,
        r#"{"clients":[{"client_id":"a","callback_urls":["http://localhost:1/cb","http://192.168.1.5/cb"]}]}"#,
    )
    .expect("write");
    let error = TenantConfig::from_file(&path).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "clients[0].callback_urls[1]: http URL must be loopback"
    );
}

#[test]
fn syntax_errors_name_the_file() {
    let dir = ScratchDir::new("syntax");
    let path = dir.0.join("broken.toml");
    std::fs::write(&path, "clients = [").expect("write");
    let error = TenantConfig::from_file(&path).expect_err("refused");
    assert!(
        matches!(&error, ConfigError::Toml { path: reported, .. } if *reported == path),
        "{error:?}"
    );
}

#[test]
fn other_extensions_are_refused() {
    let dir = ScratchDir::new("yaml");
    let path = dir.0.join("tenant.yaml");
    std::fs::write(&path, "issuer: x").expect("write");
    assert!(matches!(
        TenantConfig::from_file(&path),
        Err(ConfigError::UnknownFormat { .. })
    ));
}

#[test]
fn missing_file_is_a_read_error() {
    let error = TenantConfig::from_file(std::path::Path::new("/nonexistent/tenant.toml"))
        .expect_err("refused");
    assert!(matches!(error, ConfigError::Read { .. }), "{error:?}");
}

#[test]
fn for_local_points_the_default_client_at_the_spa_origin() {
    let config = TenantConfig::for_local("http://127.0.0.1:41000/", "http://127.0.0.1:41001")
        .expect("valid");
    assert_eq!(config.issuer, "http://127.0.0.1:41000/");
    assert_eq!(
        config.clients[0].callback_urls,
        ["http://127.0.0.1:41001/callback"]
    );
    assert_eq!(config.clients[0].logout_urls, ["http://127.0.0.1:41001"]);
    assert_eq!(config.clients[0].web_origins, ["http://127.0.0.1:41001"]);
}

#[test]
fn for_local_refuses_a_non_loopback_http_origin() {
    let error = TenantConfig::for_local("http://localhost:3002/", "http://example.com")
        .expect_err("refused");
    assert_eq!(
        error.to_string(),
        "clients[0].callback_urls[0]: http URL must be loopback"
    );
}

#[cfg(unix)]
#[test]
fn keys_are_stored_privately_reloaded_and_rotated() {
    use std::os::unix::fs::PermissionsExt;

    let dir = ScratchDir::new("keys");
    let first = SigningKeys::load_or_generate(&dir.0).expect("generate");
    let key_file = dir
        .0
        .join("keys")
        .join(format!("{}.pem", first.signing_kid()));
    let mode = std::fs::metadata(&key_file)
        .expect("key file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let signing_file_mode = std::fs::metadata(dir.0.join("signing-key"))
        .expect("signing-key")
        .permissions()
        .mode();
    assert_eq!(signing_file_mode & 0o777, 0o600);
    let pem = std::fs::read_to_string(&key_file).expect("read");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");

    let reloaded = SigningKeys::load_or_generate(&dir.0).expect("reload");
    assert_eq!(
        reloaded.signing_kid(),
        first.signing_kid(),
        "tokens survive restarts"
    );

    let rotated = SigningKeys::rotate(&dir.0).expect("rotate");
    assert_ne!(rotated.signing_kid(), first.signing_kid());
    assert_eq!(rotated.kids(), [first.signing_kid(), rotated.signing_kid()]);
    let jwks = rotated.jwks();
    assert_eq!(jwks.keys.len(), 2, "the old key stays published");

    let after_restart = SigningKeys::load_or_generate(&dir.0).expect("reload after rotation");
    assert_eq!(after_restart.signing_kid(), rotated.signing_kid());
    let served = serde_json::to_value(after_restart.jwks()).expect("the JWKS serialises");
    let served = served["keys"].as_array().expect("a keys array");
    assert_eq!(
        served.len(),
        2,
        "the old key stays published after a restart"
    );
    for (key, kid) in served.iter().zip(after_restart.kids()) {
        let mut members: Vec<&str> = key
            .as_object()
            .expect("a JWK object")
            .keys()
            .map(String::as_str)
            .collect();
        members.sort_unstable();
        assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"], "{key}");
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["e"], "AQAB");
        assert_eq!(key["kid"], kid);
        let n = key["n"].as_str().expect("n");
        assert_eq!(
            oidc_protocol::jwk::rsa_thumbprint(n, "AQAB"),
            kid,
            "the kid is the RFC 7638 thumbprint"
        );
    }
    assert!(
        !format!("{after_restart:?}").contains("PRIVATE"),
        "Debug prints no key material"
    );
}

#[cfg(unix)]
#[test]
fn a_stored_key_shorter_than_2048_bits_is_refused_rather_than_published() {
    use oidc_protocol::jwk::KeyRejection;
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};

    let dir = ScratchDir::new("weak-key");
    let weak = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).expect("generate");
    let pem = weak.to_pkcs8_pem(LineEnding::LF).expect("encode");
    std::fs::create_dir_all(dir.0.join("keys")).expect("keys dir");
    set_mode(&dir.0.join("keys"), 0o700);
    std::fs::write(dir.0.join("keys").join("weak.pem"), pem.as_bytes()).expect("write key");
    set_mode(&dir.0.join("keys").join("weak.pem"), 0o600);
    std::fs::write(dir.0.join("signing-key"), "weak\n").expect("write signing key");
    set_mode(&dir.0.join("signing-key"), 0o600);
    let error = SigningKeys::load_or_generate(&dir.0).expect_err("refused");
    assert!(
        matches!(
            error,
            dev_tenant::KeyError::Unpublishable(KeyRejection::ModulusSize)
        ),
        "{error:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_folder_or_data_dir_that_others_can_write_is_refused() {
    use dev_tenant::KeyError;

    let dir = ScratchDir::new("shared-write");
    let keys = SigningKeys::load_or_generate(&dir.0).expect("generate");
    let key_file = dir
        .0
        .join("keys")
        .join(format!("{}.pem", keys.signing_kid()));
    let keys_dir = dir.0.join("keys");
    let signing_file = dir.0.join("signing-key");
    for (path, private, shared) in [
        (&key_file, 0o600, 0o620),
        (&key_file, 0o600, 0o602),
        (&keys_dir, 0o700, 0o770),
        (&keys_dir, 0o700, 0o707),
        (&signing_file, 0o600, 0o666),
        (&dir.0, 0o700, 0o777),
    ] {
        set_mode(path, shared);
        let error = SigningKeys::load_or_generate(&dir.0).expect_err("refused");
        assert!(
            matches!(&error, KeyError::WritableByOthers { path: named } if named == path),
            "{}: {error:?}",
            path.display()
        );
        assert!(error.to_string().contains("chmod go-w"), "{error}");
        set_mode(path, private);
        let reloaded = SigningKeys::load_or_generate(&dir.0).expect("private again");
        assert_eq!(reloaded.signing_kid(), keys.signing_kid());
    }
    // Readable by others is not the danger (the key file itself stays 0600 when created).
    set_mode(&keys_dir, 0o755);
    assert!(SigningKeys::load_or_generate(&dir.0).is_ok());
}
