//! Counts a document's lexical tokens without parsing it, so that a huge token stream is
//! refused before the parser builds anything.
//!
//! Hand-written rather than taken from a GraphQL crate: it only counts (no allocation, one
//! pass over the bytes) and the parser that matters, async-graphql's, runs right after it.
//! It follows the GraphQL lexical grammar closely enough to count: whitespace, commas, the
//! byte order mark and comments are ignored; a name, a number, a string, a block string and
//! `...` are one token each; every other character is one punctuator. The parser refuses
//! anything that is not valid, so the count only needs to be right for valid documents.

/// The lexical tokens in `src`.
pub fn count_tokens(src: &str) -> u64 {
    let b = src.as_bytes();
    let mut i = 0;
    let mut n: u64 = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                n += 1;
                i = end_of_block_string(b, i + 3);
            }
            b'"' => {
                n += 1;
                i = end_of_string(b, i + 1);
            }
            b'.' if b[i..].starts_with(b"...") => {
                n += 1;
                i += 3;
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                n += 1;
                i = skip_while(b, i, |c| c == b'_' || c.is_ascii_alphanumeric());
            }
            c if c == b'-' || c.is_ascii_digit() => {
                n += 1;
                // Sign, digits, fraction and exponent: one token (a sloppy number is the
                // parser's to refuse).
                i = skip_while(b, i + 1, |c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_')
                });
            }
            _ if b[i..].starts_with("\u{feff}".as_bytes()) => i += 3,
            _ => {
                n += 1;
                i += utf8_len(b[i]);
            }
        }
    }
    n
}

fn skip_while(b: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && keep(b[i]) {
        i += 1;
    }
    i
}

/// Just past the closing quote of a string whose body starts at `i` (or at the end of the
/// line, where the parser will refuse it).
fn end_of_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// Just past the closing `"""` of a block string whose body starts at `i`.
fn end_of_block_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        if b[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if b[i..].starts_with(b"\"\"\"") {
            return i + 3;
        } else {
            i += 1;
        }
    }
    b.len()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::count_tokens;

    #[test]
    fn names_punctuators_and_spreads_are_one_token_each() {
        assert_eq!(count_tokens("{ viewer { subject } }"), 6);
        assert_eq!(
            count_tokens("query Q($n: Int!) { a(first: $n) { ...F } }"),
            22
        );
        assert_eq!(count_tokens("{ ... on Query { __typename } }"), 8);
    }

    #[test]
    fn whitespace_commas_comments_and_the_byte_order_mark_are_not_tokens() {
        assert_eq!(count_tokens(""), 0);
        assert_eq!(count_tokens("\u{feff} ,,, \t\r\n# { a b c }\n"), 0);
        assert_eq!(count_tokens("{ a } # { b c d }"), 3);
    }

    #[test]
    fn strings_and_numbers_are_one_token_each_whatever_they_hold() {
        assert_eq!(count_tokens(r#""a { b } \" c""#), 1);
        assert_eq!(count_tokens(r#""""a { b } \""" c "" d""""#), 1);
        assert_eq!(count_tokens("-12.5e+10"), 1);
        assert_eq!(count_tokens("f(a: 1, b: -2.0, c: \"x\")"), 12);
    }

    #[test]
    fn an_unterminated_string_ends_at_its_line_and_counting_goes_on() {
        assert_eq!(count_tokens("\"abc\n{ a }"), 4);
        assert_eq!(count_tokens("\"\"\"never closed { a }"), 1);
    }

    #[test]
    fn other_characters_count_one_each_even_outside_ascii() {
        assert_eq!(count_tokens("é€😀"), 3);
    }
}
