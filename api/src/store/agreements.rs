//! Agreements: the aggregate row (lifecycle state as JSON), its immutable revisions (the five
//! sections as a JSON snapshot each), saved with optimistic concurrency.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::agreement::{
    Agreement, AgreementParts, AgreementStatus, Rejection, Review, ReviewOutcome, Revision,
    RevisionStatus, ScheduleMarker, Term, Termination, TerminationKind,
};
use rapport_domain::ids::{AccountId, AgreementId};
use rapport_domain::values::Text;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};

use super::entity::{agreement, agreement_revision};
use super::filters::AgreementQuery;
use super::{Store, StoreError, Tx, scope};
use super::{agreement_sort, sections_json};
use crate::auth::ReadScope;

/// The condition "this account has an agreement in force", for account filters.
pub(crate) fn accounts_with_agreement_in_force() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(agreement::Column::AccountId)
        .from(agreement::Entity)
        .and_where(agreement::Column::InForce.eq(true))
        .to_owned()
}

type R<T> = Result<T, String>;

fn text(v: &Value, k: &str) -> R<Text> {
    Text::parse(
        k,
        v.get(k).and_then(Value::as_str).unwrap_or_default(),
        100_000,
        true,
    )
    .map_err(|e| e.to_string())
}

fn s<'a>(v: &'a Value, k: &str) -> R<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing {k}"))
}

fn date(raw: &str) -> R<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| format!("bad date {raw}"))
}

fn time(raw: &str) -> R<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("bad time {raw}"))
}

fn state_json(p: &AgreementParts) -> Value {
    json!({
        "term": p.term.map(|t| json!({"number": t.number, "start": t.start.to_string(), "end": t.end.map(|e| e.to_string())})),
        "reviews": p.reviews.iter().map(|r| json!({
            "heldOn": r.held_on.to_string(), "outcome": r.outcome.as_str(),
            "notes": r.notes.as_ref().map(Text::as_str), "heldBy": r.held_by,
        })).collect::<Vec<_>>(),
        "termination": p.termination.as_ref().map(|t| json!({
            "kind": t.kind.as_str(), "noticeGivenAt": t.notice_given_at.to_rfc3339(),
            "effectiveOn": t.effective_on.to_string(), "reason": t.reason.as_str(), "by": t.by,
        })),
        "emitted": p.emitted.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

struct State {
    term: Option<Term>,
    reviews: Vec<Review>,
    termination: Option<Termination>,
    emitted: BTreeSet<ScheduleMarker>,
}

fn state_from(v: &Value) -> R<State> {
    let term = match v.get("term").filter(|t| !t.is_null()) {
        None => None,
        Some(t) => Some(Term {
            number: t
                .get("number")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("bad term number")?,
            start: date(s(t, "start")?)?,
            end: t.get("end").and_then(Value::as_str).map(date).transpose()?,
        }),
    };
    let reviews = v
        .get("reviews")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    Ok(Review {
                        held_on: date(s(r, "heldOn")?)?,
                        outcome: ReviewOutcome::parse(s(r, "outcome")?)
                            .map_err(|e| e.to_string())?,
                        notes: r
                            .get("notes")
                            .and_then(Value::as_str)
                            .map(|_| text(r, "notes"))
                            .transpose()?,
                        held_by: s(r, "heldBy")?.to_owned(),
                    })
                })
                .collect::<R<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    let termination = match v.get("termination").filter(|t| !t.is_null()) {
        None => None,
        Some(t) => Some(Termination {
            kind: TerminationKind::parse(s(t, "kind")?).map_err(|e| e.to_string())?,
            notice_given_at: time(s(t, "noticeGivenAt")?)?,
            effective_on: date(s(t, "effectiveOn")?)?,
            reason: text(t, "reason")?,
            by: s(t, "by")?.to_owned(),
        }),
    };
    let emitted = v
        .get("emitted")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    ScheduleMarker::parse(m.as_str().unwrap_or_default()).map_err(|e| e.to_string())
                })
                .collect::<R<BTreeSet<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(State {
        term,
        reviews,
        termination,
        emitted,
    })
}

fn meta_json(r: &Revision) -> Value {
    json!({
        "editedBy": r.edited_by,
        "submittedBy": r.submitted_by,
        "submittedAt": r.submitted_at.map(|t| t.to_rfc3339()),
        "rejection": r.rejection.as_ref().map(|x| json!({"by": x.by, "reason": x.reason.as_str(), "at": x.at.to_rfc3339()})),
    })
}

