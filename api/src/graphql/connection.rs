//! Relay connections. `totalCount` counts only when a client selects it, from a maintained
//! count or a planner estimate where one answers (see `store::counts`).

use rapport_domain::account::Account;
use rapport_domain::contact::Contact;
use rapport_domain::partner::Partner;
use rapport_domain::team::TeamMember;

use crate::store::{AuditEntry, Keyset, Page};

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

/// Where an item of a page is, from which its cursor is written when (and only when) a
/// client selects it: a page of 50 whose cursors nobody reads encodes none.
#[derive(Debug)]
pub enum Position {
    /// Its place in a sorted list.
    Sorted(Keyset),
    /// Its id (lists paged by id only).
    Id(i64),
}

impl Position {
    /// The position of the item at `index` of `page`.
    pub fn of<T>(page: &Page<T>, index: usize, row_id: impl Fn(&T) -> i64) -> Self {
        match page.cursors.get(index) {
            Some(keyset) if page.cursors.len() == page.items.len() => {
                Position::Sorted(keyset.clone())
            }
            _ => Position::Id(page.items.get(index).map_or(0, row_id)),
        }
    }

    /// The opaque cursor.
    pub fn cursor(&self) -> String {
        match self {
            Position::Sorted(keyset) => super::pagination::keyset_cursor(keyset),
            Position::Id(id) => super::pagination::cursor(*id),
        }
    }
}

/// Declares `$conn` and `$edge` for nodes of type `$node` wrapping `$item`, whose total is
/// counted by the async function `$count(&Store, ReadScope, &$query)` within the caller's
/// scope (always exactly), or, written `counted $count`, by
/// `$count(&Store, ReadScope, &$query, Counting)`, which may estimate when the client passes
/// `totalCount(exact: false)` (see `store::counts`). Before the items resolve,
/// `$prime(&Context, Lookahead, &[$item])` loads what their selected fields need in one batch
/// per loader (see `graphql::prime`).
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ident, $item:ty, $query:ty, counted $count:path, $prime:path) => {
        $crate::graphql::connection::connection!(
            @declare $conn, $edge, $node, $item, $query, counted $count, $prime
        );
    };
    ($conn:ident, $edge:ident, $node:ident, $item:ty, $query:ty, $count:path, $prime:path) => {
        $crate::graphql::connection::connection!(
            @declare $conn, $edge, $node, $item, $query, exact_only $count, $prime
        );
    };
    (@count exact_only $count:path, $st:ident, $query:ident, $counting:ident) => {{
        // This list has no cheaper count: an estimate asked for is the exact count.
        let _ = $counting;
        $count(&$st.store, $st.scope(), $query).await
    }};
    (@count counted $count:path, $st:ident, $query:ident, $counting:ident) => {
        $count(&$st.store, $st.scope(), $query, $counting).await
    };
    (@declare $conn:ident, $edge:ident, $node:ident, $item:ty, $query:ty, $how:ident $count:path, $prime:path) => {
        #[doc = concat!("An edge to a `", stringify!($node), "`.")]
        pub struct $edge {
            node: $node,
            at: $crate::graphql::connection::Position,
        }

        /// One item of a page with its cursor (a Relay edge).
        #[async_graphql::Object]
        impl $edge {
            /// Opaque position of this item: pass it as `after` or `before` to page from here.
            async fn cursor(&self) -> String {
                self.at.cursor()
            }

            /// The item itself.
            async fn node(&self) -> &$node {
                &self.node
            }
        }

        #[doc = concat!("A page of `", stringify!($node), "` items.")]
        pub struct $conn {
            pub(crate) page: $crate::store::Page<$item>,
            pub(crate) query: $query,
        }

        impl $conn {
            /// Where the item at `index` is: its place in the sorted list, or its id.
            fn position(&self, index: usize) -> $crate::graphql::connection::Position {
                $crate::graphql::connection::Position::of(&self.page, index, |n: &$item| {
                    $crate::graphql::connection::RowId::row_id(n)
                })
            }
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
                    .enumerate()
                    .map(|(index, node)| $edge {
                        node: $node(node.clone()),
                        at: self.position(index),
                    })
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
                let last = self.page.items.len().checked_sub(1);
                $crate::graphql::pagination::PageInfo {
                    has_next_page: self.page.has_next,
                    has_previous_page: self.page.has_previous,
                    start_cursor: last.map(|_| self.position(0).cursor()),
                    end_cursor: last.map(|last| self.position(last).cursor()),
                }
            }

            /// How many items match, across all pages (counted only when selected). Exact by
            /// default. Contacts and accounts, unfiltered or filtered by relationship type alone,
            /// are counted from a maintained count (exact, and as fast at a million rows as at
            /// ten); for a partner, and for any other filter, the rows are counted. With
            /// `exact: false` a filtered count of contacts or accounts may instead be
            /// PostgreSQL's planner estimate, read from its statistics without counting rows:
            /// fast on any size, but it can be off by a wide margin (by design it is not a
            /// count). On SQLite, and on every other list, `exact: false` still counts exactly.
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(
                    default = true,
                    desc = "`true` (the default): the exact number. `false`: an estimate is good enough (see the field's description for where one is given)."
                )]
                exact: bool,
            ) -> async_graphql::Result<i64> {
                use $crate::graphql::error::GqlResultExt as _;
                let st = $crate::graphql::context::state(ctx);
                let counting = if exact {
                    $crate::store::Counting::Exact
                } else {
                    $crate::store::Counting::Estimate
                };
                let query = &self.query;
                let n = $crate::graphql::connection::connection!(
                    @count $how $count, st, query, counting
                )
                .gql()?;
                Ok(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    };
}

pub(crate) use connection;
