//! What a parsed document would cost the validator and the executor once every fragment is
//! spread where it is used, computed without spreading anything: each fragment's cost is
//! computed once, after the fragments it spreads, and reused at every spread (saturating, so
//! a chain of fragments that each spread the previous one twice costs one pass, not 2^n).

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The cost of one selection set once its spreads are expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct SetCost {
    /// Selections (fields, inline fragments, fragment spreads).
    size: u64,
    /// Fragment spreads.
    spreads: u64,
    /// Deepest nesting below the set, counted as async-graphql's recursion limit counts it:
    /// one level per field with a selection, inline fragment and fragment spread.
    nesting: u64,
    /// Deepest path of fields below the set that passes through no introspection field,
    /// counted as async-graphql's depth limit counts it: one level per field, leaves
    /// included, fragments transparent.
    depth: u64,
    /// Deepest path of fields below the set that passes through `__schema` or `__type`,
    /// counted the same way from the top of the set.
    introspection_depth: u64,
}

/// Whether a field opens an introspection selection.
fn is_introspection(name: &str) -> bool {
    matches!(name, "__schema" | "__type")
}

impl SetCost {
    fn add(self, other: Self) -> Self {
        Self {
            size: self.size.saturating_add(other.size),
            spreads: self.spreads.saturating_add(other.spreads),
            nesting: self.nesting.max(other.nesting),
            depth: self.depth.max(other.depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
        }
    }

    /// This set as the selection of a field, inline fragment or spread one level up.
    fn under(self, spread: bool) -> Self {
        Self {
            size: self.size.saturating_add(1),
            spreads: self.spreads.saturating_add(u64::from(spread)),
            nesting: self.nesting.saturating_add(1),
            ..self
        }
    }

    /// This set as the selection of a field named `name` one level up (a leaf field when the
    /// set is empty): one more level of depth, and every path below an introspection field
    /// counted as introspection.
    fn under_field(self, name: &str, leaf: bool) -> Self {
        let mut cost = if leaf {
            Self {
                size: 1,
                ..Self::default()
            }
        } else {
            self.under(false)
        };
        if is_introspection(name) {
            cost.depth = 0;
            cost.introspection_depth = self.depth.max(self.introspection_depth).saturating_add(1);
        } else {
            cost.depth = self.depth.saturating_add(1);
            cost.introspection_depth = match self.introspection_depth {
                0 => 0,
                d => d.saturating_add(1),
            };
        }
        cost
    }
}

/// What a document costs once expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentCost {
    /// Fragment definitions.
    pub fragments: u64,
    /// Selections once every spread is expanded: each operation, plus each fragment that no
    /// operation uses (the validator walks those too).
    pub expanded: u64,
    /// Fragment spreads once expanded, counted the same way.
    pub spreads: u64,
    /// Deepest nesting of an operation or fragment.
    pub nesting: u64,
    /// Deepest path of data fields (fields, leaves included, on no path through `__schema`
    /// or `__type`): the depth `graphql.max_depth` bounds.
    pub depth: u64,
    /// Deepest path of fields through `__schema` or `__type`: the depth
    /// `graphql.max_introspection_depth` bounds.
    pub introspection_depth: u64,
    /// Aliases written in the document.
    pub aliases: u64,
}

/// Fragments that spread one another in a cycle (their expansion never ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub Vec<String>);

/// The cost of `doc`, or the fragments caught in a cycle.
pub fn cost_of(doc: &ExecutableDocument) -> Result<DocumentCost, Cycle> {
    let order = dependency_order(doc)?;
    let mut aliases: u64 = 0;
    let mut memo: HashMap<&str, SetCost> = HashMap::with_capacity(order.len());
    for name in order {
        let fragment = &doc.fragments[name];
        let cost = set_cost(&fragment.node.selection_set.node, &memo, &mut aliases);
        memo.insert(name, cost);
    }

    let mut total = SetCost::default();
    let mut used: HashSet<&str> = HashSet::new();
    for (_, op) in doc.operations.iter() {
        let set = &op.node.selection_set.node;
        total = total.add(set_cost(set, &memo, &mut aliases));
        spread_names(set, &mut |name| {
            used.insert(name);
        });
    }
    // Fragments used only by other fragments are used too.
    let mut pending: Vec<&str> = used.iter().copied().collect();
    while let Some(name) = pending.pop() {
        if let Some(fragment) = doc.fragments.get(name) {
            spread_names(&fragment.node.selection_set.node, &mut |name| {
                if used.insert(name) {
                    pending.push(name);
                }
            });
        }
    }
    for (name, cost) in &memo {
        if used.contains(name) {
            // Its depth counts where it is spread: alone, a fragment on `__Type` would look
            // like data.
            total.nesting = total.nesting.max(cost.nesting);
        } else {
            total = total.add(*cost);
        }
    }
    Ok(DocumentCost {
        fragments: doc.fragments.len() as u64,
        expanded: total.size,
        spreads: total.spreads,
        nesting: total.nesting,
        depth: total.depth,
        introspection_depth: total.introspection_depth,
        aliases,
    })
}

