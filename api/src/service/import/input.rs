//! Where an import's file is: on disk (the command line) or in memory (an upload, a job's
//! stored file), opened once to check it whole and once to import it.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the file is.
#[derive(Debug, Clone)]
pub enum ImportInput {
    /// A file on disk (read twice: once to check it whole, once to import).
    File(PathBuf),
    /// The file's bytes.
    Bytes(Arc<Vec<u8>>),
}

/// The file's bytes, read in place (a job's file is read twice without being copied).
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl ImportInput {
    pub(super) fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Self::File(path) => Box::new(std::fs::File::open(path)?),
            Self::Bytes(bytes) => Box::new(std::io::Cursor::new(Shared(Arc::clone(bytes)))),
        })
    }
}
