use crate::wire::wire_enum;

wire_enum!(
    /// Whether the account is one person or an organization.
    AccountKind, "kind" {
        /// A single person.
        Individual => "INDIVIDUAL",
        /// A company or other organization.
        Organization => "ORGANIZATION",
    }
);

wire_enum!(
    /// How the account came to us.
    AcquisitionChannel, "acquisitionChannel" {
        /// Recommended by an existing account.
        Referral => "REFERRAL",
        /// Brought by a partner.
        Partner => "PARTNER",
        /// Came through marketing.
        Marketing => "MARKETING",
        /// Came to us directly.
        Direct => "DIRECT",
        /// Anything else.
        Other => "OTHER",
    }
);

wire_enum!(
    /// Whether we still serve the account.
    AccountStatus, "status" {
        /// Served.
        Active => "ACTIVE",
        /// No longer served.
        Churned => "CHURNED",
    }
);

wire_enum!(
    /// The line Rapport is built around: customers buy in transactions; clients are long-term,
    /// personally managed, and usually under a formal agreement.
    RelationshipType, "relationshipType" {
        /// Transactional, served at scale.
        Customer => "CUSTOMER",
        /// Long-term, with a dedicated account manager.
        Client => "CLIENT",
    }
);
