//! The guard's bounds, each at its limit and one past it.

use async_graphql::parser::parse_query;

use super::{Bound, GuardLimits, Refusal};

const LIMITS: GuardLimits = GuardLimits {
    max_tokens: 10_000,
    max_fragments: 200,
    max_nesting: 64,
    max_depth: 12,
    max_introspection_depth: 15,
    max_expanded: 5_000,
    max_cost: 20_000,
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

/// graphql-js's standard introspection query (`getIntrospectionQuery()` with every option
/// on: descriptions, specifiedByUrl, directiveIsRepeatable, schemaDescription,
/// inputValueDeprecation, oneOf).
pub const INTROSPECTION_QUERY: &str = include_str!("introspection_query.graphql");

#[test]
fn the_standard_introspection_query_passes_every_default_bound() {
    let limits = GuardLimits::from_settings(&crate::config::GraphqlSettings::default());
    let doc = parse_query(INTROSPECTION_QUERY).expect("parses");
    let cost = limits.check_document(&doc).expect("admitted");
    limits.check_source(INTROSPECTION_QUERY).expect("admitted");
    // __schema > types > fields > args > type > eight ofType > kind: past the data limit,
    // within the introspection limit.
    assert_eq!(cost.introspection_depth, 14, "{cost:?}");
    assert!(cost.introspection_depth > limits.max_depth, "{cost:?}");
    assert_eq!(cost.depth, 0, "{cost:?}");
}

/// `{ a { a { … __typename } } }`: `levels` fields deep, the leaf included.
fn data_nest(levels: usize) -> String {
    format!(
        "{{ {}__typename{} }}",
        "a { ".repeat(levels - 1),
        " }".repeat(levels - 1)
    )
}

/// `{ __schema { types { ofType { … name } } } }`: `levels` fields deep, the leaf included.
fn introspection_nest(levels: usize) -> String {
    format!(
        "{{ __schema {{ types {{ {}name{} }} }} }}",
        "ofType { ".repeat(levels - 3),
        " }".repeat(levels - 3)
    )
}

#[test]
fn data_depth_is_held_to_max_depth_whatever_the_introspection_limit() {
    assert_eq!(check(LIMITS, &data_nest(12)), Ok(()));
    assert_eq!(refused_by(LIMITS, &data_nest(13)), (Bound::Depth, 13, 12));
    let roomy = GuardLimits {
        max_introspection_depth: 100,
        ..LIMITS
    };
    assert_eq!(refused_by(roomy, &data_nest(13)), (Bound::Depth, 13, 12));
    // Through fragments, and beside an introspection selection.
    let via_fragment = format!(
        "{{ __schema {{ description }} ...F }} fragment F on Query {}",
        data_nest(13)
    );
    assert_eq!(refused_by(roomy, &via_fragment), (Bound::Depth, 13, 12));
}

#[test]
fn introspection_depth_is_held_to_its_own_limit_not_the_data_limit() {
    assert_eq!(check(LIMITS, &introspection_nest(15)), Ok(()));
    assert_eq!(
        refused_by(LIMITS, &introspection_nest(16)),
        (Bound::IntrospectionDepth, 16, 15)
    );
    let tight = GuardLimits {
        max_depth: 2,
        ..LIMITS
    };
    assert_eq!(check(tight, &introspection_nest(15)), Ok(()));
    // __type counts the same way, through fragments.
    let by_type = format!(
        "{{ __type(name: \"Account\") {{ ...T }} }} fragment T on __Type {}",
        introspection_nest(16).replacen("__schema { types", "fields { type", 1)
    );
    assert_eq!(
        refused_by(LIMITS, &by_type),
        (Bound::IntrospectionDepth, 17, 15)
    );
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
