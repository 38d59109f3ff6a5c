//! Interactions with contacts (calls from Ringover), recorded by the inbound webhooks and read
//! newest first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::contact::{InteractionDirection, InteractionKind};
use rapport_domain::ids::ContactId;
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, Set, Statement,
    TryInsertResult, Value,
};

use super::entity::interaction;
use super::{Keyset, Page, Store, StoreError, Tx, scope};
use crate::auth::ReadScope;

/// An interaction as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    /// Row id (global id and cursor).
    pub id: i64,
    /// The contact it happened with.
    pub contact: ContactId,
    /// What it was.
    pub kind: InteractionKind,
    /// Who started it, when it has a direction.
    pub direction: Option<InteractionDirection>,
    /// When it happened (a call: when it started).
    pub at: DateTime<Utc>,
    /// How long it lasted, when known.
    pub duration_seconds: Option<i32>,
    /// The provider it came from (`ringover`).
    pub source: String,
    /// A short description (`Call ended`).
    pub summary: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// An interaction to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    /// The contact it happened with.
    pub contact: ContactId,
    /// What it was.
    pub kind: InteractionKind,
    /// Who started it.
    pub direction: Option<InteractionDirection>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// How long it lasted.
    pub duration_seconds: Option<i32>,
    /// The provider it came from.
    pub source: String,
    /// A short description.
    pub summary: Option<String>,
    /// The provider's key of the event: the same key for the same contact is recorded once.
    pub external_key: String,
}

/// Which interactions a list shows: those of one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InteractionQuery {
    /// The contact.
    pub contact: ContactId,
}

/// What a contact's interactions are sorted by (then by id, in the same direction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InteractionSort {
    /// When it happened.
    #[default]
    At,
    /// When Rapport recorded it.
    CreatedAt,
}

/// A page of a contact's interactions, by default newest first (by `at`, then by id), taken
/// from the start of the window (`first`/`after`) or from its end (`last`/`before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InteractionPage {
    /// Only interactions after this one in the page's order.
    pub after: Option<i64>,
    /// Only interactions before this one in the page's order.
    pub before: Option<i64>,
    /// How many.
    pub limit: u64,
    /// Take the last `limit` interactions of the window instead of the first.
    pub from_end: bool,
    /// The sort key.
    pub sort: InteractionSort,
    /// Descending (the default: newest first).
    pub desc: bool,
}

impl InteractionPage {
    /// The first `limit` interactions, newest first.
    pub fn newest(limit: u64) -> Self {
        InteractionPage {
            after: None,
            before: None,
            limit,
            from_end: false,
            sort: InteractionSort::At,
            desc: true,
        }
    }

    /// The signature cursors of this order carry (empty for the default, newest first).
    pub fn signature(&self) -> String {
        match (self.sort, self.desc) {
            (InteractionSort::At, true) => String::new(),
            (InteractionSort::At, false) => "at:asc".to_owned(),
            (InteractionSort::CreatedAt, true) => "created_at:desc".to_owned(),
            (InteractionSort::CreatedAt, false) => "created_at:asc".to_owned(),
        }
    }
}

/// The row as read back; the kind and direction are parsed here, once, from their wire names.
fn to_read(row: interaction::Model) -> Result<Interaction, StoreError> {
    let interaction::Model {
        id,
        contact_id,
        kind,
        direction,
        at,
        duration_seconds,
        source,
        summary,
        external_key: _,
        created_at,
    } = row;
    let corrupt = |e: rapport_domain::ValidationError| StoreError::corrupt("interactions", id, e);
    Ok(Interaction {
        id,
        contact: ContactId::new(contact_id),
        kind: InteractionKind::parse(&kind).map_err(corrupt)?,
        direction: direction
            .as_deref()
            .map(InteractionDirection::parse)
            .transpose()
            .map_err(corrupt)?,
        at,
        duration_seconds,
        source,
        summary,
        created_at,
    })
}

impl Tx {
    /// Records an interaction; `None` when this event was already recorded for this contact.
    pub async fn insert_interaction(
        &self,
        new: &NewInteraction,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let row = interaction::ActiveModel {
            contact_id: Set(new.contact.get()),
            kind: Set(new.kind.as_str().to_owned()),
            direction: Set(new.direction.map(|d| d.as_str().to_owned())),
            at: Set(new.at),
            duration_seconds: Set(new.duration_seconds),
            source: Set(new.source.clone()),
            summary: Set(new.summary.clone()),
            external_key: Set(new.external_key.clone()),
            created_at: Set(now),
            ..Default::default()
        };
        let inserted = interaction::Entity::insert(row)
            .on_conflict_do_nothing_on([
                interaction::Column::Source,
                interaction::Column::ExternalKey,
                interaction::Column::ContactId,
            ])
            .exec(&self.inner)
            .await?;
        Ok(match inserted {
            TryInsertResult::Inserted(result) => Some(result.last_insert_id),
            TryInsertResult::Conflicted | TryInsertResult::Empty => None,
        })
    }

    /// Deletes every interaction of a contact (erasure: they are personal data).
    pub async fn delete_interactions_of(&self, contact: ContactId) -> Result<u64, StoreError> {
        Ok(interaction::Entity::delete_many()
            .filter(interaction::Column::ContactId.eq(contact.get()))
            .exec(&self.inner)
            .await?
            .rows_affected)
    }
}

