"""The benchmark's queries, written for each server, and how their answers are reduced to
plain rows so that "the same rows on every server" is a plain equality."""

import base64

from servers import die, log, post


def raw_id(value):
    """A database id from Rapport's opaque global id (base64url of `Type:n`) or from
    PostGraphile's bigint (a string)."""
    if value is None:
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    padded = text + "=" * (-len(text) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])


def rapport_gid(kind, n):
    return base64.urlsafe_b64encode(f"{kind}:{n}".encode()).decode().rstrip("=")


def _account(a, manager_key=None):
    if a is None:
        return (None,)
    row = (raw_id(a["id"]), a["name"])
    if manager_key:
        m = a.get(manager_key)
        row += (raw_id(m["id"]), m["name"]) if m else (None, None)
    return row


def _contact(c, account_key, manager_key=None):
    return (
        raw_id(c["id"]),
        c["firstName"],
        c["lastName"],
        c["email"],
    ) + _account(c[account_key], manager_key)


class Query:
    """One measured query: a document (and variables) per server family, and a function
    reducing each family's answer to rows."""

    def __init__(self, key, title, rapport, postgraphile=None):
        self.key, self.title = key, title
        self.rapport = rapport  # (document, variables, rows(data))
        self.postgraphile = postgraphile  # same, or None: Rapport only


def queries(contacts):
    one = contacts // 2 + 1
    return [
        Query(
            "list",
            "50 contacts + account + account manager",
            (
                "{ contacts(first: 50) { nodes { id firstName lastName email "
                "account { id name accountManager { id name } } } } }",
                {},
                lambda d: [_contact(c, "account", "accountManager") for c in d["contacts"]["nodes"]],
            ),
            (
                "{ allContacts(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id firstName "
                "lastName email accountByAccountId { id name teamMemberByAccountManagerId "
                "{ id name } } } } }",
                {},
                lambda d: [
                    _contact(c, "accountByAccountId", "teamMemberByAccountManagerId")
                    for c in d["allContacts"]["nodes"]
                ],
            ),
        ),
        Query(
            "one",
            "one contact by id + account",
            (
                "query($id: ID!) { contact(id: $id) { id firstName lastName email "
                "account { id name } } }",
                {"id": rapport_gid("Contact", one)},
                lambda d: [_contact(d["contact"], "account")],
            ),
            (
                "query($id: BigInt!) { contactById(id: $id) { id firstName lastName email "
                "accountByAccountId { id name } } }",
                {"id": str(one)},
                lambda d: [_contact(d["contactById"], "accountByAccountId")],
            ),
        ),
        Query(
            "agreements",
            "50 agreements + account",
            (
                "{ agreements(first: 50) { nodes { id status account { id name } } } }",
                {},
                lambda d: [
                    (raw_id(a["id"]), a["status"].upper()) + _account(a["account"])
                    for a in d["agreements"]["nodes"]
                ],
            ),
            (
                "{ allAgreements(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id status "
                "accountByAccountId { id name } } } }",
                {},
                lambda d: [
                    (raw_id(a["id"]), a["status"].upper()) + _account(a["accountByAccountId"])
                    for a in d["allAgreements"]["nodes"]
                ],
            ),
        ),
        Query(
            "summary",
            "50 agreements: summary + compliance (Rapport only)",
            (
                "{ agreements(first: 50) { nodes { id summary { title effectiveFrom "
                "billingCadence } compliance(period: \"2026-06-15\") { overall periodStart "
                "periodEnd } } } }",
                {},
                lambda d: [
                    (
                        raw_id(a["id"]),
                        a["summary"]["title"] if a["summary"] else None,
                        a["compliance"]["overall"],
                        a["compliance"]["periodStart"],
                    )
                    for a in d["agreements"]["nodes"]
                ],
            ),
        ),
        Query(
            "typename",
            "`{ __typename }` (Rapport with a valid token)",
            ("{ __typename }", {}, lambda d: [(d["__typename"],)]),
            ("{ __typename }", {}, lambda d: [(d["__typename"],)]),
        ),
    ]


def document(query, server):
    return query.rapport if server.kind == "rapport" else query.postgraphile


def answer_rows(query, server):
    doc, variables, reduce = document(query, server)
    status, body = post(server.port, doc, variables, server.token)
    if status != 200 or body.get("errors") or "data" not in body:
        die(f"{server.name} answered {query.key} with {status}: {str(body)[:400]}")
    return reduce(body["data"])


def check_same_rows(query, servers):
    """Fails loudly unless every server answers `query` with the same, non-empty rows."""
    answers = {s.name: answer_rows(query, s) for s in servers}
    first_name, first = next(iter(answers.items()))
    if not first:
        die(f"{query.key}: {first_name} answered no rows; the data set is wrong")
    for name, rows in answers.items():
        if rows != first:
            diff = next((i for i, (a, b) in enumerate(zip(first, rows)) if a != b), None)
            die(
                f"{query.key}: {name} differs from {first_name} "
                f"({len(rows)} vs {len(first)} rows; first difference at row {diff}: "
                f"{rows[diff] if diff is not None else '-'} vs "
                f"{first[diff] if diff is not None else '-'})"
            )
    log(f"{query.key}: {len(first)} identical rows from {', '.join(answers)}")
