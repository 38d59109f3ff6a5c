//! What each list can be sorted by: a field, the column holding its sort value, and the name
//! its cursors record. A new sortable list needs one `sort_fields!` here, an index in a
//! migration, and `fetch_page` with its `PageRequest`.

use super::entity;
use super::page::SortField;

macro_rules! sort_fields {
    ($(#[$m:meta])* $name:ident for $entity:ident {
        $($(#[$vm:meta])* $variant:ident => $col:ident as $label:literal),* $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vm])* $variant),*
        }

        impl SortField for $name {
            type Entity = entity::$entity::Entity;
            fn column(self) -> entity::$entity::Column {
                match self {
                    $(Self::$variant => entity::$entity::Column::$col),*
                }
            }
            fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $label),*
                }
            }
        }
    };
}

sort_fields! {
    /// Account sort keys.
    AccountSort for account {
        /// The lower-cased name.
        Name => NameKey as "name",
        /// Creation time.
        CreatedAt => CreatedAt as "created_at",
        /// Last change.
        UpdatedAt => UpdatedAt as "updated_at",
        /// `CLIENT` before `CUSTOMER`.
        RelationshipType => Relationship as "relationship",
        /// The earliest notice or renewal date of the agreements in force.
        NextDeadline => NextDeadline as "next_deadline",
    }
}

sort_fields! {
    /// Contact sort keys.
    ContactSort for contact {
        /// The lower-cased last name.
        LastName => LastNameKey as "last_name",
        /// The lower-cased first name.
        FirstName => FirstNameKey as "first_name",
        /// The lower-cased email address.
        Email => EmailKey as "email",
        /// Creation time.
        CreatedAt => CreatedAt as "created_at",
    }
}

sort_fields! {
    /// Agreement sort keys.
    AgreementSort for agreement {
        /// The status's name.
        Status => Status as "status",
        /// Start of the current revision's summary.
        EffectiveFrom => EffectiveFrom as "effective_from",
        /// End of the current term.
        TermEnd => TermEnd as "term_end",
        /// Last day to give notice.
        CancelBy => CancelBy as "cancel_by",
        /// When the next review is due.
        NextReviewOn => NextReviewOn as "next_review_on",
        /// Creation time.
        CreatedAt => CreatedAt as "created_at",
    }
}

sort_fields! {
    /// Service-credit sort keys.
    CreditSort for service_credit {
        /// The period the credit is for.
        PeriodStart => PeriodStart as "period_start",
        /// The amount.
        Amount => AmountKey as "amount",
        /// When it was computed.
        CreatedAt => ComputedAt as "created_at",
    }
}

sort_fields! {
    /// Team member sort keys.
    TeamSort for team_member {
        /// The lower-cased name.
        Name => NameKey as "name",
        /// Creation time.
        CreatedAt => CreatedAt as "created_at",
    }
}

sort_fields! {
    /// Partner sort keys.
    PartnerSort for partner {
        /// The lower-cased name.
        Name => NameKey as "name",
        /// Creation time.
        CreatedAt => CreatedAt as "created_at",
    }
}

sort_fields! {
    /// Audit log sort keys.
    AuditSort for audit_log {
        /// When it happened.
        CreatedAt => At as "created_at",
    }
}

sort_fields! {
    /// Sync job sort keys.
    SyncJobSort for sync_job {
        /// Creation time.
        CreatedAt => CreatedAt as "created_at",
    }
}

sort_fields! {
    /// Webhook endpoint sort keys.
    WebhookEndpointSort for webhook_endpoint {
        /// Registration time.
        CreatedAt => CreatedAt as "created_at",
    }
}

sort_fields! {
    /// Webhook delivery sort keys.
    WebhookDeliverySort for webhook_delivery {
        /// Creation time.
        CreatedAt => CreatedAt as "created_at",
    }
}
