//! A stateful local Ringover: contacts with numbers, as far as `rapport-ringover` uses the
//! public API v2.
//!
//! | call | route |
//! |---|---|
//! | `POST /v2/contacts` with `{"search", "limit_count", "limit_offset"}` | [`routes::SEARCH`] |
//! | `POST /v2/contacts` with `{"contacts": [...]}` (at most 50) | [`routes::CREATE`] |
//! | `GET /v2/contacts?limit_count=&limit_offset=` | [`routes::LIST`] |
//! | `GET /v2/contacts/{id}` | [`routes::GET`] |
//! | `PUT /v2/contacts/{id}` (firstname, lastname, company, is_shared) | [`routes::UPDATE`] |
//! | `DELETE /v2/contacts/{id}` | [`routes::DELETE`] |
//! | `POST /v2/contacts/{id}/numbers` | [`routes::ADD_NUMBERS`] |
//! | `DELETE /v2/contacts/{id}/numbers/{number}` | [`routes::DELETE_NUMBER`] |
//!
//! Requests must carry the raw key in `Authorization` (401 otherwise); unknown ids answer 404.
//! A search matches contacts one of whose numbers contains the query's digits, or whose name or
//! company contains the query. Nothing stops two contacts from having one number, as at
//! Ringover: [`RingoverMock::duplicated_numbers`] shows whether that happened.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rapport_ringover::{RingoverConfig, RingoverProvider};
use serde_json::{Value, json};

use super::server::{MockApi, MockOptions, MockServer, Request, Response};

/// The API key the mock accepts.
pub const API_KEY: &str = "test-ringover-key";

/// The webhook secret of [`RingoverMock::config`].
pub const WEBHOOK_SECRET: &str = "test-ringover-webhook-secret-0123456";

/// Route names, for [`FaultScript`](super::FaultScript) rules and [`Stats`](super::Stats).
pub mod routes {
    /// `POST /v2/contacts` with a search body.
    pub const SEARCH: &str = "POST /contacts (search)";
    /// `POST /v2/contacts` with contacts to create.
    pub const CREATE: &str = "POST /contacts (create)";
    /// `GET /v2/contacts`.
    pub const LIST: &str = "GET /contacts";
    /// `GET /v2/contacts/{id}`.
    pub const GET: &str = "GET /contacts/{id}";
    /// `PUT /v2/contacts/{id}`.
    pub const UPDATE: &str = "PUT /contacts/{id}";
    /// `DELETE /v2/contacts/{id}`.
    pub const DELETE: &str = "DELETE /contacts/{id}";
    /// `POST /v2/contacts/{id}/numbers`.
    pub const ADD_NUMBERS: &str = "POST /contacts/{id}/numbers";
    /// `DELETE /v2/contacts/{id}/numbers/{number}`.
    pub const DELETE_NUMBER: &str = "DELETE /contacts/{id}/numbers/{number}";
    /// Anything else (answered 404).
    pub const OTHER: &str = "other";
}

/// A Ringover contact as the mock keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingoverContact {
    /// Its id.
    pub id: u64,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Company.
    pub company: String,
    /// Shared with the team.
    pub is_shared: bool,
    /// Numbers (E.164 digits) with their type.
    pub numbers: Vec<(u64, String)>,
}

impl RingoverContact {
    fn to_json(&self) -> Value {
        json!({
            "contact_id": self.id,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "company": self.company,
            "is_shared": self.is_shared,
            "numbers": self.numbers.iter().map(|(n, kind)| json!({
                "number": n,
                "type": kind,
                "format": {"raw": n, "international": format!("+{n}")},
            })).collect::<Vec<_>>(),
            "creation_date": "2024-05-01 10:00:00",
        })
    }

    fn update(&mut self, body: &Value) {
        for (key, field) in [
            ("firstname", &mut self.firstname),
            ("lastname", &mut self.lastname),
            ("company", &mut self.company),
        ] {
            if let Some(value) = body.get(key).and_then(Value::as_str) {
                value.clone_into(field);
            }
        }
        if let Some(shared) = body.get("is_shared").and_then(Value::as_bool) {
            self.is_shared = shared;
        }
    }

