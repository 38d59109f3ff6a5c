// GraphQL subscriptions with the graphql-ws client (protocol graphql-transport-ws) against a
// running Rapport: node check.mjs http://127.0.0.1:PORT/graphql ADMIN_TOKEN
//   1. an admin's client subscribes to eventReceived, an account is created over HTTP, the
//      client receives its account.created event;
//   2. a partner's client does not receive an event about another partner's account (it
//      receives its own account's event first);
//   3. a bad token is refused (close 4403);
//   4. revoking the token of a connected partner client closes it (4403) within seconds.
// Exits non-zero on the first failed expectation.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [httpUrl, adminToken] = process.argv.slice(2);
if (!httpUrl || !adminToken) {
  console.error("usage: node check.mjs HTTP_GRAPHQL_URL ADMIN_TOKEN");
  process.exit(2);
}
const wsUrl = httpUrl.replace(/^http/, "ws");
const metricsUrl = httpUrl.replace(/\/graphql$/, "/metrics");
const WAIT_MS = 5000;

function fail(message) {
  console.error(`subscriptions: FAIL: ${message}`);
  process.exit(1);
}

async function gql(token, query, variables = {}) {
  const res = await fetch(httpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) fail(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function live() {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split("\n").find((l) => l.startsWith("rapport_subscriptions_live "));
  return line ? Number(line.split(" ")[1]) : -1;
}

/// Waits until the server has at least `n` listening subscriptions.
async function untilLive(n) {
  const deadline = Date.now() + 10000;
  while ((await live()) < n) {
    if (Date.now() > deadline) fail(`${n} subscriptions never listened`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/// A client for `token`; `closed` resolves with the close code.
function client(token) {
  let closedWith;
  const closed = new Promise((resolve) => (closedWith = resolve));
  const c = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => closedWith(event?.code) },
    onNonLazyError: () => {},
  });
  return { c, closed };
}

/// Subscribes and returns a queue of received payloads.
function subscribe(c, query, variables = {}) {
  const got = [];
  const waiters = [];
  const errors = [];
  c.subscribe(
    { query, variables },
    {
      next: (value) => {
        got.push(value);
        waiters.splice(0).forEach((w) => w());
      },
      error: (err) => {
        errors.push(err);
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => {},
    },
  );
  return {
    async next(what) {
      const deadline = Date.now() + WAIT_MS;
      while (got.length === 0) {
        if (errors.length) fail(`${what}: ${JSON.stringify(errors[0])}`);
        const left = deadline - Date.now();
        if (left <= 0) fail(`${what}: nothing within ${WAIT_MS} ms`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, left);
        });
      }
      const value = got.shift();
      if (value.errors) fail(`${what}: ${JSON.stringify(value.errors)}`);
      return value.data;
    },
  };
}

function within(promise, ms, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]).catch((e) => fail(e.message));
}

const EVENTS = `subscription($types: [String!]) {
  eventReceived(types: $types) { id type aggregateId aggregateType accountId actor { kind name } data }
}`;
const CREATE_ACCOUNT = `mutation($name: String!) {
  createAccount(input: {name: $name, kind: ORGANIZATION, acquisitionChannel: DIRECT}) { account { id } }
}`;

async function partner(name) {
  const { createPartner } = await gql(adminToken, "mutation($n: String!) { createPartner(input: {name: $n}) { partner { id } } }", { n: name });
  const { issuePartnerToken } = await gql(
    adminToken,
    "mutation($id: ID!) { issuePartnerToken(input: {partnerId: $id}) { token tokenId } }",
    { id: createPartner.partner.id },
  );
  return issuePartnerToken;
}

// 1. An admin receives an account created over HTTP.
const admin = client(adminToken);
const adminEvents = subscribe(admin.c, EVENTS, { types: ["account.created"] });
await untilLive(1);
const { createAccount } = await gql(adminToken, CREATE_ACCOUNT, { name: "Made over HTTP" });
const received = await adminEvents.next("the admin's account.created");
if (received.eventReceived.type !== "account.created") fail(`type ${received.eventReceived.type}`);
if (received.eventReceived.aggregateId !== createAccount.account.id) fail("another account's event");
if (!received.eventReceived.id.startsWith("evt_")) fail(`event id ${received.eventReceived.id}`);
console.log("subscriptions: ok: an admin received account.created for the account made over HTTP");

// 2. A partner receives only its own accounts' events.
const mine = await partner("Mine");
const theirs = await partner("Theirs");
const partnerClient = client(mine.token);
const partnerEvents = subscribe(partnerClient.c, EVENTS);
await untilLive(2);
const foreign = (await gql(theirs.token, CREATE_ACCOUNT, { name: "Theirs referred" })).createAccount.account.id;
const own = (await gql(mine.token, CREATE_ACCOUNT, { name: "Mine referred" })).createAccount.account.id;
const first = (await partnerEvents.next("the partner's own account")).eventReceived;
if (first.accountId === foreign) fail("a partner received another partner's account's event");
if (first.accountId !== own) fail(`a partner's first event is about ${first.accountId}, not its own ${own}`);
console.log("subscriptions: ok: a partner received its own account's event, not another partner's");

// 3. A bad token is refused.
const bad = client("not-a-token");
const badCode = await within(bad.closed, WAIT_MS, "the bad token's close");
if (badCode !== 4403) fail(`a bad token was closed with ${badCode}, not 4403`);
console.log("subscriptions: ok: a bad token was refused with 4403");

// 4. Revoking a connected client's token disconnects it within seconds.
const revoked = await partner("Revoked");
const revokedClient = client(revoked.token);
subscribe(revokedClient.c, EVENTS);
await untilLive(3);
const revokedAt = Date.now();
await gql(adminToken, "mutation($id: String!) { revokeToken(input: {tokenId: $id}) { tokenId } }", { id: revoked.tokenId });
const revokedCode = await within(revokedClient.closed, 6000, "the revoked client's disconnection");
if (revokedCode !== 4403) fail(`the revoked client was closed with ${revokedCode}, not 4403`);
console.log(`subscriptions: ok: the revoked client was disconnected (4403) after ${Date.now() - revokedAt} ms`);

await Promise.all([admin.c.dispose(), partnerClient.c.dispose()]);
console.log("subscriptions: ok");
process.exit(0);
