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
    /// (what they may do with it is still decided by `authorize`). Requests take theirs from
    /// the caller (`Caller::scope`).
    pub fn of(principal: &Principal) -> Self {
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The compiler makes every read take a scope; this keeps the request layer from making
    /// one itself: resolvers and handlers get theirs from the caller (`RequestState::scope`,
    /// `Caller::scope`), never from `ReadScope::system` or a hand-set partner field.
    #[test]
    fn no_resolver_or_handler_makes_or_sets_a_read_scope_by_hand() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root.join("graphql"), &mut files);
        sources(&root.join("http"), &mut files);
        assert!(
            files.len() > 10,
            "the request layer's sources were not found"
        );
        let mut offenders = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable source");
            for (i, line) in text.lines().enumerate() {
                if ["ReadScope::", "scope_partner"]
                    .iter()
                    .any(|bad| line.contains(bad))
                {
                    offenders.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "the request layer sets a read scope by hand:\n{}",
            offenders.join("\n")
        );
    }

    #[test]
    fn a_partner_principal_reads_only_its_rows_and_staff_read_every_row() {
        use rapport_domain::ids::{PartnerId, TeamMemberId};
        use rapport_domain::permissions::Principal;
        use rapport_domain::role::Role;

        let partner = PartnerId::new(3);
        assert_eq!(
            super::ReadScope::of(&Principal::Partner {
                partner,
                scopes: rapport_domain::permissions::Scopes::ALL
            })
            .partner(),
            Some(partner)
        );
        for role in [
            Role::Admin,
            Role::AccountManager,
            Role::SupportAgent,
            Role::Viewer,
        ] {
            let staff = Principal::Staff {
                member: TeamMemberId::new(1),
                role,
            };
            assert_eq!(super::ReadScope::of(&staff).partner(), None, "{role:?}");
        }
    }
}