    fn add_numbers(&mut self, body: &Value) {
        for entry in body
            .get("numbers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(number) = entry.get("number").and_then(Value::as_u64) else {
                continue;
            };
            if self.numbers.iter().all(|(n, _)| *n != number) {
                let kind = entry.get("type").and_then(Value::as_str).unwrap_or("other");
                self.numbers.push((number, kind.to_owned()));
            }
        }
    }

    fn matches(&self, query: &str) -> bool {
        let digits: String = query.chars().filter(char::is_ascii_digit).collect();
        let query = query.trim().to_lowercase();
        (!digits.is_empty()
            && self
                .numbers
                .iter()
                .any(|(n, _)| n.to_string().contains(&digits)))
            || (!query.is_empty()
                && [&self.firstname, &self.lastname, &self.company]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&query)))
    }
}

#[derive(Debug)]
struct Directory {
    contacts: BTreeMap<u64, RingoverContact>,
    next_id: u64,
    created: usize,
}

/// Ringover's contacts API; see the [module](self) documentation.
#[derive(Debug)]
pub struct RingoverApi {
    directory: Mutex<Directory>,
}

/// A running Ringover mock.
pub type RingoverMock = MockServer<RingoverApi>;

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"error": message}))
}

fn lock(directory: &Mutex<Directory>) -> MutexGuard<'_, Directory> {
    directory.lock().unwrap_or_else(PoisonError::into_inner)
}

fn page(request: &Request, body: &Value, key: &str, default: usize) -> usize {
    body.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .or_else(|| request.query_param(key).and_then(|v| v.parse().ok()))
        .unwrap_or(default)
}

fn listing(request: &Request, body: &Value, found: Vec<&RingoverContact>) -> Response {
    let (count, offset) = (
        page(request, body, "limit_count", 100),
        page(request, body, "limit_offset", 0),
    );
    let list: Vec<Value> = found
        .iter()
        .skip(offset)
        .take(count)
        .map(|c| c.to_json())
        .collect();
    Response::json(
        200,
        &json!({"total_contact_count": found.len(), "contact_list": list}),
    )
}

impl Directory {
    fn create(&mut self, body: &Value) -> Response {
        let Some(new) = body.get("contacts").and_then(Value::as_array) else {
            return error(400, "contacts is required");
        };
        if new.is_empty() || new.len() > 50 {
            return error(400, "between 1 and 50 contacts at once");
        }
        let mut created = Vec::new();
        for fields in new {
            let mut contact = RingoverContact {
                id: self.next_id,
                firstname: String::new(),
                lastname: String::new(),
                company: String::new(),
                is_shared: false,
                numbers: Vec::new(),
            };
            contact.update(fields);
            contact.add_numbers(fields);
            self.next_id += 1;
            self.created += 1;
            created.push(contact.to_json());
            self.contacts.insert(contact.id, contact);
        }
        Response::json(201, &json!({"contact_list": created}))
    }

    fn one(&mut self, request: &Request, id: u64, route: &str, body: &Value) -> Response {
        let Some(contact) = self.contacts.get_mut(&id) else {
            return error(404, "Contact not found");
        };
        match route {
            routes::GET => Response::json(200, &contact.to_json()),
            routes::UPDATE => {
                contact.update(body);
                Response::json(200, &contact.to_json())
            }
            routes::ADD_NUMBERS => {
                contact.add_numbers(body);
                Response::json(200, &contact.to_json())
            }
            routes::DELETE_NUMBER => {
                let number = request
                    .segments()
                    .get(4)
                    .and_then(|n| n.parse::<u64>().ok());
                let before = contact.numbers.len();
                contact.numbers.retain(|(n, _)| Some(*n) != number);
                if contact.numbers.len() == before {
                    error(404, "Number not found")
                } else {
                    Response::empty(204)
                }
            }
            _ => {
                self.contacts.remove(&id);
                Response::empty(204)
            }
        }
    }
}

fn route_of(request: &Request) -> &'static str {
    let segments = request.segments();
    match (request.method.as_str(), segments.as_slice()) {
        ("POST", ["v2", "contacts"]) => {
            if request.json().is_some_and(|b| b.get("search").is_some()) {
                routes::SEARCH
            } else {
                routes::CREATE
            }
        }
        ("GET", ["v2", "contacts"]) => routes::LIST,
        ("GET", ["v2", "contacts", _]) => routes::GET,
        ("PUT", ["v2", "contacts", _]) => routes::UPDATE,
        ("DELETE", ["v2", "contacts", _]) => routes::DELETE,
        ("POST", ["v2", "contacts", _, "numbers"]) => routes::ADD_NUMBERS,
        ("DELETE", ["v2", "contacts", _, "numbers", _]) => routes::DELETE_NUMBER,
        _ => routes::OTHER,
    }
}

