//! The HS256 secret: shared by a fleet (`jwt.secret` or `jwt.secret_file`), or generated
//! once in `<data_dir>/jwt-secret` for a single machine.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rand::TryRng as _;
use secrecy::SecretSlice;
use secrecy::zeroize::Zeroize as _;

use super::error::JwtError;
use super::settings::JwtSettings;
use super::{HS256_SECRET_LEN, MAX_SECRET_FILE_BYTES, SECRET_FILE_NAME};

/// Fewest distinct byte values a shared secret must hold: 64 random bytes hold about 56,
/// a repeated or patterned value (`AAAA…`, `abcabc…`) a handful.
const MIN_DISTINCT_BYTES: usize = 16;

/// How to make a good shared secret, quoted in every refusal.
const GENERATE_HINT: &str = "generate one with `openssl rand -base64 64 | tr -d '\\n'`";

/// Base64 with or without padding, in the standard or the URL-safe alphabet: what secret
/// stores and `openssl` hand out.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// The HS256 key in force: `jwt.secret`, else the file `jwt.secret_file`, else the generated
/// `<data_dir>/jwt-secret` (created on first use). Setting both is refused.
pub fn resolve_hs256_secret(
    settings: &JwtSettings,
    data_dir: &Path,
) -> Result<SecretSlice<u8>, JwtError> {
    match (&settings.secret, &settings.secret_file) {
        (Some(_), Some(_)) => Err(JwtError::InvalidSetting {
            setting: "secret_file",
            reason: "jwt.secret (RAPPORT_JWT__SECRET) and jwt.secret_file are both set; \
                     configure exactly one"
                .to_owned(),
        }),
        (Some(secret), None) => parse_shared_secret(secret.expose().as_bytes()).map_err(|reason| {
            JwtError::InvalidSetting {
                setting: "secret",
                reason: format!("(RAPPORT_JWT__SECRET) {reason}"),
            }
        }),
        (None, Some(path)) => read_shared_secret_file(path),
        (None, None) => load_or_create_hs256_secret(data_dir),
    }
}

/// Parses a shared secret: base64 (any padding, standard or URL-safe alphabet, whitespace
/// ignored) of at least [`HS256_SECRET_LEN`] bytes holding at least [`MIN_DISTINCT_BYTES`]
/// distinct values. A refusal says what is wrong, never what the value is.
pub(super) fn parse_shared_secret(contents: &[u8]) -> Result<SecretSlice<u8>, String> {
    let text = std::str::from_utf8(contents).map_err(|_| "is not UTF-8 text".to_owned())?;
    let mut compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(format!("is empty; {GENERATE_HINT}"));
    }
    let decoded = LENIENT_STANDARD
        .decode(&compact)
        .or_else(|_| LENIENT_URL_SAFE.decode(&compact));
    compact.zeroize();
    let mut decoded =
        decoded.map_err(|_| format!("is not base64 of random bytes; {GENERATE_HINT}"))?;
    let len = decoded.len();
    let distinct = decoded.iter().collect::<BTreeSet<_>>().len();
    if len < HS256_SECRET_LEN {
        decoded.zeroize();
        return Err(format!(
            "is too short: it decodes to {len} bytes, at least {HS256_SECRET_LEN} random bytes \
             are required; {GENERATE_HINT}"
        ));
    }
    if distinct < MIN_DISTINCT_BYTES {
        decoded.zeroize();
        return Err(format!(
            "is too weak: its {len} bytes take only {distinct} distinct values, which random \
             bytes never do; {GENERATE_HINT}"
        ));
    }
    Ok(SecretSlice::from(decoded))
}

fn read_shared_secret_file(path: &Path) -> Result<SecretSlice<u8>, JwtError> {
    let io_error = |source| JwtError::Io {
        what: "cannot read jwt.secret_file",
        path: path.to_owned(),
        source,
    };
    let invalid = |reason: String| JwtError::InvalidKeyFile {
        setting: "secret_file",
        path: path.to_owned(),
        reason,
    };
    let metadata = fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        return Err(invalid("it is not a regular file".to_owned()));
    }
    if metadata.len() > MAX_SECRET_FILE_BYTES {
        return Err(invalid(format!(
            "it is larger than {MAX_SECRET_FILE_BYTES} bytes"
        )));
    }
    warn_if_readable_by_others(path, &metadata);
    let mut contents = fs::read(path).map_err(io_error)?;
    let parsed = parse_shared_secret(&contents);
    contents.zeroize();
    parsed.map_err(|reason| invalid(format!("the secret {reason}")))
}

