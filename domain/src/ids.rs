//! Typed identifiers, so an account id can never be passed where a contact id is expected.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw database key.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw database key.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an [`Account`](crate::account::Account).
    AccountId
);
id_type!(
    /// Identifies a [`Contact`](crate::contact::Contact).
    ContactId
);
id_type!(
    /// Identifies a [`TeamMember`](crate::team::TeamMember).
    TeamMemberId
);
id_type!(
    /// Identifies a [`Partner`](crate::partner::Partner).
    PartnerId
);
id_type!(
    /// Identifies an [`Agreement`](crate::agreement::Agreement).
    AgreementId
);
id_type!(
    /// Identifies a service account: a machine's identity, holding API keys.
    ServiceAccountId
);
