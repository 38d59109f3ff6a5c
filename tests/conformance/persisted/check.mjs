// Persisted queries with Apollo Client's own persisted-query link, against a
// running Rapport. Three commands:
//
//   node check.mjs documents FILE
//       writes the trusted-documents file for the operations below: a JSON
//       object mapping each operation's SHA-256 to its text, exactly as Apollo
//       Client sends it (the cache adds __typename), which is the shape
//       graphql-codegen's client preset (persistedDocuments) writes.
//   node check.mjs apq URL TOKEN
//       automatic persisted queries: the first query sends its hash by GET, gets
//       PersistedQueryNotFound, falls back to POST with the text (registering
//       it); a second client sends the hash alone by GET and gets data; a
//       mutation goes by POST (never GET), falls back once, then runs by hash.
//   node check.mjs trusted URL TOKEN
//       trusted-documents mode (the server started with the file above): the
//       registered query and mutation run by hash with one request each; an
//       unregistered query is refused with PERSISTED_QUERY_NOT_ALLOWED.
//
// Exits 1 naming the first expectation that failed.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { print } from "@apollo/client/utilities";
import { of } from "rxjs";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

const VIEWER = gql`
  query PersistedViewer {
    viewer {
      subject
      role
    }
  }
`;
const PARTNERS = gql`
  query PersistedPartners {
    partners(first: 5) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`;
const CREATE_PARTNER = gql`
  mutation PersistedCreatePartner($name: String!) {
    createPartner(input: { name: $name }) {
      partner {
        id
        name
      }
    }
  }
`;
// Not in the documents file: trusted mode must refuse it.
const UNREGISTERED = gql`
  query NotRegistered {
    viewer {
      role
    }
  }
`;
const REGISTERED = [VIEWER, PARTNERS, CREATE_PARTNER];

function fail(message) {
  console.error(`persisted: FAIL: ${message}`);
  process.exit(1);
}

function expect(condition, message) {
  if (!condition) fail(message);
  console.log(`persisted: ok: ${message}`);
}

