use sea_orm::sea_query::LikeExpr;

/// A case-insensitive "contains" pattern over lowercased key columns, with LIKE wildcards in
/// the user's text escaped so `50%` searches for the characters `50%`.
pub(crate) fn contains(text: &str) -> LikeExpr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    LikeExpr::new(pattern).escape('\\')
}
