//! A stateful local Mailchimp: one audience whose members are kept by subscriber hash, as far
//! as `rapport-mailchimp` uses the Marketing API.
//!
//! | call | route |
//! |---|---|
//! | `PUT /3.0/lists/{list}/members/{hash}` (create or update; an email change renames) | [`routes::PUT_MEMBER`] |
//! | `PATCH …/members/{hash}` (update only: 404 when absent) | [`routes::PATCH_MEMBER`] |
//! | `GET …/members/{hash}` | [`routes::GET_MEMBER`] |
//! | `POST …/members/{hash}/tags` (active/inactive, 204) | [`routes::TAGS`] |
//! | `DELETE …/members/{hash}` (archive; 405 for pending, cleaned, archived) | [`routes::ARCHIVE`] |
//! | `POST …/members/{hash}/actions/delete-permanent` (the address is forgotten) | [`routes::DELETE_PERMANENT`] |
//! | `POST /3.0/lists/{list}` (batch subscribe, at most 500 members) | [`routes::BATCH`] |
//!
//! Errors are problem documents, as Mailchimp sends them: 401 "API Key Invalid" for another
//! key, 404 "Resource Not Found", 400 "Member Exists" (a rename onto a taken address),
//! "Member In Compliance State" (a member [put in that state](MailchimpMock::put_in_compliance_state),
//! or forcing `status: subscribed` on an unsubscribed or cleaned one), "Forgotten Email Not
//! Subscribed" (re-creating a permanently deleted address) and "Invalid Resource" (a merge field
//! the audience [lacks](MailchimpMock::remove_merge_field), a missing `status_if_new`, a bad
//! address). Over [`MockOptions::max_connections`] it answers 429 "Too Many Requests", like
//! Mailchimp past 10 simultaneous connections.
//!
//! One member per address holds by construction (members are keyed by the hash of their
//! address); [`MailchimpMock::created`] counts creations, so a member created twice (after an
//! erasure, say) shows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use rapport_domain::values::EmailAddress;
use rapport_mailchimp::{MailchimpConfig, MailchimpProvider, SubscriberHash};
use serde_json::{Map, Value, json};

use super::Fault;
use super::server::{MockApi, MockOptions, MockServer, Request, Response};

/// The audience (list) id the mock serves.
pub const LIST_ID: &str = "a1b2c3d4e5";

/// The API key the mock accepts (any other gets 401 "API Key Invalid").
pub const API_KEY: &str = "0123456789abcdef-us19";

/// The merge fields the audience has at start: what the provider sends by default.
pub const MERGE_FIELDS: [&str; 4] = ["FNAME", "LNAME", "PHONE", "RELTYPE"];

/// Route names, for [`FaultScript`](super::FaultScript) rules and [`Stats`](super::Stats).
pub mod routes {
    /// `PUT /3.0/lists/{list}/members/{hash}`.
    pub const PUT_MEMBER: &str = "PUT /members/{hash}";
    /// `PATCH /3.0/lists/{list}/members/{hash}`.
    pub const PATCH_MEMBER: &str = "PATCH /members/{hash}";
    /// `GET /3.0/lists/{list}/members/{hash}`.
    pub const GET_MEMBER: &str = "GET /members/{hash}";
    /// `POST /3.0/lists/{list}/members/{hash}/tags`.
    pub const TAGS: &str = "POST /members/{hash}/tags";
    /// `DELETE /3.0/lists/{list}/members/{hash}`.
    pub const ARCHIVE: &str = "DELETE /members/{hash}";
    /// `POST /3.0/lists/{list}/members/{hash}/actions/delete-permanent`.
    pub const DELETE_PERMANENT: &str = "POST /members/{hash}/actions/delete-permanent";
    /// `POST /3.0/lists/{list}`.
    pub const BATCH: &str = "POST /lists/{list}";
    /// Anything else (answered 404).
    pub const OTHER: &str = "other";
}

/// An audience member as the mock keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The address, as last written.
    pub email_address: String,
    /// `subscribed`, `pending`, `unsubscribed`, `cleaned`, `transactional` or `archived`.
    pub status: String,
    /// Merge fields by tag.
    pub merge_fields: BTreeMap<String, Value>,
    /// Active tags.
    pub tags: BTreeSet<String>,
    /// Whether a `PUT`/`PATCH` body ever carried `status` since the member was written by
    /// [`MailchimpMock::insert_member`] or created (the provider sends it only to carry an opt-out
    /// made in Rapport).
    pub status_was_sent: bool,
}

#[derive(Debug)]
struct Audience {
    members: BTreeMap<String, Member>,
    forgotten: BTreeSet<String>,
    in_compliance: BTreeSet<String>,
    merge_fields: BTreeSet<String>,
    created: usize,
    /// Member writes received (`PUT`, `PATCH`, or an entry of a batch), by the hash of the
    /// address written, whatever the answer: how many times each change was delivered.
    writes: BTreeMap<String, usize>,
}