fn revision_from(row: agreement_revision::Model) -> R<Revision> {
    let meta: Value = serde_json::from_str(&row.meta).map_err(|e| e.to_string())?;
    let sections: Value = serde_json::from_str(&row.sections).map_err(|e| e.to_string())?;
    Ok(Revision {
        number: u32::try_from(row.number).map_err(|_| "bad revision number")?,
        sections: sections_json::from_json(&sections)?,
        status: RevisionStatus::parse(&row.status).map_err(|e| e.to_string())?,
        created_at: row.created_at,
        created_by: row.created_by,
        edited_by: meta
            .get("editedBy")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        submitted_by: meta
            .get("submittedBy")
            .and_then(Value::as_str)
            .map(str::to_owned),
        submitted_at: meta
            .get("submittedAt")
            .and_then(Value::as_str)
            .map(time)
            .transpose()?,
        approved_by: row.approved_by,
        approved_at: row.approved_at,
        rejection: match meta.get("rejection").filter(|r| !r.is_null()) {
            None => None,
            Some(r) => Some(Rejection {
                by: s(r, "by")?.to_owned(),
                reason: text(r, "reason")?,
                at: time(s(r, "at")?)?,
            }),
        },
        change_note: row
            .change_note
            .map(|n| Text::parse("changeNote", &n, 100_000, true))
            .transpose()
            .map_err(|e| e.to_string())?,
        in_force_from: row.in_force_from,
    })
}

