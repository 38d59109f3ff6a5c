//! The server-side pepper API keys are hashed under. A fleet shares one: give every process
//! the same `auth.api_key_pepper` (environment `RAPPORT_AUTH__API_KEY_PEPPER`) or
//! `auth.api_key_pepper_file`; by default one process generates `api-key-pepper` in its data
//! folder (like the JWT secret). Losing the pepper makes every key unusable (issue new ones).

use std::fs;
use std::io::Write as _;
use std::path::Path;

use secrecy::{ExposeSecret, SecretSlice, SecretString};

/// The file generated in the data folder when no pepper is configured.
pub const PEPPER_FILE: &str = "api-key-pepper";

/// The shortest pepper accepted, in bytes.
pub const MIN_PEPPER_BYTES: usize = 32;

/// The pepper from the settings, else from the file (created with 256 random bits, readable
/// only by its owner, when it does not exist yet).
pub fn load_pepper(
    configured: Option<&SecretString>,
    file: Option<&Path>,
    data_dir: &Path,
) -> Result<SecretSlice<u8>, String> {
    let check = |bytes: Vec<u8>, from: &str| {
        if bytes.len() < MIN_PEPPER_BYTES {
            Err(format!(
                "{from} must be at least {MIN_PEPPER_BYTES} bytes (use 64 random hex digits)"
            ))
        } else {
            Ok(SecretSlice::from(bytes))
        }
    };
    if let Some(pepper) = configured {
        return check(
            pepper.expose_secret().trim().as_bytes().to_vec(),
            "auth.api_key_pepper",
        );
    }
    if let Some(path) = file {
        let text = fs::read_to_string(path)
            .map_err(|e| format!("auth.api_key_pepper_file {}: {e}", path.display()))?;
        return check(text.trim().as_bytes().to_vec(), "auth.api_key_pepper_file");
    }
    let path = data_dir.join(PEPPER_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => check(text.trim().as_bytes().to_vec(), PEPPER_FILE),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let raw: [u8; 32] = rand::random();
            let text: String = raw.iter().map(|b| format!("{b:02x}")).collect();
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut out = options
                .open(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            out.write_all(text.as_bytes())
                .and_then(|()| out.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            check(text.into_bytes(), PEPPER_FILE)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
