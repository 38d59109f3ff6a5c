use chrono::TimeZone;

use super::*;
use crate::role::Role;
use crate::team::Subject;
use crate::values::EmailAddress;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn member(id: i64, role: Role, active: bool) -> TeamMember {
    TeamMember {
        id: TeamMemberId::new(id),
        name: Text::name("name", "Grace").expect("name"),
        email: EmailAddress::parse("grace@example.com").expect("email"),
        role,
        active,
        subject: Subject::parse(&format!("member-{id}")).expect("subject"),
        version: 1,
    }
}

fn customer() -> Account {
    Account::restore(AccountParts {
        id: AccountId::new(1),
        name: Text::name("name", "Acme").expect("name"),
        kind: AccountKind::Organization,
        relationship: RelationshipType::Customer,
        account_manager: None,
        parent: None,
        domains: vec![],
        acquisition_channel: AcquisitionChannel::Direct,
        partner: None,
        created_by: None,
        status: AccountStatus::Active,
        churned_at: None,
        version: 1,
        created_at: now(),
        updated_at: now(),
        external: None,
    })
    .expect("valid account")
}

fn reason() -> Text {
    Text::reason("reason", "signed a retainer").expect("reason")
}

fn client() -> Account {
    let mut account = customer();
    account
        .promote_to_client(
            &member(7, Role::AccountManager, true),
            reason(),
            "admin",
            now(),
        )
        .expect("promotion");
    account
}

#[test]
fn promoting_a_customer_names_the_manager_and_records_the_change() {
    let mut account = customer();
    let change = account
        .promote_to_client(
            &member(7, Role::AccountManager, true),
            reason(),
            "admin",
            now(),
        )
        .expect("promotion");
    assert_eq!(account.relationship(), RelationshipType::Client);
    assert_eq!(account.account_manager(), Some(TeamMemberId::new(7)));
    assert_eq!(change.from, RelationshipType::Customer);
    assert_eq!(change.to, RelationshipType::Client);
    assert_eq!(change.actor, "admin");
    assert_eq!(change.reason.as_str(), "signed a retainer");
}

#[test]
fn promoting_with_a_manager_who_cannot_manage_accounts_is_refused() {
    for manager in [
        member(7, Role::SupportAgent, true),
        member(8, Role::Viewer, true),
        member(9, Role::AccountManager, false),
    ] {
        let mut account = customer();
        let err = account
            .promote_to_client(&manager, reason(), "admin", now())
            .expect_err("refused");
        assert!(
            matches!(err, DomainError::Invalid(ref e) if e.field == "accountManagerId"),
            "{err:?}"
        );
        assert_eq!(account, customer(), "a refused promotion changes nothing");
    }
}

#[test]
fn promoting_a_client_again_is_an_invalid_transition_naming_the_current_state() {
    let mut account = client();
    let err = account
        .promote_to_client(
            &member(7, Role::AccountManager, true),
            reason(),
            "admin",
            now(),
        )
        .expect_err("refused");
    assert!(
        matches!(err, DomainError::InvalidTransition { ref current, .. } if current == "CLIENT")
    );
}

#[test]
fn demoting_a_client_with_an_agreement_in_force_is_refused_naming_the_agreement() {
    let mut account = client();
    let in_force = AgreementInForce {
        reference: "QWdyZWVtZW50OjE".into(),
        title: "Support retainer".into(),
    };
    let err = account
        .demote_to_customer(reason(), Some(&in_force), "admin", now())
        .expect_err("refused");
    assert!(err.to_string().contains("QWdyZWVtZW50OjE"), "{err}");
    assert_eq!(account.relationship(), RelationshipType::Client);
}

#[test]
fn demoting_a_client_without_an_agreement_in_force_makes_it_a_customer() {
    let mut account = client();
    let change = account
        .demote_to_customer(reason(), None, "admin", now())
        .expect("demotion");
    assert_eq!(account.relationship(), RelationshipType::Customer);
    assert_eq!(change.to, RelationshipType::Customer);
}

#[test]
fn a_client_cannot_lose_its_account_manager() {
    let mut account = client();
    assert!(account.assign_account_manager(None, now()).is_err());
    assert!(account.account_manager().is_some());
}

#[test]
fn a_stored_client_without_a_manager_is_refused_on_load() {
    let mut parts = customer().into_parts();
    parts.relationship = RelationshipType::Client;
    assert!(Account::restore(parts).is_err());
}

#[test]
fn a_churned_account_cannot_be_promoted_or_churned_again() {
    let mut account = customer();
    account.churn(None, now()).expect("churn");
    assert_eq!(account.parts().status, AccountStatus::Churned);
    assert!(account.churn(None, now()).is_err());
    assert!(
        account
            .promote_to_client(
                &member(7, Role::AccountManager, true),
                reason(),
                "admin",
                now()
            )
            .is_err()
    );
}

#[test]
fn a_partner_referred_account_must_come_through_the_partner_channel() {
    let err = NewAccount::new(
        Text::name("name", "Acme").expect("name"),
        AccountKind::Organization,
        None,
        vec![],
        AcquisitionChannel::Direct,
        Some(PartnerId::new(3)),
    )
    .expect_err("refused");
    assert_eq!(err.field, "acquisitionChannel");
}

#[test]
fn an_account_cannot_be_its_own_parent() {
    let mut account = customer();
    let err = account
        .update_details(
            Text::name("name", "Acme").expect("name"),
            AccountKind::Organization,
            Some(AccountId::new(1)),
            vec![],
            NamedBy::Staff,
            AcquisitionChannel::Direct,
            now(),
        )
        .expect_err("refused");
    assert!(matches!(err, DomainError::Invalid(ref e) if e.field == "parentId"));
}

fn in_force() -> AgreementInForce {
    AgreementInForce {
        reference: "QWdyZWVtZW50OjE".into(),
        title: "Support retainer".into(),
    }
}

#[test]
fn churning_an_account_with_an_agreement_in_force_is_refused_naming_the_agreement() {
    for mut account in [client(), customer()] {
        let before = account.clone();
        let err = account
            .churn(Some(&in_force()), now())
            .expect_err("refused");
        assert!(
            matches!(
                err,
                DomainError::InvalidTransition {
                    action: "churn",
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("QWdyZWVtZW50OjE"), "{text}");
        assert!(text.contains("Support retainer"), "{text}");
        assert_eq!(account, before, "a refused churn changes nothing");
    }
}

#[test]
fn churning_a_client_without_an_agreement_in_force_marks_it_churned() {
    let mut account = client();
    account.churn(None, now()).expect("churn");
    assert_eq!(account.parts().status, AccountStatus::Churned);
    assert_eq!(account.parts().churned_at, Some(now()));
}