impl MockApi for RingoverApi {
    fn route(&self, request: &Request) -> &'static str {
        route_of(request)
    }

    fn handle(&self, request: &Request) -> Response {
        if request.header("authorization") != Some(API_KEY) {
            return error(401, "Invalid API key");
        }
        let route = route_of(request);
        let body = request.json().unwrap_or(Value::Null);
        let mut directory = lock(&self.directory);
        match route {
            routes::SEARCH => {
                let query = body.get("search").and_then(Value::as_str).unwrap_or("");
                let found = directory
                    .contacts
                    .values()
                    .filter(|c| c.matches(query))
                    .collect();
                listing(request, &body, found)
            }
            routes::CREATE => directory.create(&body),
            routes::LIST => listing(request, &body, directory.contacts.values().collect()),
            routes::OTHER => error(404, "Not found"),
            _ => match request
                .segments()
                .get(2)
                .and_then(|id| id.parse::<u64>().ok())
            {
                Some(id) => directory.one(request, id, route, &body),
                None => error(404, "Contact not found"),
            },
        }
    }
}

impl MockServer<RingoverApi> {
    /// A Ringover without contacts, answering at once.
    pub async fn start() -> Self {
        Self::start_with(MockOptions::default()).await
    }

    /// A Ringover without contacts, with these options (latency, injected errors, …).
    pub async fn start_with(options: MockOptions) -> Self {
        let api = RingoverApi {
            directory: Mutex::new(Directory {
                contacts: BTreeMap::new(),
                next_id: 1_000,
                created: 0,
            }),
        };
        Self::serve(api, options).await
    }

    /// The API root to configure: `http://127.0.0.1:<port>/v2`.
    pub fn url(&self) -> String {
        format!("{}/v2", self.root())
    }

    /// A provider configuration pointed at this mock: its key, a 5 s timeout and 100 requests
    /// per second (the most the config allows).
    pub fn config(&self) -> RingoverConfig {
        RingoverConfig::new(API_KEY.to_owned().into(), WEBHOOK_SECRET.to_owned().into())
            .with_base_url(self.url())
            .with_timeout(std::time::Duration::from_secs(5))
            .with_requests_per_second(100.0)
    }

    /// The provider built from [`config`](Self::config).
    pub fn provider(&self) -> RingoverProvider {
        RingoverProvider::new(&self.config()).expect("the mock's configuration is valid")
    }

    fn directory(&self) -> MutexGuard<'_, Directory> {
        lock(&self.api().directory)
    }

    /// Every contact, by id.
    pub fn contacts(&self) -> BTreeMap<u64, RingoverContact> {
        self.directory().contacts.clone()
    }

    /// The contacts holding `number` (E.164 digits).
    pub fn contacts_with_number(&self, number: u64) -> Vec<RingoverContact> {
        self.directory()
            .contacts
            .values()
            .filter(|c| c.numbers.iter().any(|(n, _)| *n == number))
            .cloned()
            .collect()
    }

    /// Numbers held by more than one contact: duplicates a sync would have made.
    pub fn duplicated_numbers(&self) -> Vec<u64> {
        let mut holders: BTreeMap<u64, usize> = BTreeMap::new();
        for contact in self.directory().contacts.values() {
            for (number, _) in &contact.numbers {
                *holders.entry(*number).or_default() += 1;
            }
        }
        holders
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(number, _)| number)
            .collect()
    }

    /// Contacts created so far (through the API).
    pub fn created(&self) -> usize {
        self.directory().created
    }

    /// Adds a contact directly (made in Ringover's own app); answers its id.
    pub fn insert_contact(&self, firstname: &str, lastname: &str, numbers: &[u64]) -> u64 {
        let mut directory = self.directory();
        let id = directory.next_id;
        directory.next_id += 1;
        directory.contacts.insert(
            id,
            RingoverContact {
                id,
                firstname: firstname.to_owned(),
                lastname: lastname.to_owned(),
                company: String::new(),
                is_shared: true,
                numbers: numbers.iter().map(|n| (*n, "mobile".to_owned())).collect(),
            },
        );
        id
    }
}
