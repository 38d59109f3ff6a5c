"""What `rapport demo-data` does not make and the queries need: account managers, client
accounts and agreements. Written through Rapport's own API (so every domain rule holds), in
the same order on every database, so the ids match across PostgreSQL and SQLite."""

from queries import rapport_gid
from servers import die, post


def _ok(server, doc, variables):
    status, body = post(server.port, doc, variables, server.token)
    if status != 200 or body.get("errors"):
        die(f"fixture on {server.name} failed: {status} {str(body)[:400]}")
    return body["data"]


def add_clients_and_agreements(server, accounts):
    """One account manager per 20 accounts; every 4th account (ids 1, 5, 9, …) promoted to
    CLIENT under a manager taken in turn; one draft agreement (with its summary) per client.
    Returns (managers, clients)."""
    managers = []
    for i in range(max(1, accounts // 20)):
        data = _ok(
            server,
            "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) "
            "{ teamMember { id } } }",
            {
                "input": {
                    "name": f"Manager {i}",
                    "email": f"manager-{i}@example.com",
                    "role": "ACCOUNT_MANAGER",
                    "subject": f"manager-{i}",
                }
            },
        )
        managers.append(data["createTeamMember"]["teamMember"]["id"])
    clients = 0
    for n in range(1, accounts + 1, 4):
        account = rapport_gid("Account", n)
        _ok(
            server,
            "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) "
            "{ account { id } } }",
            {
                "input": {
                    "accountId": account,
                    "accountManagerId": managers[clients % len(managers)],
                    "reason": "signed a retainer",
                    "expectedVersion": 1,
                }
            },
        )
        _ok(
            server,
            "mutation($input: CreateAgreementDraftInput!) { createAgreementDraft(input: $input) "
            "{ agreement { id } } }",
            {
                "input": {
                    "accountId": account,
                    "sections": {
                        "summary": {
                            "title": f"Retainer {n}",
                            "purpose": "Monthly account management and reporting.",
                            "effectiveFrom": "2026-01-01",
                            "billingCadence": "MONTHLY",
                        }
                    },
                }
            },
        )
        clients += 1
    return len(managers), clients