pub(super) fn to_domain(
    row: agreement::Model,
    revisions: Vec<agreement_revision::Model>,
) -> Result<Agreement, StoreError> {
    let id = row.id;
    let bad = |e: String| StoreError::corrupt("agreements", id, e);
    let state: Value = serde_json::from_str(&row.state).map_err(|e| bad(e.to_string()))?;
    let state = state_from(&state).map_err(bad)?;
    let revisions = revisions
        .into_iter()
        .map(revision_from)
        .collect::<R<Vec<_>>>()
        .map_err(bad)?;
    Agreement::restore(AgreementParts {
        id: AgreementId::new(id),
        account: AccountId::new(row.account_id),
        status: AgreementStatus::parse(&row.status).map_err(|e| bad(e.to_string()))?,
        version: row.version,
        revisions,
        term: state.term,
        reviews: state.reviews,
        termination: state.termination,
        emitted: state.emitted,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
    .map_err(|e| bad(e.to_string()))
}

pub(super) async fn with_revisions(
    db: &impl ConnectionTrait,
    rows: Vec<agreement::Model>,
) -> Result<Vec<Agreement>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut revisions: HashMap<i64, Vec<agreement_revision::Model>> = HashMap::new();
    if !ids.is_empty() {
        for r in agreement_revision::Entity::find()
            .filter(agreement_revision::Column::AgreementId.is_in(ids))
            .order_by_asc(agreement_revision::Column::AgreementId)
            .order_by_asc(agreement_revision::Column::Number)
            .all(db)
            .await?
        {
            revisions.entry(r.agreement_id).or_default().push(r);
        }
    }
    rows.into_iter()
        .map(|row| {
            let own = revisions.remove(&row.id).unwrap_or_default();
            to_domain(row, own)
        })
        .collect()
}

impl Store {
    /// Agreements by id (with every revision); missing ids and ids outside `scope` are
    /// skipped.
    pub async fn agreements_by_ids(
        &self,
        scope: ReadScope,
        ids: &[AgreementId],
    ) -> Result<Vec<Agreement>, StoreError> {
        let rows = agreement::Entity::find()
            .filter(agreement::Column::Id.is_in(ids.iter().map(|id| id.get())))
            .filter(scope::by_account(scope, agreement::Column::AccountId))
            .all(self.reader())
            .await?;
        with_revisions(self.reader(), rows).await
    }

    /// How many agreements match.
    pub async fn agreements_count(
        &self,
        scope: ReadScope,
        query: &AgreementQuery,
    ) -> Result<u64, StoreError> {
        Ok(agreement::Entity::find()
            .filter(query.condition())
            .filter(scope::by_account(scope, agreement::Column::AccountId))
            .count(self.reader())
            .await?)
    }

    /// Ids of agreements that are live (ACTIVE or UNDER_REVIEW) or approved to start later,
    /// for the scheduler.
    pub async fn live_agreement_ids(&self) -> Result<Vec<AgreementId>, StoreError> {
        Ok(agreement::Entity::find()
            .filter(agreement::Column::InForce.eq(true))
            .order_by_asc(agreement::Column::Id)
            .all(self.reader())
            .await?
            .into_iter()
            .map(|r| AgreementId::new(r.id))
            .collect())
    }
}

fn row_values(p: &AgreementParts) -> (String, String, bool) {
    (
        p.status.as_str().to_owned(),
        state_json(p).to_string(),
        p.status.is_live(),
    )
}

impl Tx {
    /// Inserts a new agreement built by `build` from its freshly assigned id.
    pub async fn insert_agreement(
        &self,
        account: AccountId,
        created_by: &str,
        now: DateTime<Utc>,
        build: impl FnOnce(AgreementId) -> Agreement,
    ) -> Result<Agreement, StoreError> {
        let row = agreement::ActiveModel {
            account_id: Set(account.get()),
            status: Set(AgreementStatus::Draft.as_str().to_owned()),
            version: Set(1),
            state: Set("{}".to_owned()),
            in_force: Set(false),
            created_by: Set(created_by.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        let agreement = build(AgreementId::new(row.id));
        let (status, state, in_force) = row_values(agreement.parts());
        agreement_sort::set_dates(agreement::Entity::update_many(), &agreement)
            .col_expr(agreement::Column::Status, Expr::value(status))
            .col_expr(agreement::Column::State, Expr::value(state))
            .col_expr(agreement::Column::InForce, Expr::value(in_force))
            .filter(agreement::Column::Id.eq(row.id))
            .exec(&self.inner)
            .await?;
        self.write_revisions(agreement.parts()).await?;
        agreement_sort::refresh_account(&self.inner, account).await?;
        Ok(agreement)
    }

    /// Loads an agreement for change.
    pub async fn load_agreement(&self, id: AgreementId) -> Result<Option<Agreement>, StoreError> {
        let Some(row) = agreement::Entity::find_by_id(id.get())
            .one(&self.inner)
            .await?
        else {
            return Ok(None);
        };
        Ok(with_revisions(&self.inner, vec![row]).await?.pop())
    }

    /// Saves a changed agreement if nobody saved it since `expected_version`.
    pub async fn save_agreement(
        &self,
        agreement: Agreement,
        expected_version: i32,
    ) -> Result<Agreement, StoreError> {
        let update = agreement_sort::set_dates(agreement::Entity::update_many(), &agreement);
        let mut parts = agreement.into_parts();
        let (status, state, in_force) = row_values(&parts);
        let result = update
            .col_expr(agreement::Column::Status, Expr::value(status))
            .col_expr(agreement::Column::State, Expr::value(state))
            .col_expr(agreement::Column::InForce, Expr::value(in_force))
            .col_expr(
                agreement::Column::Version,
                Expr::value(expected_version + 1),
            )
            .col_expr(agreement::Column::UpdatedAt, Expr::value(parts.updated_at))
            .filter(agreement::Column::Id.eq(parts.id.get()))
            .filter(agreement::Column::Version.eq(expected_version))
            .exec(&self.inner)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict {
                expected: expected_version,
            });
        }
        self.write_revisions(&parts).await?;
        agreement_sort::refresh_account(&self.inner, parts.account).await?;
        parts.version = expected_version + 1;
        Agreement::restore(parts).map_err(|e| StoreError::corrupt("agreements", "saved", e))
    }

    /// Writes revisions: new ones are inserted; existing ones only change status and
    /// approval or rejection metadata (their sections are immutable once written, except a
    /// draft's, which is still being edited).
    async fn write_revisions(&self, p: &AgreementParts) -> Result<(), StoreError> {
        agreement_revision::Entity::delete_many()
            .filter(agreement_revision::Column::AgreementId.eq(p.id.get()))
            .filter(agreement_revision::Column::Status.eq(RevisionStatus::Draft.as_str()))
            .exec(&self.inner)
            .await?;
        let existing: BTreeSet<i32> = agreement_revision::Entity::find()
            .filter(agreement_revision::Column::AgreementId.eq(p.id.get()))
            .all(&self.inner)
            .await?
            .into_iter()
            .map(|r| r.number)
            .collect();
        for r in &p.revisions {
            let number = i32::try_from(r.number).unwrap_or(i32::MAX);
            if existing.contains(&number) {
                agreement_revision::Entity::update_many()
                    .col_expr(
                        agreement_revision::Column::Status,
                        Expr::value(r.status.as_str()),
                    )
                    .col_expr(
                        agreement_revision::Column::Meta,
                        Expr::value(meta_json(r).to_string()),
                    )
                    .col_expr(
                        agreement_revision::Column::ApprovedBy,
                        Expr::value(r.approved_by.clone()),
                    )
                    .col_expr(
                        agreement_revision::Column::ApprovedAt,
                        Expr::value(r.approved_at),
                    )
                    .col_expr(
                        agreement_revision::Column::InForceFrom,
                        Expr::value(r.in_force_from),
                    )
                    .filter(agreement_revision::Column::AgreementId.eq(p.id.get()))
                    .filter(agreement_revision::Column::Number.eq(number))
                    .exec(&self.inner)
                    .await?;
            } else {
                agreement_revision::ActiveModel {
                    agreement_id: Set(p.id.get()),
                    number: Set(number),
                    status: Set(r.status.as_str().to_owned()),
                    sections: Set(sections_json::to_json(&r.sections).to_string()),
                    meta: Set(meta_json(r).to_string()),
                    created_at: Set(r.created_at),
                    created_by: Set(r.created_by.clone()),
                    approved_by: Set(r.approved_by.clone()),
                    approved_at: Set(r.approved_at),
                    change_note: Set(r.change_note.as_ref().map(|n| n.as_str().to_owned())),
                    in_force_from: Set(r.in_force_from),
                }
                .insert(&self.inner)
                .await?;
            }
        }
        Ok(())
    }

    /// The agreements of an account that are in force (for the demotion rule).
    pub async fn agreements_in_force_for(
        &self,
        account: AccountId,
    ) -> Result<Vec<Agreement>, StoreError> {
        let rows = agreement::Entity::find()
            .filter(agreement::Column::AccountId.eq(account.get()))
            .filter(agreement::Column::InForce.eq(true))
            .order_by_asc(agreement::Column::Id)
            .all(&self.inner)
            .await?;
        with_revisions(&self.inner, rows).await
    }
}
