//! The generated HS256 secret in `<data_dir>/jwt-secret`.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::TryRng as _;
use secrecy::SecretSlice;
use secrecy::zeroize::Zeroize as _;

use super::error::JwtError;
use super::{HS256_SECRET_LEN, MAX_SECRET_FILE_BYTES, SECRET_FILE_NAME};

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
