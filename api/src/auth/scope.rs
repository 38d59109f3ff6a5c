//! Row-level read scope: which rows a read may return to whoever is asking.
//!
//! Every store read that returns rows a partner may see takes a [`ReadScope`]. A request gets
//! its scope only from its authenticated [`Caller`](super::Caller) (`Caller::scope`), so a new
//! list or loader that forgets the partner's scope does not compile, and no resolver sets a
//! scope by hand. The process's own work (the sync worker, inbound webhooks, the CLI) reads
//! with [`ReadScope::system`]; a test keeps that constructor out of `graphql/` and `http/`.

use rapport_domain::ids::PartnerId;
use rapport_domain::permissions::Principal;

/// Which rows a read may return: every row (staff and the system), or only the rows of the
/// accounts one partner referred (and what hangs off them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadScope {
    partner: Option<PartnerId>,
}

impl ReadScope {
    /// The scope of a principal: a partner reads only what it referred; staff read every row
    /// (what they may do with it is still decided by `authorize`).
    pub(crate) fn of(principal: &Principal) -> Self {
        Self {
            partner: principal.partner(),
        }
    }

    /// Every row, for the process's own work (never a request's reads).
    pub(crate) fn system() -> Self {
        Self { partner: None }
    }

    /// The partner whose rows alone this scope reads, if it is a partner's.
    pub fn partner(&self) -> Option<PartnerId> {
        self.partner
    }
}
