use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::account::{Account, AccountKind, AcquisitionChannel, NewAccount};
use crate::ids::{PartnerId, TeamMemberId};
use crate::role::Role;
use crate::values::Text;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn domain(raw: &str) -> EmailDomain {
    EmailDomain::parse(raw).expect("domain")
}

fn staff() -> Principal {
    Principal::Staff {
        member: TeamMemberId::new(4),
        role: Role::AccountManager,
    }
}

fn partner() -> Principal {
    Principal::Partner {
        partner: PartnerId::new(9),
        scopes: crate::permissions::Scopes::ALL,
    }
}

fn new_account(domains: &[&str]) -> NewAccount {
    NewAccount::new(
        Text::name("name", "Prospect").expect("name"),
        AccountKind::Organization,
        None,
        domains.iter().map(|d| domain(d)).collect(),
        AcquisitionChannel::Direct,
        None,
    )
    .expect("valid")
}

fn states(domains: &[AccountDomain]) -> Vec<(&str, bool)> {
    domains
        .iter()
        .map(|d| (d.domain.as_str(), d.confirmed))
        .collect()
}

/// An account as the store would return it after inserting `new`.
fn stored(new: NewAccount) -> Account {
    Account::restore(crate::account::AccountParts {
        id: crate::ids::AccountId::new(1),
        name: new.name,
        kind: new.kind,
        relationship: crate::account::RelationshipType::Customer,
        account_manager: None,
        parent: new.parent,
        domains: new.domains,
        acquisition_channel: new.acquisition_channel,
        partner: new.partner,
        created_by: new.created_by,
        status: crate::account::AccountStatus::Active,
        churned_at: None,
        version: 1,
        created_at: now(),
        updated_at: now(),
        external: None,
    })
    .expect("valid account")
}

#[test]
fn domains_named_by_staff_are_confirmed_and_the_member_is_recorded_as_creator() {
    let new = new_account(&["b.example", "a.example", "b.example"]).by(&staff());
    assert_eq!(
        states(&new.domains),
        [("a.example", true), ("b.example", true)]
    );
    assert_eq!(new.created_by, Some(TeamMemberId::new(4)));
}

#[test]
fn domains_named_by_a_partner_stay_unconfirmed_claims_and_route_nothing() {
    let new = new_account(&["prospect.example"]).by(&partner());
    assert_eq!(states(&new.domains), [("prospect.example", false)]);
    assert_eq!(new.created_by, None);
    let account = stored(new);
    assert_eq!(account.confirmed_domains().count(), 0);
}

#[test]
fn a_new_account_nobody_stamped_has_only_unconfirmed_claims() {
    // Forgetting to say who creates the account must not make its domains route contacts.
    let new = new_account(&["prospect.example"]);
    assert_eq!(states(&new.domains), [("prospect.example", false)]);
    assert_eq!(new.created_by, None);
}

#[test]
fn replacing_the_list_keeps_each_kept_domains_state_and_names_the_added_ones() {
    let current = vec![
        AccountDomain::named(domain("claimed.example"), NamedBy::Partner),
        AccountDomain::named(domain("set.example"), NamedBy::Staff),
    ];
    let wanted = || {
        vec![
            domain("claimed.example"),
            domain("new.example"),
            domain("set.example"),
        ]
    };
    assert_eq!(
        states(&replace(&current, wanted(), NamedBy::Staff)),
        [
            ("claimed.example", false),
            ("new.example", true),
            ("set.example", true)
        ]
    );
    assert_eq!(
        states(&replace(&current, wanted(), NamedBy::Partner)),
        [
            ("claimed.example", false),
            ("new.example", false),
            ("set.example", true)
        ]
    );
}

#[test]
fn updating_the_details_does_not_confirm_a_claim_that_is_sent_again() {
    let mut account = stored(new_account(&["claimed.example"]).by(&partner()));
    let p = account.parts().clone();
    account
        .update_details(
            p.name,
            p.kind,
            None,
            vec![domain("claimed.example"), domain("added.example")],
            NamedBy::Staff,
            p.acquisition_channel,
            now(),
        )
        .expect("update");
    assert_eq!(
        states(account.domains()),
        [("added.example", true), ("claimed.example", false)]
    );
}

#[test]
fn confirming_a_claim_makes_it_route_and_answers_what_changed() {
    let mut account = stored(new_account(&["a.example", "b.example"]).by(&partner()));
    let newly = account
        .confirm_domains(&[domain("b.example")], now())
        .expect("confirmed");
    assert_eq!(newly, [domain("b.example")]);
    assert_eq!(
        states(account.domains()),
        [("a.example", false), ("b.example", true)]
    );
    assert_eq!(
        account.confirmed_domains().collect::<Vec<_>>(),
        [&domain("b.example")]
    );
    // Confirming again changes nothing and says so.
    let again = account
        .confirm_domains(&[domain("b.example")], now())
        .expect("idempotent");
    assert!(again.is_empty());
}

#[test]
fn confirming_a_domain_the_account_does_not_name_is_refused_naming_it() {
    let mut account = stored(new_account(&["a.example"]).by(&partner()));
    let before = account.clone();
    let err = account
        .confirm_domains(&[domain("a.example"), domain("other.example")], now())
        .expect_err("refused");
    match err {
        crate::DomainError::Invalid(e) => {
            assert_eq!(e.field, "domains[1]");
            assert!(e.message.contains("other.example"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(account, before, "a refused confirmation changes nothing");
}

#[test]
fn confirming_nothing_is_refused() {
    let mut account = stored(new_account(&["a.example"]).by(&partner()));
    let err = account.confirm_domains(&[], now()).expect_err("refused");
    assert!(
        matches!(err, crate::DomainError::Invalid(ref e) if e.field == "domains"),
        "{err:?}"
    );
}
