//! The whole matrix, cell by cell. Columns are scope cases:
//!
//! - `G`  no particular account (lists, team, partners, new accounts)
//! - `MC` a customer account that is the caller's own (managed by the member; referred by the partner)
//! - `MK` a client account that is the caller's own
//! - `OC` a customer account of someone else (another manager; another partner)
//! - `OK` a client account of someone else
//! - `PS` promoting an unmanaged, unreferred customer naming the caller as manager
//! - `PO` the same promotion naming another member
//! - `CU` a customer account the member created and nobody manages (for a partner: its own)
//! - `CM` the same account once another member manages it
//! - `AS` assigning the `CU` account's manager, naming the caller
//! - `AO` the same assignment naming another member
//! - `AX` assigning an unmanaged account another member created, naming the caller
//! - `AG` assigning an account the caller manages to another member
//!
//! Letters: `A` allowed, `F` forbidden, `N` not found, `.` not a meaningful combination.

use super::*;

pub(super) const COLUMNS: [&str; 13] = [
    "G", "MC", "MK", "OC", "OK", "PS", "PO", "CU", "CM", "AS", "AO", "AX", "AG",
];

const ME: TeamMemberId = TeamMemberId::new(1);
const OTHER_MEMBER: TeamMemberId = TeamMemberId::new(2);
pub(super) const MY_PARTNER: PartnerId = PartnerId::new(10);
const OTHER_PARTNER: PartnerId = PartnerId::new(11);

