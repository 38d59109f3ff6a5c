// Standard Webhooks conformance, verified by the `standardwebhooks` npm package (the
// specification's reference library, written by none of us).
//
//   node check.mjs vectors FILE
//       FILE holds `VECTOR {json}` lines printed by the Rust unit test
//       `events::webhooks::sign::tests::vectors_for_the_conformance_check`: a body signed now
//       with two fresh secrets; each secret alone must verify it, a tampered body or another
//       secret must not.
//   node check.mjs deliveries GRAPHQL_URL TOKEN
//       Starts a receiver on 127.0.0.1, registers it as an endpoint, makes events through
//       GraphQL and lets the server's relay deliver them; every request must verify with the
//       endpoint's secret — during a rotation overlap with the old AND the new secret, after an
//       overlap of 0 hours with the new one only — and the delivery log must show them all
//       succeeded.
import { readFileSync } from "node:fs";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

const fail = (msg) => {
  console.error(`webhooks check: FAILED: ${msg}`);
  process.exit(1);
};
const say = (msg) => console.log(`webhooks check: ${msg}`);

function verifies(secret, body, headers) {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

function vectors(file) {
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("VECTOR "));
  if (lines.length === 0) fail(`no VECTOR line in ${file}`);
  const stranger = `whsec_${randomBytes(32).toString("base64")}`;
  for (const line of lines) {
    const v = JSON.parse(line.slice("VECTOR ".length));
    const headers = {
      "webhook-id": v.id,
      "webhook-timestamp": v.timestamp,
      "webhook-signature": v.signature,
    };
    for (const secret of v.secrets) {
      if (!verifies(secret, v.body, headers)) fail(`a signature by one of the rotation's secrets did not verify: ${v.signature}`);
    }
    if (verifies(v.secrets[0], v.body + " ", headers)) fail("a tampered body verified");
    if (verifies(stranger, v.body, headers)) fail("another secret verified");
    if (verifies(v.secrets[0], v.body, { ...headers, "webhook-id": "evt_other" })) fail("another id verified");
  }
  say(`${lines.length} vector(s) verified with standardwebhooks (each secret of a rotation alone; tampering refused)`);
}

async function gql(url, token, query, variables) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) fail(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function waitFor(what, predicate, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`${what} within ${seconds} s (is the event relay running in the server?)`);
}

async function deliveries(url, token) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const hook = `http://127.0.0.1:${server.address().port}/hook`;

  const created = await gql(
    url,
    token,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { id } } }`,
    { input: { url: hook, eventTypes: ["account.created"], description: "standardwebhooks conformance" } },
  );
  const endpoint = created.createWebhookEndpoint.webhookEndpoint.id;
  const secrets = [created.createWebhookEndpoint.secret];

  const phases = [];
  let made = 0;
  async function phase(name, count, mustVerify, mustNot) {
    const from = received.length;
    for (let i = 0; i < count; i++) {
      made += 1;
      await gql(
        url,
        token,
        `mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }`,
        { input: { name: `Webhook conformance ${made}`, kind: "ORGANIZATION", acquisitionChannel: "DIRECT" } },
      );
    }
    await waitFor(`${count} deliveries (${name}) did not arrive`, () => received.length >= from + count);
    for (const r of received.slice(from)) {
      const headers = {
        "webhook-id": r.headers["webhook-id"],
        "webhook-timestamp": r.headers["webhook-timestamp"],
        "webhook-signature": r.headers["webhook-signature"],
      };
      for (const s of mustVerify) {
        if (!verifies(s, r.body, headers)) fail(`${name}: a delivery did not verify with a secret that signs it (${headers["webhook-signature"]})`);
      }
      for (const s of mustNot) {
        if (verifies(s, r.body, headers)) fail(`${name}: a delivery still verified with a retired secret`);
      }
      const event = JSON.parse(r.body);
      if (event.id !== headers["webhook-id"]) fail(`${name}: webhook-id ${headers["webhook-id"]} is not the event id ${event.id}`);
      if (r.headers["content-type"] !== "application/json") fail(`${name}: content-type ${r.headers["content-type"]}`);
    }
    phases.push(`${name}: ${received.length - from} verified`);
  }

  await phase("one secret", 3, [secrets[0]], []);
  const rotate = `mutation($input: RotateWebhookEndpointSecretInput!) { rotateWebhookEndpointSecret(input: $input) { secret } }`;
  secrets.push((await gql(url, token, rotate, { input: { endpointId: endpoint, overlapHours: 1 } })).rotateWebhookEndpointSecret.secret);
  await phase("rotation overlap (old and new)", 3, [secrets[0], secrets[1]], []);
  secrets.push((await gql(url, token, rotate, { input: { endpointId: endpoint, overlapHours: 0 } })).rotateWebhookEndpointSecret.secret);
  await phase("after a 0-hour overlap (new only)", 3, [secrets[2]], [secrets[0], secrets[1]]);

  const ids = new Set(received.map((r) => r.headers["webhook-id"]));
  if (ids.size !== made) fail(`${made} events made, ${ids.size} distinct webhook-ids received`);
  await waitFor("the delivery log did not show every delivery succeeded", async () => {
    const d = await gql(url, token, `{ webhookEndpoints(first: 10) { nodes { id deliveries(first: 1, state: SUCCEEDED) { totalCount } } } }`, {});
    const node = d.webhookEndpoints.nodes.find((n) => n.id === endpoint);
    return node && node.deliveries.totalCount === made;
  });
  server.close();
  say(`${received.length} deliveries verified with standardwebhooks; ${phases.join("; ")}`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "vectors") vectors(args[0]);
else if (mode === "deliveries") await deliveries(args[0], args[1]);
else fail(`unknown mode ${mode}: vectors FILE | deliveries GRAPHQL_URL TOKEN`);
