//! Contact-sync administration: dead letters and retries (admins only).

mod mutations;
mod nodes;
mod queries;

pub use mutations::{SyncAdminMutations, SyncMutations};
pub use nodes::{ResyncNode, SyncJobConnection, SyncProviderNode};
pub use queries::SyncQueries;