impl Store {
    /// Interactions by id; missing ids and ids outside `scope` are skipped.
    pub async fn interactions_by_ids(
        &self,
        scope: ReadScope,
        ids: &[i64],
    ) -> Result<Vec<Interaction>, StoreError> {
        interaction::Entity::find()
            .filter(interaction::Column::Id.is_in(ids.iter().copied()))
            .filter(scope::by_contact(scope, interaction::Column::ContactId))
            .all(self.reader())
            .await?
            .into_iter()
            .map(to_read)
            .collect()
    }

    /// How many interactions `query` matches.
    pub async fn interactions_count(
        &self,
        scope: ReadScope,
        query: &InteractionQuery,
    ) -> Result<u64, StoreError> {
        Ok(interaction::Entity::find()
            .filter(interaction::Column::ContactId.eq(query.contact.get()))
            .filter(scope::by_contact(scope, interaction::Column::ContactId))
            .count(self.reader())
            .await?)
    }

    /// The same page of interactions for each of `contacts`, newest first, in one statement
    /// (a page of contacts with their interactions costs one query, not one per contact).
    /// Every contact asked for gets a page, empty when it has no interactions or is outside
    /// `scope`.
    pub async fn interaction_pages(
        &self,
        scope: ReadScope,
        contacts: &[ContactId],
        page: InteractionPage,
    ) -> Result<HashMap<ContactId, Page<Interaction>>, StoreError> {
        let mut pages: HashMap<ContactId, Page<Interaction>> = contacts
            .iter()
            .map(|c| {
                (
                    *c,
                    Page {
                        items: Vec::new(),
                        has_next: page.from_end && page.before.is_some(),
                        has_previous: !page.from_end && page.after.is_some(),
                        cursors: Vec::new(),
                    },
                )
            })
            .collect();
        if contacts.is_empty() || page.limit == 0 {
            return Ok(pages);
        }
        let backend = self.reader().get_database_backend();
        let mut values: Vec<Value> = Vec::with_capacity(contacts.len() + 2);
        let mut param = |value: Value| {
            values.push(value);
            match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_owned(),
            }
        };
        let ids: Vec<String> = contacts.iter().map(|c| param(c.get().into())).collect();
        let col = match page.sort {
            InteractionSort::At => "at",
            InteractionSort::CreatedAt => "created_at",
        };
        // `op` selects the rows after a cursor in the page's order; the rows before it take
        // the opposite comparison. From the end, the window is scanned in reverse and the page
        // turned round below.
        let (op, back) = if page.desc { ("<", ">") } else { (">", "<") };
        let dir = if page.desc != page.from_end {
            "DESC"
        } else {
            "ASC"
        };
        let mut cursor = String::new();
        for (bound, op) in [(page.after, op), (page.before, back)] {
            if let Some(id) = bound {
                cursor.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM \"interactions\" \"c\" WHERE \"c\".\"id\" = {} \
                     AND (\"i\".\"{col}\" {op} \"c\".\"{col}\" OR (\"i\".\"{col}\" = \"c\".\"{col}\" AND \"i\".\"id\" {op} \"c\".\"id\")))",
                    param(id.into())
                ));
            }
        }
        let in_scope = match scope.partner() {
            Some(partner) => format!(
                " AND \"i\".\"contact_id\" IN (SELECT \"id\" FROM \"contacts\" WHERE \"account_id\" IN \
                 (SELECT \"id\" FROM \"accounts\" WHERE \"partner_id\" = {}))",
                param(partner.get().into())
            ),
            None => String::new(),
        };
        let limit = i64::try_from(page.limit.saturating_add(1)).unwrap_or(i64::MAX);
        let rank_limit = param(limit.into());
        let sql = format!(
            "SELECT \"id\", \"contact_id\", \"kind\", \"direction\", \"at\", \"duration_seconds\", \
             \"source\", \"summary\", \"external_key\", \"created_at\" FROM (\
             SELECT \"i\".*, ROW_NUMBER() OVER (PARTITION BY \"i\".\"contact_id\" \
             ORDER BY \"i\".\"{col}\" {dir}, \"i\".\"id\" {dir}) AS \"rank\" \
             FROM \"interactions\" \"i\" WHERE \"i\".\"contact_id\" IN ({ids}){cursor}{in_scope}) \"ranked\" \
             WHERE \"rank\" <= {rank_limit} ORDER BY \"contact_id\", \"{col}\" {dir}, \"id\" {dir}",
            ids = ids.join(", "),
        );
        let rows = interaction::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
            .all(self.reader())
            .await?;
        let signature = page.signature();
        for row in rows {
            if let Some(page) = pages.get_mut(&ContactId::new(row.contact_id)) {
                page.cursors.push(Keyset {
                    order: signature.clone(),
                    values: Vec::new(),
                    id: row.id,
                });
                page.items.push(to_read(row)?);
            }
        }
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        for out in pages.values_mut() {
            let more = out.items.len() > limit;
            out.items.truncate(limit);
            out.cursors.truncate(limit);
            if page.from_end {
                out.items.reverse();
                out.cursors.reverse();
                out.has_previous = more;
            } else {
                out.has_next = more;
            }
        }
        Ok(pages)
    }
}
