//! Why the guard refused a document, as the client reads it.

use async_graphql::{ErrorExtensionValues, ServerError};

/// A bound of the guard, named by its setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `graphql.max_tokens`.
    Tokens,
    /// `graphql.max_fragments`.
    Fragments,
    /// `graphql.max_nesting`.
    Nesting,
    /// `graphql.max_depth`, held against data fields.
    Depth,
    /// `graphql.max_introspection_depth`, held against fields under `__schema` or `__type`.
    IntrospectionDepth,
    /// `graphql.max_selections`, held against the expanded size.
    Expansion,
    /// `graphql.max_complexity`, held against the cost model: the objects the answer can
    /// hold (see `super::model`).
    Complexity,
    /// `graphql.max_fragment_spreads`.
    FragmentSpreads,
    /// `graphql.max_aliases`.
    Aliases,
}

impl Bound {
    /// The setting that sets this bound.
    pub fn setting(self) -> &'static str {
        match self {
            Self::Tokens => "graphql.max_tokens",
            Self::Fragments => "graphql.max_fragments",
            Self::Nesting => "graphql.max_nesting",
            Self::Depth => "graphql.max_depth",
            Self::IntrospectionDepth => "graphql.max_introspection_depth",
            Self::Expansion => "graphql.max_selections",
            Self::Complexity => "graphql.max_complexity",
            Self::FragmentSpreads => "graphql.max_fragment_spreads",
            Self::Aliases => "graphql.max_aliases",
        }
    }

    /// What was counted, as "the document … N …".
    fn describe(self, n: &str) -> String {
        match self {
            Self::Tokens => format!("the document has {n} tokens"),
            Self::Fragments => format!("the document defines {n} fragments"),
            Self::Nesting => format!(
                "the document nests selections {n} deep (counting fields, inline fragments and fragment spreads)"
            ),
            Self::Depth => format!("the query is nested too deep: its fields nest {n} levels"),
            Self::IntrospectionDepth => format!(
                "the introspection query is nested too deep: its fields under __schema or __type nest {n} levels"
            ),
            Self::Expansion => {
                format!("the document expands to {n} selections once its fragments are spread")
            }
            Self::FragmentSpreads => {
                format!("the document spreads fragments {n} times once nested spreads are followed")
            }
            Self::Aliases => format!("the document uses {n} aliases"),
            Self::Complexity => format!(
                "the query is too complex: its answer can hold {n} objects (its cost: every \
                 object counts 1, a connection counts its `first` or `last`, or 20, times the \
                 objects in each item)"
            ),
        }
    }
}

/// Why a document was refused before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A bound was passed: `value` was counted where at most `limit` is allowed.
    TooComplex {
        /// The bound passed.
        bound: Bound,
        /// What was counted (`u64::MAX` once counting saturated).
        value: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Fragments spread one another in a cycle, so their expansion never ends.
    FragmentCycle(Vec<String>),
}

impl Refusal {
    /// The error the client gets: `QUERY_TOO_COMPLEX` naming the bound, with `bound`, `value`
    /// and `limit` in `extensions` (and `cost`, the same as `value`, when the bound is the
    /// cost model's); a cycle is a `GRAPHQL_VALIDATION_FAILED` naming the
    /// fragments.
    pub fn into_server_error(self) -> ServerError {
        let mut ext = ErrorExtensionValues::default();
        let message = match self {
            Self::TooComplex {
                bound,
                value,
                limit,
            } => {
                ext.set("code", "QUERY_TOO_COMPLEX");
                ext.set("bound", bound.setting());
                ext.set("value", value);
                ext.set("limit", limit);
                if bound == Bound::Complexity {
                    ext.set("cost", value);
                }
                let n = if value == u64::MAX {
                    format!("at least {value}")
                } else {
                    value.to_string()
                };
                format!(
                    "{}; at most {limit} are allowed ({})",
                    bound.describe(&n),
                    bound.setting()
                )
            }
            Self::FragmentCycle(names) => {
                ext.set("code", "GRAPHQL_VALIDATION_FAILED");
                format!(
                    "fragments spread one another in a cycle: {}",
                    names.join(", ")
                )
            }
        };
        let mut err = ServerError::new(message, None);
        err.extensions = Some(ext);
        err
    }
}

#[cfg(test)]
mod tests {
    use super::{Bound, Refusal};

    #[test]
    fn a_refusal_names_the_bound_the_count_and_the_limit() {
        let err = Refusal::TooComplex {
            bound: Bound::FragmentSpreads,
            value: 2_000,
            limit: 1_000,
        }
        .into_server_error();
        assert_eq!(
            err.message,
            "the document spreads fragments 2000 times once nested spreads are followed; \
             at most 1000 are allowed (graphql.max_fragment_spreads)"
        );
        let ext = serde_json::to_value(err.extensions).unwrap();
        assert_eq!(
            ext,
            serde_json::json!({
                "code": "QUERY_TOO_COMPLEX",
                "bound": "graphql.max_fragment_spreads",
                "value": 2000,
                "limit": 1000,
            })
        );
    }

    #[test]
    fn a_cost_refusal_carries_the_cost_and_names_the_setting() {
        let err = Refusal::TooComplex {
            bound: Bound::Complexity,
            value: 1_020_201,
            limit: 20_000,
        }
        .into_server_error();
        assert!(
            err.message
                .starts_with("the query is too complex: its answer can hold 1020201 objects")
                && err
                    .message
                    .ends_with("; at most 20000 are allowed (graphql.max_complexity)"),
            "{}",
            err.message
        );
        let ext = serde_json::to_value(err.extensions).unwrap();
        assert_eq!(
            ext,
            serde_json::json!({
                "code": "QUERY_TOO_COMPLEX",
                "bound": "graphql.max_complexity",
                "value": 1_020_201,
                "cost": 1_020_201,
                "limit": 20_000,
            })
        );
    }

    #[test]
    fn a_saturated_count_says_at_least() {
        let err = Refusal::TooComplex {
            bound: Bound::Expansion,
            value: u64::MAX,
            limit: 5_000,
        }
        .into_server_error();
        assert!(
            err.message
                .starts_with("the document expands to at least 18446744073709551615 selections"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_cycle_names_its_fragments() {
        let err = Refusal::FragmentCycle(vec!["A".into(), "B".into()]).into_server_error();
        assert_eq!(err.message, "fragments spread one another in a cycle: A, B");
    }
}
