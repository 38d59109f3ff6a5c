// GraphQL-over-HTTP conformance audit for a running Rapport server.
//
// Usage: node audit.mjs <graphql-url> <bearer-token>
//
// Runs every server audit shipped by the pinned `graphql-http` package. Every
// request carries `Authorization: Bearer <token>` because Rapport refuses
// anonymous requests; without it every audit would only measure the 401 path.
//
// Exit status: 0 when every MUST audit passes, 1 when a MUST audit fails or an
// audit could not run at all (network error, timeout), 2 on bad usage.
// SHOULD and MAY audits never fail the run; the ones not met are listed.

import { serverAudits } from 'graphql-http';

const REQUEST_TIMEOUT_MS = Number(process.env.AUDIT_REQUEST_TIMEOUT_MS ?? 15_000);
const BODY_PREVIEW_CHARS = 300;

function usage(message) {
  if (message) console.error(`audit: ${message}`);
  console.error('usage: node audit.mjs <graphql-url> <bearer-token>');
  process.exit(2);
}

function parseArgs(argv) {
  if (argv.length !== 2) usage(`expected 2 arguments, got ${argv.length}`);
  const [rawUrl, token] = argv;
  let url;
  try {
    url = new URL(rawUrl);
  } catch {
    usage(`not a URL: ${rawUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    usage(`URL must be http(s): ${rawUrl}`);
  }
  if (!token || /\s/.test(token)) usage('the bearer token is empty or contains whitespace');
  return { url: url.toString(), token };
}

// A fetch that adds the bearer token and a timeout to whatever the audit sends.
// Audits call it as fetch(url) or fetch(url, { method, headers, body }) with
// headers as a plain object; `new Headers` accepts every shape, including none.
// Only the Authorization header is added: the audits deliberately vary (or
// omit) Accept and Content-Type, so those must pass through untouched.
function authorizedFetch(token) {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, {
      ...init,
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  };
}

function levelOf(name) {
  const level = name.split(' ', 1)[0];
  return level === 'MUST' || level === 'SHOULD' || level === 'MAY' ? level : 'UNKNOWN';
}

// What the server actually answered, so a failure can be fixed without
// re-running the request by hand. The body may already have been read by the
// audit (it then hands us a clone), so reading it can fail: that is fine.
async function describeResponse(response) {
  if (!response || typeof response.status !== 'number') return undefined;
  const type = response.headers.get('content-type') ?? '(none)';
  let body = '';
  try {
    body = (await response.text()).replace(/\s+/g, ' ').trim();
  } catch {
    body = '(body already consumed)';
  }
  if (body.length > BODY_PREVIEW_CHARS) body = `${body.slice(0, BODY_PREVIEW_CHARS)}…`;
  return `got ${response.status}, content-type: ${type}, body: ${body || '(empty)'}`;
}

// Runs one audit. The package reports assertion failures as results and throws
// only when the audit itself could not run; that is reported as status 'fatal'.
async function runOne(audit) {
  try {
    const result = await audit.fn();
    return {
      id: audit.id,
      name: audit.name,
      level: levelOf(audit.name),
      status: result.status,
      reason: result.status === 'ok' ? undefined : result.reason,
      detail: result.status === 'ok' ? undefined : await describeResponse(result.response),
    };
  } catch (err) {
    const cause = err?.cause?.message ? ` (${err.cause.message})` : '';
    return {
      id: audit.id,
      name: audit.name,
      level: levelOf(audit.name),
      status: 'fatal',
      reason: `audit could not run: ${err?.message ?? String(err)}${cause}`,
      detail: undefined,
    };
  }
}

function printResult(r) {
  console.log(`${r.status.padEnd(6)}  ${r.name}`);
  if (r.status !== 'ok') {
    console.log(`        [${r.id}] ${r.reason}`);
    if (r.detail) console.log(`        ${r.detail}`);
  }
}

// One plain request before the audits, so an unreachable server or a rejected
// token is reported once and plainly instead of as sixty unrelated failures.
async function preflight(url, fetchFn) {
  let response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
  } catch (err) {
    const cause = err?.cause?.message ? ` (${err.cause.message})` : '';
    return `cannot reach ${url}: ${err?.message ?? String(err)}${cause}`;
  }
  if (response.status === 401 || response.status === 403) {
    return `the server rejected the bearer token: ${await describeResponse(response)}`;
  }
  await response.body?.cancel();
  return undefined;
}

async function main() {
  const { url, token } = parseArgs(process.argv.slice(2));
  const fetchFn = authorizedFetch(token);

  const problem = await preflight(url, fetchFn);
  if (problem) {
    console.log(`audit: ${problem}`);
    console.log('audit: 0 passed, 1 failed');
    process.exitCode = 1;
    return;
  }

  const audits = serverAudits({ url, fetchFn });

  console.log(`audit: ${audits.length} GraphQL-over-HTTP audits against ${url}`);

  // One at a time, in the package's order: the output is stable between runs
  // and a burst of concurrent requests cannot trip the server's rate limiter.
  const results = [];
  for (const audit of audits) {
    const result = await runOne(audit);
    printResult(result);
    results.push(result);
  }

  const must = results.filter((r) => r.level === 'MUST');
  const mustFailed = must.filter((r) => r.status !== 'ok');
  const notMet = (level) => results.filter((r) => r.level === level && r.status !== 'ok' && r.status !== 'fatal');
  const shouldNotMet = notMet('SHOULD');
  const mayNotMet = notMet('MAY');
  // A SHOULD or MAY audit that could not even send its request points at a
  // broken server or network, not at an optional feature: it fails the run.
  const fatalOther = results.filter((r) => r.level !== 'MUST' && r.status === 'fatal');

  console.log('');
  if (fatalOther.length > 0) {
    console.log(`could not run: ${fatalOther.length}`);
    for (const r of fatalOther) console.log(`  [${r.id}] ${r.name}: ${r.reason}`);
  }
  console.log(`MAY not met: ${mayNotMet.length} (informational)`);
  for (const r of mayNotMet) console.log(`  [${r.id}] ${r.name}`);
  if (mustFailed.length > 0) {
    console.log(`MUST not met: ${mustFailed.length}`);
    for (const r of mustFailed) console.log(`  [${r.id}] ${r.name}: ${r.reason}`);
  }
  console.log(`audit: ${must.length - mustFailed.length} passed, ${mustFailed.length} failed`);
  console.log(`SHOULD not met: ${shouldNotMet.length}`);
  for (const r of shouldNotMet) console.log(`  [${r.id}] ${r.name}: ${r.reason}`);

  process.exitCode = mustFailed.length > 0 || fatalOther.length > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(`audit: ${err?.stack ?? err}`);
  process.exitCode = 1;
});
