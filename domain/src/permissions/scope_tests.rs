//! The matrix of roles × scopes × actions × scope cases, for service accounts and partner keys.
//!
//! Expectations come from two hand-written tables: the role matrix of `tests.rs` (what the role
//! may do) and [`GRANTS`] below (what each scope covers). A service account is a member of
//! staff who manages and created nothing, so its cells are the role's cells for someone else's
//! accounts (the column map [`as_service`]).

use super::tests::{COLUMNS, MY_PARTNER, expected, resource};
use super::*;

/// What each scope grants, written out by hand (not derived from `Scope::of`).
const GRANTS: [(Scope, &[Action]); 7] = {
    use Action as A;
    [
        (
            Scope::Read,
            &[
                A::ReadAccount,
                A::ReadContact,
                A::ReadTeam,
                A::ReadPartners,
                A::ReadAuditLog,
                A::ReadAgreement,
                A::ReadAgreementTerms,
            ],
        ),
        (
            Scope::AccountsWrite,
            &[
                A::CreateAccount,
                A::UpdateAccount,
                A::PromoteToClient,
                A::DemoteToCustomer,
                A::AssignAccountManager,
                A::ChurnAccount,
                A::ConfirmAccountDomains,
            ],
        ),
        (
            Scope::ContactsWrite,
            &[A::CreateContact, A::UpdateContact, A::EraseContact],
        ),
        (Scope::InteractionsWrite, &[A::RecordInteraction]),
        (Scope::MeasurementsWrite, &[A::RecordMeasurements]),
        (
            Scope::AgreementsWrite,
            &[
                A::DraftAgreement,
                A::ApproveAgreement,
                A::ReviewAgreement,
                A::TerminateAgreement,
            ],
        ),
        (
            Scope::Manage,
            &[
                A::ManageTeam,
                A::ManagePartners,
                A::ManageTokens,
                A::ManageOwnCredentials,
                A::ManageIntegrations,
                A::ManageWebhooks,
            ],
        ),
    ]
};

fn granted(scopes: Scopes, action: Action) -> bool {
    GRANTS
        .iter()
        .any(|(scope, actions)| scopes.contains(*scope) && actions.contains(&action))
}

/// The scope sets walked: each scope alone, a pair, and all of them.
fn scope_sets() -> Vec<Scopes> {
    let mut sets: Vec<Scopes> = Scope::ALL.iter().map(|s| Scopes::of(&[*s])).collect();
    sets.push(Scopes::of(&[Scope::Read, Scope::MeasurementsWrite]));
    sets.push(Scopes::ALL);
    sets
}

/// The column of the role table a service account's cell reads: the account is never its own.
fn as_service(column: &str) -> &str {
    match column {
        "MC" => "OC",
        "MK" => "OK",
        "PS" => "PO",
        "CU" => "CM",
        "AS" | "AX" | "AG" => "AO",
        other => other,
    }
}

fn cell(row: &str, column: &str) -> &'static str {
    let at = COLUMNS
        .iter()
        .position(|c| *c == column)
        .expect("a known column");
    match row.split(' ').nth(at).expect("a full row") {
        "A" => "A",
        "F" => "F",
        "N" => "N",
        _ => ".",
    }
}

#[test]
fn every_cell_of_roles_by_scopes_by_actions_decides_as_the_tables_say() {
    let mut checked = 0;
    for role in Role::ALL {
        for scopes in scope_sets() {
            let principal = match role {
                Role::Partner => Principal::Partner {
                    partner: MY_PARTNER,
                    scopes,
                },
                role => Principal::Service {
                    account: ServiceAccountId::new(7),
                    role,
                    scopes,
                },
            };
            for (action, row) in expected(role) {
                for column in COLUMNS {
                    let read_at = if role == Role::Partner {
                        column
                    } else {
                        as_service(column)
                    };
                    let want = match cell(row, read_at) {
                        "." => continue,
                        "N" => Err(Denied::NotFound),
                        "A" if granted(scopes, action) => Ok(()),
                        _ => Err(Denied::Forbidden),
                    };
                    let got = authorize(&principal, action, &resource(column, role));
                    assert_eq!(
                        got,
                        want,
                        "cell (role {role}, scopes [{}], action {action:?}, scope {column})",
                        scopes.to_wire()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 2_000, "walked {checked} cells");
}

#[test]
fn every_action_belongs_to_exactly_one_scope() {
    for action in Action::ALL {
        let owners: Vec<Scope> = GRANTS
            .iter()
            .filter(|(_, actions)| actions.contains(&action))
            .map(|(scope, _)| *scope)
            .collect();
        assert_eq!(owners, vec![Scope::of(action)], "{action:?}");
    }
}

#[test]
fn a_measurements_key_records_measurements_and_reads_nothing() {
    let feed = Principal::Service {
        account: ServiceAccountId::new(1),
        role: Role::SupportAgent,
        scopes: Scopes::of(&[Scope::MeasurementsWrite]),
    };
    let account = resource("OC", Role::SupportAgent);
    assert_eq!(
        authorize(&feed, Action::RecordMeasurements, &account),
        Ok(())
    );
    for read in [
        Action::ReadContact,
        Action::ReadAccount,
        Action::ReadAgreement,
    ] {
        assert_eq!(
            authorize(&feed, read, &account),
            Err(Denied::Forbidden),
            "{read:?}"
        );
    }
    assert_eq!(
        authorize(&feed, Action::CreateAccount, &Resource::Global),
        Err(Denied::Forbidden)
    );
}

#[test]
fn a_read_only_admin_key_reads_everything_and_changes_nothing() {
    let key = Principal::Service {
        account: ServiceAccountId::new(1),
        role: Role::Admin,
        scopes: Scopes::of(&[Scope::Read]),
    };
    for action in Action::ALL {
        let want = Scope::of(action) == Scope::Read;
        for column in COLUMNS {
            let res = resource(column, Role::Admin);
            assert_eq!(
                authorize(&key, action, &res).is_ok(),
                want,
                "{action:?} {column}"
            );
        }
    }
}

#[test]
fn a_partner_key_never_learns_that_another_partners_account_exists() {
    let key = Principal::Partner {
        partner: MY_PARTNER,
        scopes: Scopes::of(&[Scope::MeasurementsWrite]),
    };
    let other = resource("OC", Role::Partner);
    for action in Action::ALL {
        assert_eq!(
            authorize(&key, action, &other),
            Err(Denied::NotFound),
            "{action:?}"
        );
    }
}

#[test]
fn scopes_parse_from_their_wire_names_and_refuse_unknown_or_none() {
    for scope in Scope::ALL {
        assert_eq!(Scope::parse(scope.as_str()), Ok(scope));
    }
    let parsed = Scopes::parse(["read", "measurements:write"]).expect("two scopes");
    assert_eq!(parsed.to_wire(), "read measurements:write");
    assert_eq!(Scopes::parse([parsed.to_wire().as_str()]), Ok(parsed));
    let unknown = Scopes::parse(["read", "everything"]).expect_err("unknown");
    assert!(unknown.message.contains("`everything`"), "{unknown:?}");
    assert!(Scopes::parse([]).is_err());
    assert!(Scopes::parse([" "]).is_err());
    assert_eq!(Scopes::ALL.iter().count(), Scope::ALL.len());
}
