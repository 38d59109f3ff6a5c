//! Relay connections. `totalCount` runs its COUNT query only when a client selects it.

use rapport_domain::account::Account;
use rapport_domain::contact::Contact;
use rapport_domain::partner::Partner;
use rapport_domain::team::TeamMember;

use crate::store::AuditEntry;

/// The raw key of a listed row (for cursors).
pub trait RowId {
    /// The key.
    fn row_id(&self) -> i64;
}

impl RowId for Account {
    fn row_id(&self) -> i64 {
        self.id().get()
    }
}
impl RowId for Contact {
    fn row_id(&self) -> i64 {
        self.id().get()
    }
}
impl RowId for TeamMember {
    fn row_id(&self) -> i64 {
        self.id.get()
    }
}
impl RowId for Partner {
    fn row_id(&self) -> i64 {
        self.id.get()
    }
}
impl RowId for AuditEntry {
    fn row_id(&self) -> i64 {
        self.id
    }
}

/// Declares `$conn` and `$edge` for nodes of type `$node` wrapping `$item`, whose total is
/// counted by the async function `$count(&Store, ReadScope, &$query)` within the caller's
/// scope. Before the items resolve,
/// `$prime(&Context, Lookahead, &[$item])` loads what their selected fields need in one batch
/// per loader (see `graphql::prime`).
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ident, $item:ty, $query:ty, $count:path, $prime:path) => {
        #[doc = concat!("An edge to a `", stringify!($node), "`.")]
        pub struct $edge {
            node: $item,
        }

        /// One item of a page with its cursor (a Relay edge).
        #[async_graphql::Object]
        impl $edge {
            /// Opaque position of this item: pass it as `after` or `before` to page from here.
            async fn cursor(&self) -> String {
                $crate::graphql::pagination::cursor($crate::graphql::connection::RowId::row_id(
                    &self.node,
                ))
            }

            /// The item itself.
            async fn node(&self) -> $node {
                $node(self.node.clone())
            }
        }

        #[doc = concat!("A page of `", stringify!($node), "` items.")]
        pub struct $conn {
            pub(crate) page: $crate::store::Page<$item>,
            pub(crate) query: $query,
        }

        /// One page of a list (a Relay connection): the items as `edges` (with cursors) or as
        /// `nodes`, where the page is in `pageInfo`, and `totalCount` across all pages. Page on
        /// with `first`/`after` (forwards) or `last`/`before` (backwards).
        #[async_graphql::Object]
        impl $conn {
            /// The page's items, each with its cursor.
            async fn edges(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<Vec<$edge>> {
                $prime(ctx, ctx.look_ahead().field("node"), &self.page.items).await?;
                Ok(self
                    .page
                    .items
                    .iter()
                    .map(|node| $edge { node: node.clone() })
                    .collect())
            }

            /// The page's items, without cursors (when `pageInfo` is enough to page on).
            async fn nodes(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<Vec<$node>> {
                $prime(ctx, ctx.look_ahead(), &self.page.items).await?;
                Ok(self.page.items.iter().map(|n| $node(n.clone())).collect())
            }

            /// Whether more items come before or after this page, and the cursors of its ends.
            async fn page_info(&self) -> $crate::graphql::pagination::PageInfo {
                let ids: Vec<i64> = self
                    .page
                    .items
                    .iter()
                    .map($crate::graphql::connection::RowId::row_id)
                    .collect();
                $crate::graphql::pagination::page_info(
                    &ids,
                    self.page.has_next,
                    self.page.has_previous,
                )
            }

            /// How many items match, across all pages (counted only when selected).
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<i64> {
                use $crate::graphql::error::GqlResultExt as _;
                let st = $crate::graphql::context::state(ctx);
                let n = $count(&st.store, st.scope(), &self.query).await.gql()?;
                Ok(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    };
}

pub(crate) use connection;
