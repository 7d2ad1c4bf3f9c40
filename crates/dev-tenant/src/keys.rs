//! RSA signing keys: generation, storage in the data directory, rotation, and the public JWKS.

use std::path::{Path, PathBuf};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use oidc_protocol::base64url;
use oidc_protocol::jwk::{KeyRejection, RsaVerificationKey, jwk_set, rsa_thumbprint};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde::Serialize;

const KEY_BITS: usize = 2048;
const KEYS_DIR: &str = "keys";
const SIGNING_KEY_FILE: &str = "signing-key";

/// Why keys could not be generated, loaded or stored.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// RSA key generation failed.
    #[error("cannot generate an RSA key")]
    Generation(#[source] rsa::Error),
    /// A stored key is not a PKCS#8 RSA private key.
    #[error("cannot parse the private key in {path}")]
    Parse {
        /// The key file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: rsa::pkcs8::Error,
    },
    /// A key could not be encoded.
    #[error("cannot encode a private key")]
    Encoding(#[source] rsa::pkcs8::Error),
    /// A key could not be encoded as PKCS#1 for signing.
    #[error("cannot encode a private key as PKCS#1")]
    Pkcs1Encoding(#[source] rsa::pkcs1::Error),
    /// Reading or writing the data directory failed.
    #[error("cannot access {path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The key named as signing key is not among the stored keys.
    #[error("signing key {kid} named in {path} is missing")]
    MissingSigningKey {
        /// The key id.
        kid: String,
        /// The file naming it.
        path: PathBuf,
    },
    /// The data directory holds no keys yet.
    #[error(
        "no signing keys in {path}: the tenant creates them when it first serves from this data directory"
    )]
    NoKeys {
        /// The data directory.
        path: PathBuf,
    },
    /// The public key could not be turned into a verification key.
    #[error("cannot build a verification key")]
    Verification(#[source] jsonwebtoken::errors::Error),
    /// The public key is not one a relying party would accept, e.g. a stored key shorter than
    /// 2048 bits (RFC 7518 section 3.3).
    #[error("the public key cannot be published")]
    Unpublishable(#[source] KeyRejection),
    /// The data directory, the key folder or a key file can be written by users other than its
    /// owner, who could plant a key of their own that the API would then trust.
    #[error("{path} can be written by other users; allow writing to its owner only (chmod go-w)")]
    WritableByOthers {
        /// The file or directory.
        path: PathBuf,
    },
}

/// One RSA key pair; its public half carries the key id.
#[derive(Clone)]
struct KeyPair {
    public: RsaVerificationKey,
    encoding: EncodingKey,
    decoding: DecodingKey,
    pkcs8_pem: String,
}

/// The tenant's signing keys: the newest signs, all are published in the JWKS.
#[derive(Clone)]
pub struct SigningKeys {
    /// Oldest first; the last one signs.
    pairs: Vec<KeyPair>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.pairs.iter().map(|pair| pair.kid()).collect();
        f.debug_struct("SigningKeys")
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    fn from_private(private: &RsaPrivateKey) -> Result<Self, KeyError> {
        let modulus = private.n().to_bytes_be();
        let exponent = private.e().to_bytes_be();
        // The RFC 7638 thumbprint, so a key id is stable and unique per key.
        let kid = rsa_thumbprint(&base64url::encode(&modulus), &base64url::encode(&exponent));
        let public = RsaVerificationKey::from_components(kid, &modulus, &exponent)
            .map_err(KeyError::Unpublishable)?;
        let pkcs1 = private.to_pkcs1_der().map_err(KeyError::Pkcs1Encoding)?;
        let pkcs8_pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(KeyError::Encoding)?;
        let decoding = DecodingKey::from_rsa_components(
            &public.modulus_base64url(),
            &public.exponent_base64url(),
        )
        .map_err(KeyError::Verification)?;
        Ok(Self {
            public,
            encoding: EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            decoding,
            pkcs8_pem: pkcs8_pem.to_string(),
        })
    }

    fn kid(&self) -> &str {
        self.public.kid()
    }

    fn generate() -> Result<Self, KeyError> {
        let private =
            RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS).map_err(KeyError::Generation)?;
        Self::from_private(&private)
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

impl SigningKeys {
    /// A fresh in-memory RSA-2048 key, not stored anywhere.
    ///
    /// # Errors
    /// [`KeyError::Generation`] if the system random source fails.
    pub fn generate() -> Result<Self, KeyError> {
        Ok(Self {
            pairs: vec![KeyPair::generate()?],
        })
    }

    /// Loads the keys stored in `dir`, generating and storing the first one when there is none.
    /// `dir`, its key folder and every file read from them must be writable by their owner
    /// only: whoever else can write there can make the tenant sign with, and publish, a key
    /// they hold.
    ///
    /// # Errors
    /// Unreadable or unwritable directory, a stored key that does not parse, or
    /// [`KeyError::WritableByOthers`].
    pub fn load_or_generate(dir: &Path) -> Result<Self, KeyError> {
        if dir.exists() {
            refuse_shared_write(dir)?;
        }
        match Self::load(dir)? {
            Some(keys) => Ok(keys),
            None => {
                let keys = Self::generate()?;
                keys.store_pair(dir, &keys.pairs[0])?;
                Ok(keys)
            }
        }
    }

    /// Loads the keys stored in `dir` and nothing else, under the same checks as
    /// [`SigningKeys::load_or_generate`]: for signing tokens that the tenant serving from `dir`
    /// publishes the keys of.
    ///
    /// # Errors
    /// [`KeyError::NoKeys`] when `dir` has none yet, or as
    /// [`SigningKeys::load_or_generate`].
    pub fn load_existing(dir: &Path) -> Result<Self, KeyError> {
        if !dir.exists() {
            return Err(KeyError::NoKeys {
                path: dir.to_owned(),
            });
        }
        refuse_shared_write(dir)?;
        Self::load(dir)?.ok_or_else(|| KeyError::NoKeys {
            path: dir.to_owned(),
        })
    }

    /// Adds a new key in `dir`, which becomes the signing key; older keys stay published.
    ///
    /// # Errors
    /// As [`SigningKeys::load_or_generate`].
    pub fn rotate(dir: &Path) -> Result<Self, KeyError> {
        let mut keys = Self::load_or_generate(dir)?;
        let pair = KeyPair::generate()?;
        keys.store_pair(dir, &pair)?;
        keys.pairs.push(pair);
        Ok(keys)
    }

    fn load(dir: &Path) -> Result<Option<Self>, KeyError> {
        let signing_path = dir.join(SIGNING_KEY_FILE);
        if signing_path.exists() {
            refuse_shared_write(&signing_path)?;
        }
        let signing_kid = match std::fs::read_to_string(&signing_path) {
            Ok(kid) => kid.trim().to_owned(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(KeyError::Io {
                    path: signing_path,
                    source,
                });
            }
        };
        let keys_dir = dir.join(KEYS_DIR);
        refuse_shared_write(&keys_dir)?;
        let mut pairs = Vec::new();
        for entry in std::fs::read_dir(&keys_dir).map_err(io_error(&keys_dir))? {
            let path = entry.map_err(io_error(&keys_dir))?.path();
            if path.extension().and_then(|extension| extension.to_str()) != Some("pem") {
                continue;
            }
            refuse_shared_write(&path)?;
            let pem = std::fs::read_to_string(&path).map_err(io_error(&path))?;
            let private =
                RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|source| KeyError::Parse {
                    path: path.clone(),
                    source,
                })?;
            pairs.push(KeyPair::from_private(&private)?);
        }
        let Some(position) = pairs.iter().position(|pair| pair.kid() == signing_kid) else {
            return Err(KeyError::MissingSigningKey {
                kid: signing_kid,
                path: signing_path,
            });
        };
        let signing = pairs.remove(position);
        pairs.sort_by(|left, right| left.kid().cmp(right.kid()));
        pairs.push(signing);
        Ok(Some(Self { pairs }))
    }

    fn store_pair(&self, dir: &Path, pair: &KeyPair) -> Result<(), KeyError> {
        let keys_dir = dir.join(KEYS_DIR);
        create_private_dir(&keys_dir)?;
        let key_path = keys_dir.join(format!("{}.pem", pair.kid()));
        write_private(&key_path, pair.pkcs8_pem.as_bytes())?;
        let signing_path = dir.join(SIGNING_KEY_FILE);
        write_private_replacing(&signing_path, format!("{}\n", pair.kid()).as_bytes())
    }

    /// The key id of the key that signs new tokens.
    pub fn signing_kid(&self) -> &str {
        self.signing().kid()
    }

    /// Every key id, oldest first, the signing key last.
    pub fn kids(&self) -> Vec<&str> {
        self.pairs.iter().map(|pair| pair.kid()).collect()
    }

    fn signing(&self) -> &KeyPair {
        // `pairs` is never empty: every constructor puts at least one key in.
        &self.pairs[self.pairs.len() - 1]
    }

    /// The public JWKS of every key: `kty`, `use`, `alg`, `kid`, `n` and `e` each.
    pub fn jwks(&self) -> JwkSet {
        jwk_set(self.pairs.iter().map(|pair| &pair.public))
    }

    /// Signs `claims` as an RS256 JWT with the signing key's `kid`.
    ///
    /// # Errors
    /// If serialising or signing fails.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        let signing = self.signing();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(signing.kid().to_owned());
        jsonwebtoken::encode(&header, claims, &signing.encoding)
    }

    /// The verification key for `kid`, if it is one of ours.
    pub fn decoding_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.pairs
            .iter()
            .find(|pair| pair.kid() == kid)
            .map(|pair| &pair.decoding)
    }
}

/// Refuses a file or directory (the target, when `path` is a symbolic link) whose mode lets its
/// group or anyone write to it.
#[cfg(unix)]
fn refuse_shared_write(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(io_error(path))?
        .permissions()
        .mode();
    if mode & 0o022 != 0 {
        return Err(KeyError::WritableByOthers {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// Elsewhere permissions are not Unix modes; the data directory is trusted as it is.
#[cfg(not(unix))]
fn refuse_shared_write(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

/// Writes `path` readable and writable by its owner only, replacing what it held. A file that
/// exists keeps its mode, which loading has checked.
#[cfg(unix)]
fn write_private_replacing(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(contents).map_err(io_error(path))
}

#[cfg(not(unix))]
fn write_private_replacing(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    std::fs::write(path, contents).map_err(io_error(path))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(contents).map_err(io_error(path))
}

/// The key directory is readable by its owner only, like the key files in it.
#[cfg(unix)]
fn create_private_dir(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(io_error(path))
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> Result<(), KeyError> {
    std::fs::create_dir_all(path).map_err(io_error(path))
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    std::fs::write(path, contents).map_err(io_error(path))
}
