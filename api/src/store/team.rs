use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::ids::TeamMemberId;
use rapport_domain::role::Role;
use rapport_domain::team::{Subject, TeamMember};
use rapport_domain::values::{EmailAddress, Text};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::by_position;
use super::entity::team_member;
use super::page::fetch_page;
use super::team_row::{TeamRow, to_domain};
use super::{Page, PageRequest, Store, StoreError, TeamSort, Tx, scope};
use crate::auth::ReadScope;

/// Which team members a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeamQuery {
    /// Only members with this role.
    pub role: Option<Role>,
    /// Only active (or only inactive) members.
    pub active: Option<bool>,
}

impl TeamQuery {
    fn condition(&self) -> sea_orm::Condition {
        let mut cond = sea_orm::Condition::all();
        if let Some(role) = self.role {
            cond = cond.add(team_member::Column::Role.eq(role.as_str()));
        }
        if let Some(active) = self.active {
            cond = cond.add(team_member::Column::Active.eq(active));
        }
        cond
    }
}

impl Store {
    /// Members by id; missing ids are skipped, and a partner's scope reads none.
    pub async fn team_members_by_ids(
        &self,
        scope: ReadScope,
        ids: &[TeamMemberId],
    ) -> Result<Vec<TeamMember>, StoreError> {
        if !scope::reads_staff_rows(scope) {
            return Ok(Vec::new());
        }
        let select = team_member::Entity::find()
            .filter(team_member::Column::Id.is_in(ids.iter().map(|id| id.get())));
        by_position::all::<TeamRow>(self.reader(), select)
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    /// The member whose tokens carry `subject`.
    pub async fn team_member_by_subject(
        &self,
        subject: &str,
    ) -> Result<Option<TeamMember>, StoreError> {
        team_member::Entity::find()
            .filter(team_member::Column::Subject.eq(subject))
            .one(self.reader())
            .await?
            .map(to_domain)
            .transpose()
    }

    /// The member with this email (compared as the stored, normalized key).
    pub async fn team_member_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<TeamMember>, StoreError> {
        team_member::Entity::find()
            .filter(team_member::Column::EmailKey.eq(email.normalized()))
            .one(self.reader())
            .await?
            .map(to_domain)
            .transpose()
    }

    /// The display names of the members whose tokens carry these subjects, by subject; other
    /// subjects are left out. Names only: this is what every caller may see of a person who
    /// acted on a record it can read.
    pub async fn team_names_by_subjects(
        &self,
        subjects: &[String],
    ) -> Result<HashMap<String, String>, StoreError> {
        if subjects.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(team_member::Entity::find()
            .filter(team_member::Column::Subject.is_in(subjects.iter().cloned()))
            .all(self.reader())
            .await?
            .into_iter()
            .map(|m| (m.subject, m.name))
            .collect())
    }

    /// One page of members; a partner's scope reads none.
    pub async fn team_members_page(
        &self,
        scope: ReadScope,
        query: TeamQuery,
        page: &PageRequest<TeamSort>,
    ) -> Result<Page<TeamMember>, StoreError> {
        if !scope::reads_staff_rows(scope) {
            return Ok(Page::empty());
        }
        let select = team_member::Entity::find().filter(query.condition());
        fetch_page(self.reader(), select, team_member::Column::Id, page)
            .await?
            .try_map(to_domain)
    }

    /// How many members match (none in a partner's scope).
    pub async fn team_members_count(
        &self,
        scope: ReadScope,
        query: TeamQuery,
    ) -> Result<u64, StoreError> {
        if !scope::reads_staff_rows(scope) {
            return Ok(0);
        }
        Ok(team_member::Entity::find()
            .filter(query.condition())
            .count(self.reader())
            .await?)
    }

    /// Whether the team is empty (a fresh database, before the bootstrap admin).
    pub async fn team_is_empty(&self) -> Result<bool, StoreError> {
        Ok(team_member::Entity::find().count(self.reader()).await? == 0)
    }
}

/// A validated new member.
#[derive(Debug, Clone)]
pub struct NewTeamMember {
    /// Display name.
    pub name: Text,
    /// Work email.
    pub email: EmailAddress,
    /// Staff role.
    pub role: Role,
    /// JWT subject.
    pub subject: Subject,
}

impl Tx {
    /// Inserts a member (active).
    pub async fn insert_team_member(
        &self,
        new: &NewTeamMember,
        now: DateTime<Utc>,
    ) -> Result<TeamMember, StoreError> {
        // A cached "no such member" for this subject is now wrong.
        self.auth_changed().await?;
        let row = team_member::ActiveModel {
            subject: Set(new.subject.as_str().to_owned()),
            name: Set(new.name.as_str().to_owned()),
            name_key: Set(new.name.as_str().to_lowercase()),
            email: Set(new.email.as_str().to_owned()),
            email_key: Set(new.email.normalized()),
            role: Set(new.role.as_str().to_owned()),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        to_domain(row)
    }

    /// Loads a member for change.
    pub async fn load_team_member(
        &self,
        id: TeamMemberId,
    ) -> Result<Option<TeamMember>, StoreError> {
        team_member::Entity::find_by_id(id.get())
            .one(&self.inner)
            .await?
            .map(to_domain)
            .transpose()
    }

    /// Saves a changed member if nobody saved it since `expected_version`.
    pub async fn save_team_member(
        &self,
        mut member: TeamMember,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<TeamMember, StoreError> {
        // Active flag and role decide what the member's tokens may do.
        self.auth_changed().await?;
        let result = team_member::Entity::update_many()
            .col_expr(team_member::Column::Name, Expr::value(member.name.as_str()))
            .col_expr(
                team_member::Column::NameKey,
                Expr::value(member.name.as_str().to_lowercase()),
            )
            .col_expr(
                team_member::Column::Email,
                Expr::value(member.email.as_str()),
            )
            .col_expr(
                team_member::Column::EmailKey,
                Expr::value(member.email.normalized()),
            )
            .col_expr(team_member::Column::Role, Expr::value(member.role.as_str()))
            .col_expr(team_member::Column::Active, Expr::value(member.active))
            .col_expr(
                team_member::Column::Version,
                Expr::value(expected_version + 1),
            )
            .col_expr(team_member::Column::UpdatedAt, Expr::value(now))
            .filter(team_member::Column::Id.eq(member.id.get()))
            .filter(team_member::Column::Version.eq(expected_version))
            .exec(&self.inner)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict {
                expected: expected_version,
            });
        }
        member.version = expected_version + 1;
        Ok(member)
    }