/// Mailchimp's Marketing API over one audience; see the [module](self) documentation.
#[derive(Debug)]
pub struct MailchimpApi {
    audience: Mutex<Audience>,
}

/// A running Mailchimp mock.
pub type MailchimpMock = MockServer<MailchimpApi>;

/// The subscriber hash of `email` (panics on an invalid address: a test bug).
pub fn hash_of(email: &str) -> String {
    SubscriberHash::of(&EmailAddress::parse(email).expect("a valid address")).into_string()
}

/// A problem document as Mailchimp sends it (`application/problem+json`).
pub fn problem(status: u16, title: &str) -> Response {
    problem_with(status, title, Vec::new())
}

fn problem_with(status: u16, title: &str, errors: Vec<Value>) -> Response {
    let mut body = json!({
        "type": "https://mailchimp.com/developer/marketing/docs/errors/",
        "title": title,
        "status": status,
        "detail": format!("{title}: see the title"),
        "instance": uuid::Uuid::new_v4().to_string(),
    });
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors);
    }
    Response::typed(status, "application/problem+json", &body)
}

/// A scripted problem answer, for [`FaultScript`](super::FaultScript) rules.
pub fn problem_fault(status: u16, title: &str) -> Fault {
    Fault::Answer(problem(status, title))
}

fn lock(audience: &Mutex<Audience>) -> MutexGuard<'_, Audience> {
    audience.lock().unwrap_or_else(PoisonError::into_inner)
}

fn member_json(hash: &str, member: &Member) -> Value {
    json!({
        "id": hash,
        "email_address": member.email_address,
        "unique_email_id": &hash[..10],
        "status": member.status,
        "merge_fields": member.merge_fields,
        "tags": member.tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "list_id": LIST_ID,
    })
}

/// A request's place in the audience: the route and, for member calls, the hash.
fn parse(request: &Request) -> (&'static str, Option<String>) {
    let segments = request.segments();
    let method = request.method.as_str();
    match segments.as_slice() {
        ["3.0", "lists", _] if method == "POST" => (routes::BATCH, None),
        ["3.0", "lists", _, "members", hash, rest @ ..] => {
            let route = match (method, rest) {
                ("PUT", []) => routes::PUT_MEMBER,
                ("PATCH", []) => routes::PATCH_MEMBER,
                ("GET", []) => routes::GET_MEMBER,
                ("DELETE", []) => routes::ARCHIVE,
                ("POST", ["tags"]) => routes::TAGS,
                ("POST", ["actions", "delete-permanent"]) => routes::DELETE_PERMANENT,
                _ => routes::OTHER,
            };
            (route, Some(hash.to_ascii_lowercase()))
        }
        _ => (routes::OTHER, None),
    }
}