/// An Apollo Client over the persisted-query link whose fetches are recorded.
function client(url, token) {
  const requests = [];
  const recordingFetch = async (input, init = {}) => {
    const method = (init.method ?? "GET").toUpperCase();
    const target = new URL(String(input));
    const body = init.body ? JSON.parse(init.body) : null;
    const res = await fetch(input, init);
    const text = await res.clone().text();
    requests.push({
      method,
      hasQuery: body ? typeof body.query === "string" : target.searchParams.has("query"),
      hasHash: JSON.stringify(body?.extensions ?? target.searchParams.get("extensions") ?? "")
        .includes("sha256Hash"),
      status: res.status,
      answer: text,
    });
    return res;
  };
  const link = ApolloLink.from([
    new PersistedQueryLink({ sha256, useGETForHashedQueries: true }),
    new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` }, fetch: recordingFetch }),
  ]);
  const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
  return { apollo, requests };
}

function describe(requests) {
  return JSON.stringify(requests.map(({ answer, ...r }) => ({ ...r, answer: answer.slice(0, 160) })));
}

async function writeDocuments(file) {
  // The documents a client build would register: what the link hashes is
  // print(operation.query) after the cache's transform, so capture exactly that.
  const documents = {};
  const capture = new ApolloLink((operation) => {
    const text = print(operation.query);
    documents[sha256(text)] = text;
    return of({ data: null });
  });
  const apollo = new ApolloClient({ link: capture, cache: new InMemoryCache() });
  for (const query of REGISTERED) {
    const isMutation = query.definitions.some((d) => d.operation === "mutation");
    await (isMutation
      ? apollo.mutate({ mutation: query, variables: { name: "x" } }).catch(() => {})
      : apollo.query({ query, fetchPolicy: "network-only" }).catch(() => {}));
  }
  const count = Object.keys(documents).length;
  if (count !== REGISTERED.length) fail(`captured ${count} documents, expected ${REGISTERED.length}`);
  writeFileSync(file, JSON.stringify(documents, null, 2));
  console.log(`persisted: wrote ${count} trusted documents to ${file}`);
}

async function apq(url, token) {
  const first = client(url, token);
  const one = await first.apollo.query({ query: VIEWER, fetchPolicy: "network-only" });
  expect(one.data?.viewer?.role === "ADMIN", "the first query answers data");
  const [miss, register, ...rest] = first.requests;
  expect(
    first.requests.length === 2 && rest.length === 0,
    `the first query took two requests: ${describe(first.requests)}`,
  );
  expect(
    miss.method === "GET" && miss.hasHash && !miss.hasQuery && miss.status === 200 &&
      miss.answer.includes("PersistedQueryNotFound"),
    "first: GET with the hash alone, answered 200 PersistedQueryNotFound",
  );
  expect(
    register.method === "POST" && register.hasQuery && register.hasHash && register.status === 200,
    "then: POST with the text and its hash (the server registers it)",
  );

  const second = client(url, token);
  const two = await second.apollo.query({ query: VIEWER, fetchPolicy: "network-only" });
  expect(two.data?.viewer?.subject === "bootstrap-admin", "a second client gets data by hash");
  expect(
    second.requests.length === 1 && second.requests[0].method === "GET" &&
      !second.requests[0].hasQuery && second.requests[0].status === 200,
    `a second client: one GET with the hash alone: ${describe(second.requests)}`,
  );

  const created = await second.apollo.mutate({ mutation: CREATE_PARTNER, variables: { name: "APQ One" } });
  expect(created.data?.createPartner?.partner?.name === "APQ One", "a mutation runs");
  const mutationRequests = second.requests.slice(1);
  expect(
    mutationRequests.every((r) => r.method === "POST") && mutationRequests.length === 2,
    `a mutation goes by POST only, hash then text: ${describe(mutationRequests)}`,
  );
  const again = await second.apollo.mutate({ mutation: CREATE_PARTNER, variables: { name: "APQ Two" } });
  expect(again.data?.createPartner?.partner?.name === "APQ Two", "the mutation runs again");
  const last = second.requests.slice(3);
  expect(
    last.length === 1 && last[0].method === "POST" && !last[0].hasQuery,
    `the second run of the mutation sends its hash alone: ${describe(last)}`,
  );
}

async function trusted(url, token) {
  const c = client(url, token);
  const viewer = await c.apollo.query({ query: VIEWER, fetchPolicy: "network-only" });
  expect(viewer.data?.viewer?.role === "ADMIN", "a registered query runs");
  const created = await c.apollo.mutate({ mutation: CREATE_PARTNER, variables: { name: "Trusted" } });
  expect(created.data?.createPartner?.partner?.name === "Trusted", "a registered mutation runs");
  const partners = await c.apollo.query({ query: PARTNERS, fetchPolicy: "network-only" });
  expect(
    partners.data?.partners?.edges?.some((e) => e.node.name === "Trusted"),
    "a second registered query runs",
  );
  expect(
    c.requests.length === 3 && c.requests.every((r) => !r.hasQuery && r.status === 200),
    `each ran by its hash alone, in one request: ${describe(c.requests)}`,
  );
  expect(
    c.requests[0].method === "GET" && c.requests[1].method === "POST",
    "queries by GET, the mutation by POST",
  );
  let refused = null;
  try {
    await c.apollo.query({ query: UNREGISTERED, fetchPolicy: "network-only" });
  } catch (error) {
    refused = error;
  }
  const answer = c.requests.slice(3).map((r) => r.answer).join("\n");
  expect(refused !== null, "an unregistered query is refused");
  expect(
    answer.includes("PERSISTED_QUERY_NOT_ALLOWED"),
    `the refusal says PERSISTED_QUERY_NOT_ALLOWED: ${describe(c.requests.slice(3))}`,
  );
}

const [command, ...args] = process.argv.slice(2);
try {
  if (command === "documents" && args.length === 1) await writeDocuments(args[0]);
  else if (command === "apq" && args.length === 2) await apq(...args);
  else if (command === "trusted" && args.length === 2) await trusted(...args);
  else fail("usage: check.mjs documents FILE | apq URL TOKEN | trusted URL TOKEN");
} catch (error) {
  fail(`${error?.name ?? "error"}: ${error?.message ?? error}`);
}
