//! Query documents built to cost the server work, shared by the query-guard tests and the
//! benchmark that times their refusal.

/// `fragment F1 on Query { ...F0 ...F0 }` … `query { ...F<levels> }`: about 40 bytes a level,
/// twice the work per level for a validator that walks every spread.
pub fn doubling_chain(levels: usize) -> String {
    let mut doc = format!("query {{ ...F{levels} }}\nfragment F0 on Query {{ __typename }}\n");
    for i in 1..=levels {
        doc.push_str(&format!(
            "fragment F{i} on Query {{ ...F{p} ...F{p} }}\n",
            p = i - 1
        ));
    }
    doc
}

/// One fragment spread `times` times in one selection.
pub fn wide_spreads(times: usize) -> String {
    format!(
        "query {{ {}}}\nfragment F on Query {{ __typename }}\n",
        "...F ".repeat(times)
    )
}

/// A chain of `levels` fragments, each spreading the previous one twice inside `inline`
/// nested inline fragments.
pub fn inline_nests(levels: usize, inline: usize) -> String {
    let mut doc = format!("query {{ ...N{levels} }}\nfragment N0 on Query {{ __typename }}\n");
    for i in 1..=levels {
        doc.push_str(&format!(
            "fragment N{i} on Query {{ {open}...N{p} ...N{p}{close} }}\n",
            open = "... on Query { ".repeat(inline),
            close = " }".repeat(inline),
            p = i - 1
        ));
    }
    doc
}

/// Every trick at once: a doubling chain of `levels`, spread `times` times inside nested
/// inline fragments, beside aliased fields.
pub fn mix(levels: usize, times: usize) -> String {
    let chain = doubling_chain(levels);
    let fragments = chain.split_once('\n').map_or("", |(_, rest)| rest);
    format!(
        "query {{ a: viewer {{ subject }} ... on Query {{ ... on Query {{ {spreads}}} }} b: __typename }}\n{fragments}",
        spreads = format!("...F{levels} ").repeat(times),
    )
}

/// A full page of 100 contacts with their account and its manager, read through fragments
/// (cost 602 by the cost model: the connection, its page info, and 100 × the contact, its
/// phones, custom fields, account, parent and manager).
pub const CONTACT_PAGE: &str = "query Page {
  contacts(first: 100) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { ...ContactFields }
  }
}
fragment ContactFields on Contact {
  id firstName lastName email jobRole emailConsent tags relationshipType erased erasedAt
  version createdAt updatedAt
  phones { number type }
  customFields { key type value }
  account { ...AccountFields }
}
fragment AccountFields on Account {
  id name kind relationshipType status domains acquisitionChannel churnedAt version
  createdAt updatedAt
  parent { id name }
  accountManager { ...Manager }
}
fragment Manager on TeamMember { id name email role active version }
";