/// The cost of `set`, every fragment it spreads already in `memo` (a spread of a fragment
/// the document does not define counts as one selection: validation refuses it later).
/// Recursion follows the set's own nesting, which the parser bounds.
fn set_cost(set: &SelectionSet, memo: &HashMap<&str, SetCost>, aliases: &mut u64) -> SetCost {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => {
                *aliases = aliases.saturating_add(u64::from(f.node.alias.is_some()));
                let sub = &f.node.selection_set.node;
                let name = f.node.name.node.as_str();
                if sub.items.is_empty() {
                    SetCost::default().under_field(name, true)
                } else {
                    set_cost(sub, memo, aliases).under_field(name, false)
                }
            }
            Selection::InlineFragment(f) => {
                set_cost(&f.node.selection_set.node, memo, aliases).under(false)
            }
            Selection::FragmentSpread(s) => memo
                .get(s.node.fragment_name.node.as_str())
                .copied()
                .unwrap_or_default()
                .under(true),
        })
        .fold(SetCost::default(), SetCost::add)
}

/// Calls `f` with the name of every fragment spread written in `set`.
fn spread_names<'a>(set: &'a SelectionSet, f: &mut impl FnMut(&'a str)) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => spread_names(&field.node.selection_set.node, f),
            Selection::InlineFragment(inline) => spread_names(&inline.node.selection_set.node, f),
            Selection::FragmentSpread(s) => f(s.node.fragment_name.node.as_str()),
        }
    }
}