fn authorized(request: &Request) -> bool {
    let Some(encoded) = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
    else {
        return false;
    };
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(_, key)| key == API_KEY))
        .unwrap_or(false)
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl Audience {
    /// Refuses merge fields the audience does not have, naming them.
    fn check_merge_fields(&self, fields: &Map<String, Value>) -> Result<(), Response> {
        let unknown: Vec<Value> = fields
            .keys()
            .filter(|k| !self.merge_fields.contains(*k))
            .map(|k| json!({"field": k, "message": "This merge field does not exist"}))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(problem_with(400, "Invalid Resource", unknown))
        }
    }

    fn count_writes(&mut self, route: &str, body: &Value) {
        let entries: Vec<&Value> = match route {
            routes::PUT_MEMBER | routes::PATCH_MEMBER => vec![body],
            routes::BATCH => body
                .get("members")
                .and_then(Value::as_array)
                .map(|members| members.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for entry in entries {
            if let Some(address) =
                text(entry, "email_address").and_then(|email| EmailAddress::parse(&email).ok())
            {
                let hash = SubscriberHash::of(&address).into_string();
                *self.writes.entry(hash).or_default() += 1;
            }
        }
    }

    fn write(&mut self, hash: &str, body: &Value, create: bool) -> Response {
        let Some(email) = text(body, "email_address") else {
            return problem(400, "Invalid Resource");
        };
        let Ok(address) = EmailAddress::parse(&email) else {
            return problem(400, "Invalid Resource");
        };
        let target = SubscriberHash::of(&address).into_string();
        if self.in_compliance.contains(hash) || self.in_compliance.contains(&target) {
            return problem(400, "Member In Compliance State");
        }
        let fields = body
            .get("merge_fields")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Err(refused) = self.check_merge_fields(&fields) {
            return refused;
        }
        let status = text(body, "status");
        let existing = self.members.contains_key(hash);
        if target != hash && self.members.contains_key(&target) {
            // A rename onto an address that has its own member.
            return problem(400, "Member Exists");
        }
        let member = if existing {
            let mut member = self.members.remove(hash).expect("checked above");
            if status.as_deref() == Some("subscribed")
                && matches!(member.status.as_str(), "unsubscribed" | "cleaned")
            {
                self.members.insert(hash.to_owned(), member);
                return problem(400, "Member In Compliance State");
            }
            member.email_address = email;
            member.merge_fields.extend(fields);
            if let Some(status) = status {
                member.status = status;
                member.status_was_sent = true;
            }
            member
        } else {
            if !create {
                return problem(404, "Resource Not Found");
            }
            if self.forgotten.contains(&target) {
                return problem(400, "Forgotten Email Not Subscribed");
            }
            let Some(initial) = status.clone().or_else(|| text(body, "status_if_new")) else {
                return problem_with(
                    400,
                    "Invalid Resource",
                    vec![json!({"field": "status_if_new", "message": "required"})],
                );
            };
            self.created += 1;
            Member {
                email_address: email,
                status: initial,
                merge_fields: fields.into_iter().collect(),
                tags: BTreeSet::new(),
                status_was_sent: status.is_some(),
            }
        };
        let answer = member_json(&target, &member);
        self.members.insert(target, member);
        Response::json(200, &answer)
    }

    fn tags(&mut self, hash: &str, body: &Value) -> Response {
        let Some(member) = self.members.get_mut(hash) else {
            return problem(404, "Resource Not Found");
        };
        for tag in body
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = text(tag, "name") else {
                return problem(400, "Invalid Resource");
            };
            if text(tag, "status").as_deref() == Some("inactive") {
                member.tags.remove(&name);
            } else {
                member.tags.insert(name);
            }
        }
        Response::empty(204)
    }

    fn archive(&mut self, hash: &str) -> Response {
        let Some(member) = self.members.get_mut(hash) else {
            return problem(404, "Resource Not Found");
        };
        if matches!(member.status.as_str(), "pending" | "cleaned" | "archived") {
            return problem(405, "Method Not Allowed");
        }
        member.status = "archived".to_owned();
        Response::empty(204)
    }

    fn delete_permanently(&mut self, hash: &str) -> Response {
        if self.members.remove(hash).is_none() {
            return problem(404, "Resource Not Found");
        }
        self.forgotten.insert(hash.to_owned());
        Response::empty(204)
    }

    fn batch(&mut self, body: &Value) -> Response {
        let members = body
            .get("members")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if members.len() > 500 {
            return problem(400, "Invalid Resource");
        }
        let update_existing = body
            .get("update_existing")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let (mut created, mut updated, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        for entry in &members {
            let email = text(entry, "email_address").unwrap_or_default();
            let refuse = |code: &str, error: &str| json!({"email_address": email, "error": error, "error_code": code});
            let Ok(address) = EmailAddress::parse(&email) else {
                errors.push(refuse("ERROR_GENERIC", "invalid address"));
                continue;
            };
            let hash = SubscriberHash::of(&address).into_string();
            let fields = entry
                .get("merge_fields")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if self.in_compliance.contains(&hash) || self.forgotten.contains(&hash) {
                errors.push(refuse("ERROR_GENERIC", "cannot be subscribed"));
                continue;
            }
            if self.check_merge_fields(&fields).is_err() {
                errors.push(refuse("ERROR_GENERIC", "invalid merge fields"));
                continue;
            }
            let tags = entry
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned));
            if let Some(member) = self.members.get_mut(&hash) {
                if !update_existing {
                    errors.push(refuse("ERROR_CONTACT_EXISTS", "already a member"));
                    continue;
                }
                member.email_address = email.clone();
                member.merge_fields.extend(fields);
                member.tags.extend(tags);
                updated.push(member_json(&hash, member));
                continue;
            }
            let status = text(entry, "status")
                .or_else(|| text(entry, "status_if_new"))
                .unwrap_or_else(|| "subscribed".to_owned());
            let member = Member {
                email_address: email.clone(),
                status,
                merge_fields: fields.into_iter().collect(),
                tags: tags.collect(),
                status_was_sent: entry.get("status").is_some(),
            };
            created.push(member_json(&hash, &member));
            self.members.insert(hash, member);
            self.created += 1;
        }
        Response::json(
            200,
            &json!({
                "total_created": created.len(),
                "total_updated": updated.len(),
                "error_count": errors.len(),
                "new_members": created,
                "updated_members": updated,
                "errors": errors,
            }),
        )
    }
}

