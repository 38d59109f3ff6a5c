//! Reading `/metrics` as a scraper does: a small parser of the text exposition format.

use std::collections::BTreeMap;

use rapport_tests::TestApp;

/// One sample: the series name, its labels and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The samples of a metrics page. Panics on a line that is not a comment nor a sample, so a
/// malformed page fails the test that reads it.
pub fn parse(page: &str) -> Vec<Sample> {
    page.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("a sample line: {line}"));
            let value: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("a number at the end of {line}"));
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), BTreeMap::new()),
                Some((name, rest)) => {
                    let body = rest
                        .strip_suffix('}')
                        .unwrap_or_else(|| panic!("closed labels: {line}"));
                    (name.to_owned(), labels_of(body, line))
                }
            };
            Sample {
                name,
                labels,
                value,
            }
        })
        .collect()
}

fn labels_of(mut body: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    while !body.is_empty() {
        let (key, rest) = body
            .split_once("=\"")
            .unwrap_or_else(|| panic!("key=\"value\" in {line}"));
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => {
                    if let Some((_, c)) = chars.next() {
                        value.push(c);
                    }
                }
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("a closing quote in {line}"),
            }
        };
        labels.insert(key.to_owned(), value);
        body = rest[end + 1..].trim_start_matches(',');
    }
    labels
}

/// The page of `app`, checked to be the OpenMetrics text Prometheus reads.
pub async fn scrape(app: &TestApp) -> Vec<Sample> {
    let res = app
        .client()
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("metrics answered");
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = res.text().await.expect("metrics body");
    assert!(text.ends_with("# EOF\n"), "a complete page");
    parse(&text)
}

/// The samples named `name` whose labels include every pair of `labels`.
pub fn matching<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).is_some_and(|x| x == v))
        })
        .collect()
}

/// The sum of the samples `matching` gives (0 when none).
pub fn sum(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    matching(samples, name, labels)
        .iter()
        .map(|s| s.value)
        .sum()
}

#[test]
fn the_parser_reads_labels_with_escapes() {
    let page = "# TYPE a counter\na_total{x=\"1\",y=\"q\\\"uote\"} 3\nb 0.5\n# EOF\n";
    let samples = parse(page);
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].labels["y"], "q\"uote");
    assert_eq!(sum(&samples, "a_total", &[("x", "1")]), 3.0);
    assert_eq!(sum(&samples, "b", &[]), 0.5);
}
