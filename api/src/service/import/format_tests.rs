use super::{Format, FormatError, MAX_RECORD_BYTES, Mapping, Record, read_records};

const COLUMNS: &[&str] = &["external_id", "first_name", "email"];

fn read(format: Format, input: &[u8], mapping: &Mapping) -> Result<Vec<Record>, FormatError> {
    let mut out = Vec::new();
    read_records(input, format, COLUMNS, mapping, |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

fn csv(input: &str) -> Result<Vec<Record>, FormatError> {
    read(Format::Csv, input.as_bytes(), &Vec::new())
}

#[test]
fn a_csv_with_a_byte_order_mark_reads_like_one_without() {
    let plain = csv("external_id,first_name\r\n7,Ada\r\n").expect("plain");
    let bom = read(
        Format::Csv,
        b"\xef\xbb\xbfexternal_id,first_name\r\n7,Ada\r\n",
        &Vec::new(),
    )
    .expect("with a BOM");
    assert_eq!(plain, bom);
    assert_eq!(plain[0].line, 2);
    let lf = csv("external_id,first_name\n7,Ada\n8,Bob\n").expect("lf");
    let crlf = csv("external_id,first_name\r\n7,Ada\r\n8,Bob\r\n").expect("crlf");
    assert_eq!(
        (lf[0].line, lf[1].line, crlf[0].line, crlf[1].line),
        (2, 3, 2, 3)
    );
    assert_eq!(plain[0].get(COLUMNS, "first_name"), Some("Ada"));
    assert_eq!(plain[0].get(COLUMNS, "email"), None);
}

#[test]
fn quoted_fields_keep_commas_quotes_and_line_breaks() {
    let rows =
        csv("first_name,email\n\"Ada, \"\"the\"\"\nfirst\",a@x.io\nBob,b@x.io\n").expect("valid");
    assert_eq!(
        rows[0].get(COLUMNS, "first_name"),
        Some("Ada, \"the\"\nfirst")
    );
    assert_eq!(rows[1].line, 4);
}

#[test]
fn unknown_columns_are_refused_by_name() {
    let err = csv("first_name,Shoe size,email,Fav colour\nAda,38,a@x.io,red\n").unwrap_err();
    assert!(
        matches!(&err, FormatError::UnknownColumns { unknown, .. } if unknown == &["Shoe size", "Fav colour"]),
        "{err:?}"
    );
    assert!(err.to_string().contains("Shoe size, Fav colour"), "{err}");
}

#[test]
fn a_mapping_renames_the_sources_columns() {
    let mapping = vec![("E-mail".to_owned(), "email".to_owned())];
    let rows = read(Format::Csv, b"first_name,E-mail\nAda,a@x.io\n", &mapping).expect("mapped");
    assert_eq!(rows[0].get(COLUMNS, "email"), Some("a@x.io"));
}

#[test]
fn invalid_utf8_is_refused_with_its_line_and_byte() {
    let err = read(
        Format::Csv,
        b"first_name,email\nAda,a@x.io\nJos\xe9,j@x.io\n",
        &Vec::new(),
    )
    .unwrap_err();
    assert_eq!(err, FormatError::Encoding { line: 3, byte: 31 });
}

#[test]
fn a_broken_quote_is_refused_with_its_line() {
    let err = csv("first_name,email\nAda,a@x.io\n\"Bob,b@x.io\nCy,c@x.io\n").unwrap_err();
    assert!(
        matches!(err, FormatError::FieldCount { line: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn a_record_over_one_mebibyte_is_refused_without_reading_it_whole() {
    // A reader that would yield 1 GiB: the parser must stop long before.
    let head = b"first_name,email\nAda,a@x.io\n".to_vec();
    let endless = std::io::repeat(b'x').take(1 << 30);
    let input = std::io::Read::chain(head.as_slice(), endless);
    let mut seen = 0;
    let err = read_records(input, Format::Csv, COLUMNS, &Vec::new(), |_| {
        seen += 1;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(err, FormatError::TooLong { line: 3 });
    assert_eq!(seen, 1);
    let long_line = [
        b"{\"first_name\":\"".as_slice(),
        &vec![b'y'; MAX_RECORD_BYTES + 10],
    ]
    .concat();
    let err = read(Format::JsonLines, &long_line, &Vec::new()).unwrap_err();
    assert_eq!(err, FormatError::TooLong { line: 1 });
}

use std::io::Read as _;

#[test]
fn formulas_in_cells_are_kept_as_text() {
    let rows = csv("first_name,email\n\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",a@x.io\n")
        .expect("valid");
    assert_eq!(
        rows[0].get(COLUMNS, "first_name"),
        Some("=HYPERLINK(\"http://x\",\"y\")")
    );
}

#[test]
fn json_lines_take_strings_numbers_and_nulls_and_refuse_nesting() {
    let rows = read(
        Format::JsonLines,
        b"{\"external_id\": 12, \"first_name\": \"Ada\", \"email\": null}\n\n{\"first_name\":\"Bob\"}\n",
        &Vec::new(),
    )
    .expect("valid");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get(COLUMNS, "external_id"), Some("12"));
    assert_eq!(rows[0].get(COLUMNS, "email"), Some(""));
    assert_eq!(rows[1].line, 3);
    let err = read(
        Format::JsonLines,
        b"{\"first_name\": {\"a\": 1}}\n",
        &Vec::new(),
    )
    .unwrap_err();
    assert!(matches!(err, FormatError::Json { line: 1, .. }), "{err:?}");
    let err = read(Format::JsonLines, b"{\"nick\": \"A\"}\n", &Vec::new()).unwrap_err();
    assert!(matches!(err, FormatError::UnknownColumns { .. }), "{err:?}");
}

#[test]
fn more_rows_than_the_cap_are_refused() {
    let mut input = b"first_name\n".to_vec();
    input.extend(std::iter::repeat_n(b"a\n".as_slice(), super::MAX_ROWS + 1).flatten());
    let err = read_records(input.as_slice(), Format::Csv, COLUMNS, &Vec::new(), |_| {
        Ok(())
    })
    .unwrap_err();
    assert_eq!(err, FormatError::TooManyRows);
}

#[test]
fn json_lines_take_lists_and_json_only_in_the_columns_an_export_writes_them_in() {
    let columns: &[&str] = &["first_name", "tags", "custom_fields"];
    let mut rows = Vec::new();
    super::read_records(
        b"{\"first_name\": \"Ada\", \"tags\": [\"vip\", \"renewal\"], \"custom_fields\": [{\"key\": \"size\"}]}\n"
            .as_slice(),
        Format::JsonLines,
        columns,
        &Vec::new(),
        |r| {
            rows.push(r);
            Ok(())
        },
    )
    .expect("valid");
    assert_eq!(rows[0].get(columns, "tags"), Some("vip;renewal"));
    assert_eq!(
        rows[0].get(columns, "custom_fields"),
        Some("[{\"key\":\"size\"}]")
    );
    let err = super::read_records(
        b"{\"first_name\": [\"Ada\"]}\n".as_slice(),
        Format::JsonLines,
        columns,
        &Vec::new(),
        |_| Ok(()),
    )
    .unwrap_err();
    assert!(matches!(err, FormatError::Json { line: 1, .. }), "{err:?}");
}