impl MockApi for MailchimpApi {
    fn route(&self, request: &Request) -> &'static str {
        parse(request).0
    }

    fn handle(&self, request: &Request) -> Response {
        if !authorized(request) {
            return problem(401, "API Key Invalid");
        }
        let segments = request.segments();
        if segments.get(2).is_some_and(|list| *list != LIST_ID) {
            return problem(404, "Resource Not Found");
        }
        let (route, hash) = parse(request);
        let body = request.json().unwrap_or(Value::Null);
        let mut audience = lock(&self.audience);
        let hash = hash.as_deref().unwrap_or_default();
        audience.count_writes(route, &body);
        match route {
            routes::PUT_MEMBER => audience.write(hash, &body, true),
            routes::PATCH_MEMBER => audience.write(hash, &body, false),
            routes::GET_MEMBER => match audience.members.get(hash) {
                Some(member) => Response::json(200, &member_json(hash, member)),
                None => problem(404, "Resource Not Found"),
            },
            routes::TAGS => audience.tags(hash, &body),
            routes::ARCHIVE => audience.archive(hash),
            routes::DELETE_PERMANENT => audience.delete_permanently(hash),
            routes::BATCH => audience.batch(&body),
            _ => problem(404, "Resource Not Found"),
        }
    }

    fn over_capacity(&self) -> Response {
        problem(429, "Too Many Requests")
    }

    fn server_error(&self, status: u16) -> Response {
        if status == 500 {
            problem(500, "Internal Server Error")
        } else {
            // What a load balancer in front of Mailchimp answers: not a problem document.
            Response::empty(status)
        }
    }
}

impl MockServer<MailchimpApi> {
    /// A Mailchimp with an empty audience, answering at once.
    pub async fn start() -> Self {
        Self::start_with(MockOptions::default()).await
    }

    /// A Mailchimp with an empty audience and these options (latency, connection cap, …).
    pub async fn start_with(options: MockOptions) -> Self {
        let api = MailchimpApi {
            audience: Mutex::new(Audience {
                members: BTreeMap::new(),
                forgotten: BTreeSet::new(),
                in_compliance: BTreeSet::new(),
                merge_fields: MERGE_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
                created: 0,
                writes: BTreeMap::new(),
            }),
        };
        Self::serve(api, options).await
    }

    /// The API root to configure: `http://127.0.0.1:<port>/3.0`.
    pub fn url(&self) -> String {
        format!("{}/3.0", self.root())
    }

    /// A provider configuration pointed at this mock: its key and audience, a 5 s timeout, and
    /// `max_connections` equal to the mock's cap when it has one.
    pub fn config(&self) -> MailchimpConfig {
        let mut config =
            MailchimpConfig::new(API_KEY.to_owned().into(), LIST_ID).with_base_url(self.url());
        config.timeout_secs = 5;
        if let Some(cap) = self
            .options()
            .max_connections
            .and_then(std::num::NonZeroUsize::new)
        {
            config.max_connections = cap;
        }
        config
    }

    /// The provider built from [`config`](Self::config).
    pub fn provider(&self) -> MailchimpProvider {
        MailchimpProvider::new(self.config()).expect("the mock's configuration is valid")
    }

    fn audience(&self) -> MutexGuard<'_, Audience> {
        lock(&self.api().audience)
    }

    /// Every member, by subscriber hash.
    pub fn members(&self) -> BTreeMap<String, Member> {
        self.audience().members.clone()
    }

    /// The member of `email`, if any.
    pub fn member(&self, email: &str) -> Option<Member> {
        self.audience().members.get(&hash_of(email)).cloned()
    }

    /// Member writes received so far, by subscriber hash of the address written: a change
    /// delivered twice counts twice.
    pub fn writes(&self) -> BTreeMap<String, usize> {
        self.audience().writes.clone()
    }

    /// Members created so far (a member created twice counts twice).
    pub fn created(&self) -> usize {
        self.audience().created
    }

    /// Adds a member directly (someone who signed up through a Mailchimp form).
    pub fn insert_member(&self, email: &str, status: &str) {
        let member = Member {
            email_address: email.to_owned(),
            status: status.to_owned(),
            merge_fields: BTreeMap::new(),
            tags: BTreeSet::new(),
            status_was_sent: false,
        };
        self.audience().members.insert(hash_of(email), member);
    }

    /// Every write to `email`'s member now answers 400 "Member In Compliance State" (under
    /// review, or unsubscribed in a way only a re-opt-in can undo).
    pub fn put_in_compliance_state(&self, email: &str) {
        self.audience().in_compliance.insert(hash_of(email));
    }

    /// `email` was permanently deleted: creating it again answers 400 "Forgotten Email Not
    /// Subscribed".
    pub fn forget(&self, email: &str) {
        let hash = hash_of(email);
        let mut audience = self.audience();
        audience.members.remove(&hash);
        audience.forgotten.insert(hash);
    }

    /// The audience loses merge field `tag`: writes that send it answer 400 "Invalid
    /// Resource" naming the field.
    pub fn remove_merge_field(&self, tag: &str) {
        self.audience().merge_fields.remove(tag);
    }
}