    /// How many accounts this member manages that are clients (they must keep a manager).
    pub async fn managed_client_count(&self, id: TeamMemberId) -> Result<u64, StoreError> {
        use super::entity::account;
        Ok(account::Entity::find()
            .filter(account::Column::AccountManagerId.eq(id.get()))
            .filter(account::Column::Relationship.eq("CLIENT"))
            .count(&self.inner)
            .await?)
    }

    /// How many members are active admins, as this transaction sees them.
    pub async fn active_admin_count(&self) -> Result<u64, StoreError> {
        Ok(team_member::Entity::find()
            .filter(team_member::Column::Role.eq(Role::Admin.as_str()))
            .filter(team_member::Column::Active.eq(true))
            .count(&self.inner)
            .await?)
    }

    /// The members whose tokens carry one of `subjects`, by subject.
    pub async fn team_members_by_subjects(
        &self,
        subjects: &[String],
    ) -> Result<HashMap<String, TeamMember>, StoreError> {
        let mut found = HashMap::new();
        for chunk in subjects.chunks(500) {
            for row in team_member::Entity::find()
                .filter(super::key_list::any_of(
                    self.backend(),
                    team_member::Column::Subject,
                    chunk,
                ))
                .all(&self.inner)
                .await?
            {
                found.insert(row.subject.clone(), to_domain(row)?);
            }
        }
        Ok(found)
    }

    /// The members whose normalized email is one of `keys`, by that key.
    pub async fn team_members_by_email_keys(
        &self,
        keys: &[String],
    ) -> Result<HashMap<String, TeamMember>, StoreError> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(500) {
            for row in team_member::Entity::find()
                .filter(super::key_list::any_of(
                    self.backend(),
                    team_member::Column::EmailKey,
                    chunk,
                ))
                .all(&self.inner)
                .await?
            {
                found.insert(row.email_key.clone(), to_domain(row)?);
            }
        }
        Ok(found)
    }
}