pub(super) fn expected(role: Role) -> [(Action, &'static str); 29] {
    use Action as A;
    match role {
        Role::Admin => [
            (A::ReadAccount, "A A A A A . . A A . . . ."),
            (A::CreateAccount, "A . . . . . . . . . . . ."),
            (A::UpdateAccount, ". A A A A . . A A . . . ."),
            (A::PromoteToClient, ". . . . . A A . . . . . ."),
            (A::DemoteToCustomer, ". A A A A . . A A . . . ."),
            (A::AssignAccountManager, ". A A A A . . A A A A A A"),
            (A::ChurnAccount, ". A A A A . . A A . . . ."),
            (A::ConfirmAccountDomains, ". A A A A . . A A . . . ."),
            (A::ReadContact, "A A A A A . . A A . . . ."),
            (A::CreateContact, ". A A A A . . A A . . . ."),
            (A::UpdateContact, ". A A A A . . A A . . . ."),
            (A::EraseContact, ". A A A A . . A A . . . ."),
            (A::ReadTeam, "A . . . . . . . . . . . ."),
            (A::ManageTeam, "A . . . . . . . . . . . ."),
            (A::ReadPartners, "A . . . . . . . . . . . ."),
            (A::ManagePartners, "A . . . . . . . . . . . ."),
            (A::ManageTokens, "A . . . . . . . . . . . ."),
            (A::ManageOwnCredentials, "A . . . . . . . . . . . ."),
            (A::ReadAuditLog, "A . . . . . . . . . . . ."),
            (A::ReadAgreement, "A A A A A . . A A . . . ."),
            (A::ReadAgreementTerms, "A A A A A . . A A . . . ."),
            (A::DraftAgreement, ". A A A A . . A A . . . ."),
            (A::ApproveAgreement, ". A A A A . . A A . . . ."),
            (A::RecordMeasurements, ". A A A A . . A A . . . ."),
            (A::RecordInteraction, ". A A A A . . A A . . . ."),
            (A::ReviewAgreement, ". A A A A . . A A . . . ."),
            (A::TerminateAgreement, ". A A A A . . A A . . . ."),
            (A::ManageIntegrations, "A . . . . . . . . . . . ."),
            (A::ManageWebhooks, "A . . . . . . . . . . . ."),
        ],
        Role::AccountManager => [
            (A::ReadAccount, "A A A A A . . A A . . . ."),
            (A::CreateAccount, "A . . . . . . . . . . . ."),
            (A::UpdateAccount, ". A A F F . . F F . . . ."),
            (A::PromoteToClient, ". . . . . A F . . . . . ."),
            (A::DemoteToCustomer, ". A A F F . . F F . . . ."),
            (A::AssignAccountManager, ". A A F F . . F F A F F A"),
            (A::ChurnAccount, ". A A F F . . F F . . . ."),
            (A::ConfirmAccountDomains, ". A A F F . . F F . . . ."),
            (A::ReadContact, "A A A A A . . A A . . . ."),
            (A::CreateContact, ". A A F F . . A F . . . ."),
            (A::UpdateContact, ". A A F F . . F F . . . ."),
            (A::EraseContact, ". F F F F . . F F . . . ."),
            (A::ReadTeam, "A . . . . . . . . . . . ."),
            (A::ManageTeam, "F . . . . . . . . . . . ."),
            (A::ReadPartners, "A . . . . . . . . . . . ."),
            (A::ManagePartners, "F . . . . . . . . . . . ."),
            (A::ManageTokens, "F . . . . . . . . . . . ."),
            (A::ManageOwnCredentials, "F . . . . . . . . . . . ."),
            (A::ReadAuditLog, "A . . . . . . . . . . . ."),
            (A::ReadAgreement, "A A A A A . . A A . . . ."),
            (A::ReadAgreementTerms, "A A A A A . . A A . . . ."),
            (A::DraftAgreement, ". A A F F . . F F . . . ."),
            (A::ApproveAgreement, ". F F F F . . F F . . . ."),
            (A::RecordMeasurements, ". A A F F . . F F . . . ."),
            (A::RecordInteraction, ". A A F F . . F F . . . ."),
            (A::ReviewAgreement, ". A A F F . . F F . . . ."),
            (A::TerminateAgreement, ". A A F F . . F F . . . ."),
            (A::ManageIntegrations, "F . . . . . . . . . . . ."),
            (A::ManageWebhooks, "F . . . . . . . . . . . ."),
        ],
        Role::SupportAgent => [
            (A::ReadAccount, "A A A A A . . A A . . . ."),
            (A::CreateAccount, "F . . . . . . . . . . . ."),
            (A::UpdateAccount, ". F F F F . . F F . . . ."),
            (A::PromoteToClient, ". . . . . F F . . . . . ."),
            (A::DemoteToCustomer, ". F F F F . . F F . . . ."),
            (A::AssignAccountManager, ". F F F F . . F F F F F F"),
            (A::ChurnAccount, ". F F F F . . F F . . . ."),
            (A::ConfirmAccountDomains, ". F F F F . . F F . . . ."),
            (A::ReadContact, "A A A A A . . A A . . . ."),
            (A::CreateContact, ". A F A F . . A A . . . ."),
            (A::UpdateContact, ". A F A F . . A A . . . ."),
            (A::EraseContact, ". F F F F . . F F . . . ."),
            (A::ReadTeam, "A . . . . . . . . . . . ."),
            (A::ManageTeam, "F . . . . . . . . . . . ."),
            (A::ReadPartners, "A . . . . . . . . . . . ."),
            (A::ManagePartners, "F . . . . . . . . . . . ."),
            (A::ManageTokens, "F . . . . . . . . . . . ."),
            (A::ManageOwnCredentials, "F . . . . . . . . . . . ."),
            (A::ReadAuditLog, "F . . . . . . . . . . . ."),
            (A::ReadAgreement, "A A A A A . . A A . . . ."),
            (A::ReadAgreementTerms, "F F F F F . . F F . . . ."),
            (A::DraftAgreement, ". F F F F . . F F . . . ."),
            (A::ApproveAgreement, ". F F F F . . F F . . . ."),
            (A::RecordMeasurements, ". A A A A . . A A . . . ."),
            (A::RecordInteraction, ". A A A A . . A A . . . ."),
            (A::ReviewAgreement, ". F F F F . . F F . . . ."),
            (A::TerminateAgreement, ". F F F F . . F F . . . ."),
            (A::ManageIntegrations, "F . . . . . . . . . . . ."),
            (A::ManageWebhooks, "F . . . . . . . . . . . ."),
        ],
        Role::Viewer => [
            (A::ReadAccount, "A A A A A . . A A . . . ."),
            (A::CreateAccount, "F . . . . . . . . . . . ."),
            (A::UpdateAccount, ". F F F F . . F F . . . ."),
            (A::PromoteToClient, ". . . . . F F . . . . . ."),
            (A::DemoteToCustomer, ". F F F F . . F F . . . ."),
            (A::AssignAccountManager, ". F F F F . . F F F F F F"),
            (A::ChurnAccount, ". F F F F . . F F . . . ."),
            (A::ConfirmAccountDomains, ". F F F F . . F F . . . ."),
            (A::ReadContact, "A A A A A . . A A . . . ."),
            (A::CreateContact, ". F F F F . . F F . . . ."),
            (A::UpdateContact, ". F F F F . . F F . . . ."),
            (A::EraseContact, ". F F F F . . F F . . . ."),
            (A::ReadTeam, "A . . . . . . . . . . . ."),
            (A::ManageTeam, "F . . . . . . . . . . . ."),
            (A::ReadPartners, "A . . . . . . . . . . . ."),
            (A::ManagePartners, "F . . . . . . . . . . . ."),
            (A::ManageTokens, "F . . . . . . . . . . . ."),
            (A::ManageOwnCredentials, "F . . . . . . . . . . . ."),
            (A::ReadAuditLog, "A . . . . . . . . . . . ."),
            (A::ReadAgreement, "A A A A A . . A A . . . ."),
            (A::ReadAgreementTerms, "A A A A A . . A A . . . ."),
            (A::DraftAgreement, ". F F F F . . F F . . . ."),
            (A::ApproveAgreement, ". F F F F . . F F . . . ."),
            (A::RecordMeasurements, ". F F F F . . F F . . . ."),
            (A::RecordInteraction, ". F F F F . . F F . . . ."),
            (A::ReviewAgreement, ". F F F F . . F F . . . ."),
            (A::TerminateAgreement, ". F F F F . . F F . . . ."),
            (A::ManageIntegrations, "F . . . . . . . . . . . ."),
            (A::ManageWebhooks, "F . . . . . . . . . . . ."),
        ],
        Role::Partner => [
            (A::ReadAccount, "A A A N N . . A A . . . ."),
            (A::CreateAccount, "A . . . . . . . . . . . ."),
            (A::UpdateAccount, ". F F N N . . F F . . . ."),
            (A::PromoteToClient, ". . . . . N N . . . . . ."),
            (A::DemoteToCustomer, ". F F N N . . F F . . . ."),
            (A::AssignAccountManager, ". F F N N . . F F F F F F"),
            (A::ChurnAccount, ". F F N N . . F F . . . ."),
            (A::ConfirmAccountDomains, ". F F N N . . F F . . . ."),
            (A::ReadContact, "A A A N N . . A A . . . ."),
            (A::CreateContact, ". F F N N . . F F . . . ."),
            (A::UpdateContact, ". F F N N . . F F . . . ."),
            (A::EraseContact, ". F F N N . . F F . . . ."),
            (A::ReadTeam, "F . . . . . . . . . . . ."),
            (A::ManageTeam, "F . . . . . . . . . . . ."),
            (A::ReadPartners, "F . . . . . . . . . . . ."),
            (A::ManagePartners, "F . . . . . . . . . . . ."),
            (A::ManageTokens, "F . . . . . . . . . . . ."),
            (A::ManageOwnCredentials, "A . . . . . . . . . . . ."),
            (A::ReadAuditLog, "F . . . . . . . . . . . ."),
            (A::ReadAgreement, "A A A N N . . A A . . . ."),
            (A::ReadAgreementTerms, "F F F N N . . F F . . . ."),
            (A::DraftAgreement, ". F F N N . . F F . . . ."),
            (A::ApproveAgreement, ". F F N N . . F F . . . ."),
            (A::RecordMeasurements, ". F F N N . . F F . . . ."),
            (A::RecordInteraction, ". F F N N . . F F . . . ."),
            (A::ReviewAgreement, ". F F N N . . F F . . . ."),
            (A::TerminateAgreement, ". F F N N . . F F . . . ."),
            (A::ManageIntegrations, "F . . . . . . . . . . . ."),
            (A::ManageWebhooks, "A . . . . . . . . . . . ."),
        ],
    }
}

fn principal(role: Role) -> Principal {
    match role {
        Role::Partner => Principal::Partner {
            partner: MY_PARTNER,
            scopes: Scopes::ALL,
        },
        role => Principal::Staff { member: ME, role },
    }
}

fn account(mine: bool, relationship: RelationshipType, role: Role) -> AccountScope {
    let (partner, manager) = match (role, mine) {
        (Role::Partner, true) => (Some(MY_PARTNER), Some(OTHER_MEMBER)),
        (Role::Partner, false) => (Some(OTHER_PARTNER), Some(OTHER_MEMBER)),
        (_, true) => (Some(OTHER_PARTNER), Some(ME)),
        (_, false) => (Some(MY_PARTNER), Some(OTHER_MEMBER)),
    };
    AccountScope {
        partner,
        manager,
        relationship,
        created_by: None,
    }
}

pub(super) fn resource(column: &str, role: Role) -> Resource {
    use RelationshipType::{Client, Customer};
    let unmanaged = AccountScope {
        partner: None,
        manager: None,
        relationship: Customer,
        created_by: None,
    };
    // For a partner, the creator columns are its own referred accounts.
    let created = AccountScope {
        partner: (role == Role::Partner).then_some(MY_PARTNER),
        created_by: Some(ME),
        ..unmanaged
    };
    match column {
        "G" => Resource::Global,
        "MC" => Resource::Account(account(true, Customer, role)),
        "MK" => Resource::Account(account(true, Client, role)),
        "OC" => Resource::Account(account(false, Customer, role)),
        "OK" => Resource::Account(account(false, Client, role)),
        "PS" => Resource::Promotion {
            account: unmanaged,
            manager: ME,
        },
        "PO" => Resource::Promotion {
            account: unmanaged,
            manager: OTHER_MEMBER,
        },
        "CU" => Resource::Account(created),
        "CM" => Resource::Account(AccountScope {
            manager: Some(OTHER_MEMBER),
            ..created
        }),
        "AS" => Resource::Assignment {
            account: created,
            manager: Some(ME),
        },
        "AO" => Resource::Assignment {
            account: created,
            manager: Some(OTHER_MEMBER),
        },
        "AX" => Resource::Assignment {
            account: AccountScope {
                created_by: Some(OTHER_MEMBER),
                ..created
            },
            manager: Some(ME),
        },
        "AG" => Resource::Assignment {
            account: AccountScope {
                manager: Some(ME),
                created_by: None,
                ..created
            },
            manager: Some(OTHER_MEMBER),
        },
        other => unreachable!("unknown column {other}"),
    }
}

#[test]
fn every_cell_of_the_permission_matrix_decides_as_the_table_says() {
    let mut checked = 0;
    for role in Role::ALL {
        let table = expected(role);
        let actions: Vec<Action> = table.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            actions,
            Action::ALL,
            "the {role} table lists every action once, in order"
        );
        for (action, row) in table {
            let cells: Vec<&str> = row.split(' ').collect();
            assert_eq!(cells.len(), COLUMNS.len(), "{role} {action:?}: row width");
            for (column, cell) in COLUMNS.iter().zip(cells) {
                let want = match cell {
                    "A" => Ok(()),
                    "F" => Err(Denied::Forbidden),
                    "N" => Err(Denied::NotFound),
                    "." => continue,
                    other => panic!("bad cell {other}"),
                };
                let got = authorize(&principal(role), action, &resource(column, role));
                assert_eq!(
                    got, want,
                    "cell (role {role}, action {action:?}, scope {column})"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "walked {checked} cells");
}

#[test]
fn a_partner_never_learns_that_another_partners_account_exists() {
    let other = Resource::Account(account(false, RelationshipType::Customer, Role::Partner));
    for action in Action::ALL {
        assert_eq!(
            authorize(&principal(Role::Partner), action, &other),
            Err(Denied::NotFound),
            "{action:?}"
        );
    }
}

#[test]
fn a_viewer_cannot_do_anything_but_read() {
    let reads = [
        Action::ReadAccount,
        Action::ReadContact,
        Action::ReadTeam,
        Action::ReadPartners,
        Action::ReadAuditLog,
        Action::ReadAgreement,
        Action::ReadAgreementTerms,
    ];
    for action in Action::ALL.into_iter().filter(|a| !reads.contains(a)) {
        for column in COLUMNS {
            assert!(
                authorize(
                    &principal(Role::Viewer),
                    action,
                    &resource(column, Role::Viewer)
                )
                .is_err(),
                "{action:?} {column}"
            );
        }
    }
}
