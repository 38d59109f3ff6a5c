//! `application/x-www-form-urlencoded` with bracketed keys (`data[merges][FNAME]=Ada`).

use super::WebhookError;

/// A decoded form: each key split on its brackets (`data[merges][FNAME]` → `data`, `merges`,
/// `FNAME`), in the order sent.
#[derive(Debug, Default)]
pub(super) struct Form {
    fields: Vec<(Vec<String>, String)>,
}

impl Form {
    /// Decodes a body. `+` is a space, `%XX` a byte (a `%` not followed by two hex digits is kept
    /// as it is, like browsers do), and the result must be UTF-8. Brackets may arrive encoded
    /// (`data%5Bemail%5D`): keys are split after decoding.
    pub(super) fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        let mut fields = Vec::new();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            let key = decode(key)?;
            if key.is_empty() {
                continue;
            }
            fields.push((split_key(&key), decode(value)?));
        }
        Ok(Self { fields })
    }

    /// Whether the body held no field at all.
    pub(super) fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The first value sent under `path` (`["data", "email"]` for `data[email]`).
    pub(super) fn get(&self, path: &[&str]) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, value)| value.as_str())
    }

    /// The direct children of `path` that hold a value (`FNAME` of `data[merges][FNAME]`, not
    /// `data[merges][GROUPINGS][0][name]`), first value of each.
    pub(super) fn children<'a>(
        &'a self,
        path: &'a [&'a str],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.fields.iter().filter_map(move |(key, value)| {
            let (last, parent) = key.split_last()?;
            parent
                .iter()
                .map(String::as_str)
                .eq(path.iter().copied())
                .then_some((last.as_str(), value.as_str()))
        })
    }
}

/// `data[merges][FNAME]` → `["data", "merges", "FNAME"]`. A key whose brackets do not close is
/// one plain name.
fn split_key(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_owned()];
    };
    let mut parts = vec![key[..open].to_owned()];
    let mut rest = &key[open..];
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            return vec![key.to_owned()];
        };
        parts.push(inner[..close].to_owned());
        rest = &inner[close + 1..];
    }
    if rest.is_empty() {
        parts
    } else {
        vec![key.to_owned()]
    }
}

fn decode(raw: &[u8]) -> Result<String, WebhookError> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                match hex {
                    Some(byte) => {
                        bytes.push(byte);
                        i += 2;
                    }
                    None => bytes.push(b'%'),
                }
            }
            other => bytes.push(other),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|_| WebhookError::Encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_plus_signs_and_multibyte_characters_are_decoded() {
        let form = Form::parse(b"a=Ren%C3%A9e+O%27Brien&b=100%25&c=50%+off&d=%zz").expect("valid");
        assert_eq!(form.get(&["a"]), Some("Renée O'Brien"));
        assert_eq!(form.get(&["b"]), Some("100%"));
        assert_eq!(form.get(&["c"]), Some("50% off"));
        assert_eq!(form.get(&["d"]), Some("%zz"));
    }

    #[test]
    fn bracketed_keys_are_split_whether_or_not_the_brackets_are_encoded() {
        let form = Form::parse(
            b"data%5Bmerges%5D%5BFNAME%5D=Ada&data[merges][LNAME]=Lovelace&data[email]=a%40b.co",
        )
        .expect("valid");
        assert_eq!(form.get(&["data", "merges", "FNAME"]), Some("Ada"));
        assert_eq!(form.get(&["data", "email"]), Some("a@b.co"));
        let merges: Vec<_> = form.children(&["data", "merges"]).collect();
        assert_eq!(merges, [("FNAME", "Ada"), ("LNAME", "Lovelace")]);
    }

    #[test]
    fn odd_keys_stay_whole_and_deeper_keys_are_not_direct_children() {
        assert_eq!(split_key("data[email"), ["data[email"]);
        assert_eq!(split_key("data[a]x"), ["data[a]x"]);
        assert_eq!(split_key("data[]"), ["data", ""]);
        let form =
            Form::parse(b"data[merges][GROUPINGS][0][name]=Interests&data[merges][FNAME]=Ada")
                .expect("valid");
        let merges: Vec<_> = form.children(&["data", "merges"]).collect();
        assert_eq!(merges, [("FNAME", "Ada")]);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        assert_eq!(
            Form::parse(b"a=%FF%FE").unwrap_err(),
            WebhookError::Encoding
        );
    }
}