/// Reads `<data_dir>/jwt-secret` (base64 of at least 64 bytes), or creates it
/// with 64 bytes from the OS CSPRNG, written atomically with mode 0600 on unix.
/// An unreadable, corrupt or short file is an error, never regenerated.
pub fn load_or_create_hs256_secret(data_dir: &Path) -> Result<SecretSlice<u8>, JwtError> {
    let path = data_dir.join(SECRET_FILE_NAME);
    match read_secret_file(&path) {
        Err(JwtError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            create_secret_file(data_dir, &path)
        }
        other => other,
    }
}

fn read_secret_file(path: &Path) -> Result<SecretSlice<u8>, JwtError> {
    let io_error = |source| JwtError::Io {
        what: "cannot read the JWT secret file",
        path: path.to_owned(),
        source,
    };
    let metadata = fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        return Err(corrupt(path, "it is not a regular file"));
    }
    if metadata.len() > MAX_SECRET_FILE_BYTES {
        return Err(corrupt(
            path,
            format!("it is larger than {MAX_SECRET_FILE_BYTES} bytes"),
        ));
    }
    warn_if_readable_by_others(path, &metadata);
    let mut contents = fs::read(path).map_err(io_error)?;
    let parsed = parse_secret(&contents);
    contents.zeroize();
    parsed.map_err(|reason| corrupt(path, reason))
}

fn parse_secret(contents: &[u8]) -> Result<SecretSlice<u8>, String> {
    let text = std::str::from_utf8(contents).map_err(|_| "it is not UTF-8 text".to_owned())?;
    let mut decoded = STANDARD
        .decode(text.trim())
        .map_err(|_| "it is not valid base64".to_owned())?;
    if decoded.len() < HS256_SECRET_LEN {
        let len = decoded.len();
        decoded.zeroize();
        return Err(format!(
            "it decodes to {len} bytes, at least {HS256_SECRET_LEN} are required"
        ));
    }
    Ok(SecretSlice::from(decoded))
}

fn corrupt(path: &Path, reason: impl Into<String>) -> JwtError {
    JwtError::CorruptSecret {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, metadata: &fs::Metadata) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", mode & 0o777),
            "the JWT secret file is accessible to group or others; chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path, _metadata: &fs::Metadata) {}

fn create_secret_file(data_dir: &Path, path: &Path) -> Result<SecretSlice<u8>, JwtError> {
    fs::create_dir_all(data_dir).map_err(|source| JwtError::Io {
        what: "cannot create the data directory",
        path: data_dir.to_owned(),
        source,
    })?;

    let mut raw = vec![0_u8; HS256_SECRET_LEN];
    if let Err(err) = rand::rngs::SysRng.try_fill_bytes(&mut raw) {
        return Err(JwtError::Randomness(err.to_string()));
    }
    let mut encoded = STANDARD.encode(&raw);
    encoded.push('\n');

    let tmp = data_dir.join(format!(
        ".{SECRET_FILE_NAME}.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let written = write_new_private_file(&tmp, encoded.as_bytes());
    encoded.zeroize();
    if let Err(source) = written {
        remove_quietly(&tmp);
        raw.zeroize();
        return Err(JwtError::Io {
            what: "cannot write the temporary JWT secret file",
            path: tmp,
            source,
        });
    }

    // A hard link publishes the complete file atomically and, unlike rename,
    // never replaces a secret that a concurrent process published first.
    match fs::hard_link(&tmp, path) {
        Ok(()) => remove_quietly(&tmp),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            remove_quietly(&tmp);
            raw.zeroize();
            tracing::debug!(path = %path.display(), "another process created the JWT secret first");
            return read_secret_file(path);
        }
        Err(link_err) => {
            tracing::debug!(error = %link_err, "hard link unsupported; publishing the JWT secret by rename");
            if let Err(source) = fs::rename(&tmp, path) {
                remove_quietly(&tmp);
                raw.zeroize();
                return Err(JwtError::Io {
                    what: "cannot move the new JWT secret into place at",
                    path: path.to_owned(),
                    source,
                });
            }
        }
    }
    sync_directory(data_dir);
    tracing::info!(path = %path.display(), "generated a new HS256 JWT secret");
    Ok(SecretSlice::from(raw))
}

fn write_new_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn remove_quietly(path: &Path) {
    if let Err(err) = fs::remove_file(path)
        && err.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %err, "cannot remove a temporary file");
    }
}

fn sync_directory(dir: &Path) {
    #[cfg(unix)]
    if let Err(err) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(path = %dir.display(), error = %err, "cannot fsync the data directory");
    }
    #[cfg(not(unix))]
    let _ = dir;
}
