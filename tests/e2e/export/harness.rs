//! What the export tests share: one export's answer read as CSV or JSON Lines, and a world
//! of two partners, staff accounts and an agreement.

use std::collections::BTreeSet;

use rapport_tests::{TestApp, complete_sections};
use serde_json::{Value, json};

/// An export's answer.
pub struct Export {
    pub status: u16,
    pub content_type: String,
    pub disposition: String,
    pub body: String,
}

impl Export {
    /// The CSV rows (header first), parsed as RFC 4180.
    pub fn csv(&self) -> Vec<Vec<String>> {
        assert_eq!(self.status, 200, "{}", self.body);
        let mut rows = Vec::new();
        let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = self.body.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut cell)),
                (false, '\r') => assert_eq!(chars.next(), Some('\n'), "CRLF line ends"),
                (false, '\n') => panic!("a bare LF ends a CSV line: {:?}", self.body),
                (false, c) => cell.push(c),
            }
            if !quoted && c == '\r' {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
        }
        assert!(
            cell.is_empty() && row.is_empty(),
            "the last line ends with CRLF"
        );
        rows
    }

    /// The header row.
    pub fn header(&self) -> Vec<String> {
        self.csv().into_iter().next().expect("a header row")
    }

    /// The values of `column`, one per data row.
    pub fn column(&self, column: &str) -> Vec<String> {
        let rows = self.csv();
        let at = rows[0]
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", rows[0]));
        rows[1..].iter().map(|r| r[at].clone()).collect()
    }

    /// The JSON Lines objects.
    pub fn lines(&self) -> Vec<Value> {
        assert_eq!(self.status, 200, "{}", self.body);
        self.body
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON error body")
    }
}

pub async fn export(app: &TestApp, token: Option<&str>, path: &str) -> Export {
    let mut req = app.client().get(format!("{}/export/{path}", app.address));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request sent");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    Export {
        status: res.status().as_u16(),
        content_type: header("content-type"),
        disposition: header("content-disposition"),
        body: res.text().await.expect("a whole body"),
    }
}

pub fn ids(values: Vec<String>) -> BTreeSet<String> {
    values.into_iter().collect()
}

/// Two partners with one referred account and contact each, one staff account with a
/// contact, and a client account of partner A with an active agreement.
pub struct World {
    pub partner_a: String,
    pub a_accounts: BTreeSet<String>,
    pub a_contacts: BTreeSet<String>,
    pub all_accounts: BTreeSet<String>,
}

pub async fn world(app: &TestApp) -> World {
    let (_, partner_a) = app.partner("Partner A").await;
    let (_, partner_b) = app.partner("Partner B").await;
    let a1 = app
        .account_as(&partner_a, "Alpha Referred", json!({}))
        .await;
    let a2 = app.account_as(&partner_a, "Alpha Client", json!({})).await;
    let b1 = app.account_as(&partner_b, "Beta Referred", json!({})).await;
    let staff = app
        .account_as(&app.admin_token.clone(), "Staff Own", json!({}))
        .await;
    let manager = app.member("ACCOUNT_MANAGER").await;
    app.promote(&a2, &manager.0, 1).await;
    app.active_agreement(&a2, complete_sections()).await;
    let c1 = app.contact(&a1, "Ann", Some("ann@alpha.example")).await;
    let c2 = app.contact(&a2, "Abe", Some("abe@alpha.example")).await;
    app.contact(&b1, "Bob", Some("bob@beta.example")).await;
    app.contact(&staff, "Sam", Some("sam@staff.example")).await;
    World {
        partner_a,
        a_accounts: ids(vec![a1.clone(), a2.clone()]),
        a_contacts: ids(vec![c1, c2]),
        all_accounts: ids(vec![a1, a2, b1, staff]),
    }
}

/// Percent-encodes a query-string value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