/// The document's fragments, each after every fragment it spreads (Kahn's algorithm, so no
/// recursion however long the chain), or the fragments left in a cycle.
pub(super) fn dependency_order(doc: &ExecutableDocument) -> Result<Vec<&str>, Cycle> {
    let mut waiting_on: HashMap<&str, usize> = HashMap::with_capacity(doc.fragments.len());
    let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, fragment) in &doc.fragments {
        let mut deps: HashSet<&str> = HashSet::new();
        spread_names(&fragment.node.selection_set.node, &mut |dep| {
            if doc.fragments.contains_key(dep) {
                deps.insert(dep);
            }
        });
        waiting_on.insert(name.as_str(), deps.len());
        for dep in deps {
            dependents.entry(dep).or_default().push(name.as_str());
        }
    }
    let mut ready: Vec<&str> = waiting_on
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(name, _)| *name)
        .collect();
    let mut order = Vec::with_capacity(waiting_on.len());
    while let Some(name) = ready.pop() {
        order.push(name);
        for dependent in dependents.get(name).into_iter().flatten() {
            // Every dependent is a key of `waiting_on` (both come from `doc.fragments`); a
            // missing one is simply not released, never a panic on a client's document.
            if let Some(n) = waiting_on.get_mut(dependent) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    ready.push(dependent);
                }
            }
        }
    }
    if order.len() < waiting_on.len() {
        let mut stuck: Vec<String> = waiting_on
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, _)| name.to_owned())
            .collect();
        stuck.sort();
        return Err(Cycle(stuck));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::{Cycle, DocumentCost, cost_of};

    fn cost(src: &str) -> Result<DocumentCost, Cycle> {
        cost_of(&parse_query(src).expect("parses"))
    }

    /// `fragment F1 on Query { ...F0 ...F0 }` … `query { ...Fn }`.
    fn doubling_chain(levels: usize) -> String {
        let mut doc = String::from("query { ...F0 } fragment F0 on Query { __typename }\n");
        doc = doc.replace("...F0", &format!("...F{levels}"));
        for i in 1..=levels {
            doc.push_str(&format!(
                "fragment F{i} on Query {{ ...F{p} ...F{p} }}\n",
                p = i - 1
            ));
        }
        doc
    }

    #[test]
    fn a_plain_query_costs_its_selections_and_nesting() {
        let c = cost("{ viewer { subject role } a: __typename }").unwrap();
        assert_eq!(
            c,
            DocumentCost {
                fragments: 0,
                expanded: 4,
                spreads: 0,
                nesting: 1,
                depth: 2,
                introspection_depth: 0,
                aliases: 1,
            }
        );
    }

    #[test]
    fn a_spread_costs_its_fragment_each_time_it_is_used() {
        let c =
            cost("{ viewer { ...V } me: viewer { ...V } } fragment V on Viewer { subject role }")
                .unwrap();
        // viewer, spread, subject, role — twice.
        assert_eq!(c.expanded, 8);
        assert_eq!(c.spreads, 2);
        assert_eq!(c.nesting, 2);
        assert_eq!(c.fragments, 1);
        assert_eq!(c.aliases, 1);
    }

    #[test]
    fn inline_fragments_and_spreads_each_add_a_level_of_nesting() {
        let c = cost(
            "{ ... on Query { ... on Query { ...F } } } fragment F on Query { viewer { subject } }",
        )
        .unwrap();
        assert_eq!(c.nesting, 4);
        let nested = format!(
            "{{ {}__typename{} }}",
            "... on Query { ".repeat(64),
            " }".repeat(64)
        );
        assert_eq!(cost(&nested).unwrap().nesting, 64);
    }

    #[test]
    fn the_doubling_chain_is_costed_exactly_while_it_fits_and_saturates_past_it() {
        // Level k expands to 2^(k+1) - 1 selections below the operation's spread.
        let c = cost(&doubling_chain(20)).unwrap();
        assert_eq!(c.expanded, (3 << 20) - 1);
        assert_eq!(c.spreads, (1 << 21) - 1);
        assert_eq!(c.nesting, 21);
        let c = cost(&doubling_chain(1_000)).unwrap();
        assert_eq!(c.expanded, u64::MAX);
        assert_eq!(c.spreads, u64::MAX);
        assert_eq!(c.nesting, 1_001);
    }

    #[test]
    fn fragments_no_operation_uses_are_costed_as_if_used_once() {
        let doc = doubling_chain(10).replacen("query { ...F10 }", "query { __typename }", 1);
        let c = cost(&doc).unwrap();
        // Every fragment is unused by the operation except through F10, which is unused.
        assert!(c.expanded > 1 << 11, "{c:?}");
    }

    #[test]
    fn fragments_used_only_through_other_fragments_are_not_counted_twice() {
        let c = cost("{ ...A } fragment A on Query { ...B } fragment B on Query { __typename }")
            .unwrap();
        assert_eq!(c.expanded, 3);
        assert_eq!(c.spreads, 2);
    }

    #[test]
    fn a_cycle_is_named_instead_of_expanded() {
        let err = cost(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A ...C } fragment C on Query { __typename }",
        )
        .unwrap_err();
        assert_eq!(err, Cycle(vec!["A".into(), "B".into()]));
        let err = cost("{ ...A } fragment A on Query { viewer { ...A } }").unwrap_err();
        assert_eq!(err, Cycle(vec!["A".into()]));
    }

    #[test]
    fn depth_counts_fields_leaves_included_through_fragments() {
        let c = cost("{ viewer { ...V } } fragment V on Viewer { teamMember { name } }").unwrap();
        assert_eq!((c.depth, c.introspection_depth), (3, 0));
        let c = cost("{ ... on Query { ... on Query { __typename } } }").unwrap();
        assert_eq!(c.depth, 1);
    }

    #[test]
    fn paths_through_schema_or_type_count_as_introspection_depth_only() {
        let c = cost(
            "{ viewer { subject } __schema { types { ...T } } } \
             fragment T on __Type { fields { type { ofType { name } } } }",
        )
        .unwrap();
        assert_eq!((c.depth, c.introspection_depth), (2, 6));
        let c = cost("{ __type(name: \"Account\") { name } }").unwrap();
        assert_eq!((c.depth, c.introspection_depth), (0, 2));
        // An introspection field under a data field counts the whole path as introspection.
        let c = cost("{ viewer { subject __type(name: \"X\") { name } } }").unwrap();
        assert_eq!((c.depth, c.introspection_depth), (2, 3));
        // A fragment used both ways counts for each.
        let c = cost(
            "{ viewer { ...N } __type(name: \"X\") { ...N } } fragment N on Query { a { b { c } } }",
        )
        .unwrap();
        assert_eq!((c.depth, c.introspection_depth), (4, 4));
    }

    #[test]
    fn a_spread_of_an_undefined_fragment_counts_once() {
        let c = cost("{ ...Nope }").unwrap();
        assert_eq!(c.expanded, 1);
        assert_eq!(c.spreads, 1);
    }
}
