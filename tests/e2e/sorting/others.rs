//! The other connections: team members and partners by NAME and CREATED_AT, the audit log and
//! sync failures by CREATED_AT.

use rapport_tests::spawn_app;
use serde_json::json;

use super::{Conn, Read, query};

#[tokio::test]
async fn team_partners_and_audit_sort_by_their_fields() {
    let app = spawn_app().await;
    for name in ["zoe", "Adam", "adam", "Émile", "bea"] {
        app.gql(
            "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } } }",
            json!({"input": {"name": name, "email": format!("{}-{}@example.com", name.len(), uuid::Uuid::new_v4().simple()), "role": "VIEWER", "subject": uuid::Uuid::new_v4().simple().to_string()}}),
        )
        .await
        .ok();
        app.partner(&format!("{name} partners")).await;
    }
    let admin = app.admin_token.clone();
    let team = Conn {
        app: &app,
        token: admin.clone(),
        query: query("TeamMemberOrder", None, "teamMembers", "", "name"),
        path: "/teamMembers",
        vars: json!({}),
    };
    let fields = [("NAME", Read::Text("/name")), ("CREATED_AT", Read::IdOrder)];
    assert!(team.check_fields(&fields, 2).await >= 5);
    let partners = Conn {
        app: &app,
        token: admin.clone(),
        query: query("PartnerOrder", None, "partners", "", "name"),
        path: "/partners",
        vars: json!({}),
    };
    assert_eq!(partners.check_fields(&fields, 2).await, 5);
    let audit = Conn {
        app: &app,
        token: admin.clone(),
        query: query("AuditEntryOrder", None, "auditLog", "", "at"),
        path: "/auditLog",
        vars: json!({}),
    };
    assert!(
        audit
            .check_fields(&[("CREATED_AT", Read::Instant("/at"))], 4)
            .await
            >= 10
    );
    // Sync failures take the argument too (no failures here: the list is empty).
    for dir in ["ASC", "DESC"] {
        let res = app
            .gql(
                "query($o: [SyncJobOrder!]) { syncFailures(first: 5, orderBy: $o) { nodes { provider } pageInfo { hasNextPage } } }",
                json!({"o": [{"field": "CREATED_AT", "direction": dir}]}),
            )
            .await
            .ok();
        assert_eq!(res.data("/syncFailures/nodes"), &json!([]));
    }
}
