//! The guard's bounds, each at its limit and one past it.

use async_graphql::parser::parse_query;

use super::{Bound, GuardLimits, Refusal};

const LIMITS: GuardLimits = GuardLimits {
    max_tokens: 10_000,
    max_fragments: 200,
    max_nesting: 64,
    max_expanded: 5_000,
    max_fragment_spreads: 1_000,
    max_aliases: 30,
};

fn check(limits: GuardLimits, src: &str) -> Result<(), Refusal> {
    limits.check_source(src)?;
    let doc = parse_query(src).expect("parses");
    limits.check_document(&doc).map(|_| ())
}

fn refused_by(limits: GuardLimits, src: &str) -> (Bound, u64, u64) {
    match check(limits, src) {
        Err(Refusal::TooComplex {
            bound,
            value,
            limit,
        }) => (bound, value, limit),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// `fragment F1 on Query { ...F0 ...F0 }` … `query { ...Fn }`.
fn doubling_chain(levels: usize) -> String {
    let mut doc = format!("query {{ ...F{levels} }}\nfragment F0 on Query {{ __typename }}\n");
    for i in 1..=levels {
        doc.push_str(&format!(
            "fragment F{i} on Query {{ ...F{p} ...F{p} }}\n",
            p = i - 1
        ));
    }
    doc
}

/// graphql-js's standard introspection query (`getIntrospectionQuery()`, v16 defaults).
pub const INTROSPECTION_QUERY: &str = include_str!("introspection_query.graphql");

#[test]
fn the_standard_introspection_query_passes_every_bound() {
    let doc = parse_query(INTROSPECTION_QUERY).expect("parses");
    let cost = LIMITS.check_document(&doc).expect("admitted");
    LIMITS.check_source(INTROSPECTION_QUERY).expect("admitted");
    assert!(cost.nesting >= 8, "{cost:?}");
}

#[test]
fn a_token_stream_past_the_limit_is_refused_before_parsing() {
    let limits = GuardLimits {
        max_tokens: 6,
        ..LIMITS
    };
    assert_eq!(check(limits, "{ viewer { subject } }"), Ok(()));
    assert_eq!(
        limits.check_source("{ viewer { subject role } }"),
        Err(Refusal::TooComplex {
            bound: Bound::Tokens,
            value: 7,
            limit: 6
        })
    );
    // Not even a document: the count comes first, so the parser never sees it.
    assert_eq!(
        limits.check_source(&"{".repeat(100_000)).map_err(|_| ()),
        Err(())
    );
}

#[test]
fn the_doubling_chain_is_refused_at_every_length() {
    for levels in [11, 20, 30, 60] {
        let (bound, value, limit) = refused_by(LIMITS, &doubling_chain(levels));
        assert_eq!((bound, limit), (Bound::Expansion, 5_000), "{levels} levels");
        assert!(value > 5_000);
    }
    // Eight levels expand to 767 selections and 511 spreads: admitted.
    assert_eq!(check(LIMITS, &doubling_chain(8)), Ok(()));
    // A thousand levels pass the token count before anything else, then the fragment count,
    // then the nesting, then the expanded size (saturated).
    assert_eq!(
        refused_by(LIMITS, &doubling_chain(1_000)),
        (Bound::Tokens, 10_012, 10_000)
    );
    let long = GuardLimits {
        max_tokens: 100_000,
        ..LIMITS
    };
    assert_eq!(
        refused_by(long, &doubling_chain(1_000)),
        (Bound::Fragments, 1_001, 200)
    );
    let many = GuardLimits {
        max_fragments: 5_000,
        ..long
    };
    assert_eq!(
        refused_by(many, &doubling_chain(1_000)),
        (Bound::Nesting, 1_001, 64)
    );
    let deep = GuardLimits {
        max_nesting: 5_000,
        ..many
    };
    assert_eq!(
        refused_by(deep, &doubling_chain(1_000)),
        (Bound::Expansion, u64::MAX, 5_000)
    );
}

#[test]
fn spreading_one_fragment_thousands_of_times_is_refused() {
    let wide = |n: usize| {
        format!(
            "{{ {} }} fragment F on Query {{ __typename }}",
            "...F ".repeat(n)
        )
    };
    assert_eq!(check(LIMITS, &wide(1_000)), Ok(()));
    assert_eq!(
        refused_by(LIMITS, &wide(1_001)),
        (Bound::FragmentSpreads, 1_001, 1_000)
    );
    // A bigger fragment passes the expanded size first.
    let big = format!(
        "{{ {} }} fragment F on Query {{ viewer {{ subject role }} }}",
        "...F ".repeat(2_000)
    );
    assert_eq!(refused_by(LIMITS, &big), (Bound::Expansion, 8_000, 5_000));
}

#[test]
fn nesting_counts_inline_fragments_and_spreads() {
    let nest = |levels: usize| {
        format!(
            "{{ {}...F{} }} fragment F on Query {{ __typename }}",
            "... on Query { ".repeat(levels),
            " }".repeat(levels)
        )
    };
    // The spread is one level more.
    assert_eq!(check(LIMITS, &nest(63)), Ok(()));
    assert_eq!(refused_by(LIMITS, &nest(64)), (Bound::Nesting, 65, 64));
}

#[test]
fn fragment_definitions_are_counted() {
    let defs = |n: usize| {
        let mut doc = String::from("{ __typename ");
        for i in 0..n {
            doc.push_str(&format!("...F{i} "));
        }
        doc.push('}');
        for i in 0..n {
            doc.push_str(&format!(" fragment F{i} on Query {{ __typename }}"));
        }
        doc
    };
    assert_eq!(check(LIMITS, &defs(200)), Ok(()));
    assert_eq!(refused_by(LIMITS, &defs(201)), (Bound::Fragments, 201, 200));
}

#[test]
fn aliases_in_operations_and_fragments_are_counted() {
    let limits = GuardLimits {
        max_aliases: 3,
        ..LIMITS
    };
    assert_eq!(
        check(
            limits,
            "{ a: viewer { subject } b: viewer { role } c: __typename }"
        ),
        Ok(())
    );
    assert_eq!(
        refused_by(
            limits,
            "{ a: viewer { subject } ...F } fragment F on Query { b: __typename c: __typename d: __typename }"
        ),
        (Bound::Aliases, 4, 3)
    );
}

#[test]
fn a_mix_of_every_trick_is_refused() {
    // Wide spreads of a doubling chain, each under nested inline fragments.
    let mut doc = format!(
        "{{ {}{}{} }}\n",
        "... on Query { ".repeat(10),
        "...F12 ".repeat(50),
        " }".repeat(10)
    );
    doc.push_str(doubling_chain(12).split_once('\n').unwrap().1);
    let (bound, value, _) = refused_by(LIMITS, &doc);
    assert_eq!(bound, Bound::Expansion);
    assert!(value > 50 * 4_000, "{value}");
}

#[test]
fn a_fragment_cycle_is_refused_naming_its_fragments() {
    assert_eq!(
        check(
            LIMITS,
            "{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...A ...A }"
        ),
        Err(Refusal::FragmentCycle(vec!["A".into(), "B".into()]))
    );
}
