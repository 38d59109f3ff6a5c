// Headless Chromium against a running Rapport (run-browser.sh starts it):
//
// 1. CORS: a page served from the allowed origin (a second local origin) fetch()es
//    the API with a bearer token and reads the answer; the same page served from a
//    third origin, not allowed, is blocked (fetch rejects, Chromium says CORS).
// 2. GraphiQL offline: with every host name unresolvable and every request
//    intercepted, /graphql#token=… loads from 127.0.0.1 alone, runs a query and
//    shows its result, opens the docs pane and shows the schema's types; the token
//    leaves the address bar and is not in localStorage; no Content-Security-Policy
//    violation. A screenshot is saved and its path printed.
//
// Usage: node check.mjs --chromium BIN --api http://127.0.0.1:PORT --token JWT
//          --allowed-port PORT --artifacts DIR
// Exits 1 naming each failed expectation.
import { createServer } from "node:http";
import { readFile, mkdtemp, rm, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";

const { values: args } = parseArgs({
  options: {
    chromium: { type: "string" },
    api: { type: "string" },
    token: { type: "string" },
    "allowed-port": { type: "string" },
    artifacts: { type: "string" },
  },
});
for (const name of ["chromium", "api", "token", "allowed-port", "artifacts"]) {
  if (!args[name]) {
    console.error(`check.mjs: --${name} is required`);
    process.exit(2);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const failures = [];
const log = (msg) => console.log(`browser: ${msg}`);
function expect(cond, what) {
  if (cond) {
    log(`ok   ${what}`);
  } else {
    log(`FAIL ${what}`);
    failures.push(what);
  }
}

// The frontend page, served from one origin per server.
async function serveFrontend(port) {
  const files = {
    "/": ["index.html", "text/html; charset=utf-8"],
    "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  };
  const server = createServer(async (req, res) => {
    const file = files[new URL(req.url, "http://x").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file[1] });
    res.end(await readFile(join(here, "page", file[0])));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return server;
}

const userDataDir = await mkdtemp(join(tmpdir(), "rapport-chromium-"));
await mkdir(args.artifacts, { recursive: true });
const servers = [];
let browser;
try {
  servers.push(await serveFrontend(Number(args["allowed-port"])));
  servers.push(await serveFrontend(0));
  const allowed = `http://127.0.0.1:${servers[0].address().port}`;
  const other = `http://127.0.0.1:${servers[1].address().port}`;
  const endpoint = `${args.api}/graphql`;

  browser = await puppeteer.launch({
    executablePath: args.chromium,
    headless: true,
    userDataDir,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // No network but loopback: every host name fails to resolve.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
  log(`Chromium ${await browser.version()}`);

  // Every request of every page must go to this machine.
  const offMachine = [];
  async function newPage() {
    const page = await browser.newPage();
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      const url = new URL(req.url());
      if (url.protocol === "data:" || url.protocol === "blob:" || url.hostname === "127.0.0.1") {
        req.continue();
      } else {
        offMachine.push(req.url());
        req.abort("blockedbyclient");
      }
    });
    const consoleLines = [];
    page.on("console", (msg) => consoleLines.push(msg.text()));
    page.on("pageerror", (err) => consoleLines.push(`page error: ${err.message}`));
    await page.evaluateOnNewDocument(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    return { page, consoleLines };
  }

  // --- 1. CORS -------------------------------------------------------------
  {
    const { page } = await newPage();
    await page.goto(`${allowed}/`, { waitUntil: "load" });
    const res = await page.evaluate((e, t) => window.callApi(e, t), endpoint, args.token);
    expect(
      res.ok && res.status === 200 && res.body?.data?.viewer?.subject === "bootstrap-admin",
      `from the allowed origin ${allowed} the call succeeds and the page reads the answer (${JSON.stringify(res)})`,
    );
    expect(res.ok && !!res.requestId, "the page can read the exposed x-request-id header");
    await page.close();
  }
  {
    const { page, consoleLines } = await newPage();
    await page.goto(`${other}/`, { waitUntil: "load" });
    const res = await page.evaluate((e, t) => window.callApi(e, t), endpoint, args.token);
    expect(
      !res.ok && /TypeError/.test(res.error),
      `from the other origin ${other} fetch rejects (${JSON.stringify(res)})`,
    );
    expect(
      consoleLines.some((l) => /CORS policy/.test(l)),
      "Chromium names the CORS policy as the reason",
    );
    await page.close();
  }

  // --- 2. GraphiQL offline -------------------------------------------------
  {
    const { page, consoleLines } = await newPage();
    await page.setViewport({ width: 1400, height: 900 });
    const response = await page.goto(`${args.api}/graphql#token=${args.token}`, {
      waitUntil: "load",
    });
    const csp = response.headers()["content-security-policy"] ?? "";
    expect(
      /script-src 'self'(;| )/.test(csp) && /connect-src 'self'/.test(csp) && !/unsafe-eval/.test(csp),
      `the page carries a Content-Security-Policy (${csp})`,
    );
    let rendered = true;
    try {
      await page.waitForSelector(".graphiql-container .graphiql-query-editor .CodeMirror", {
        timeout: 20000,
      });
    } catch {
      rendered = false;
    }
    const text = rendered ? "" : await page.evaluate(() => document.body.innerText);
    expect(rendered, `GraphiQL renders${rendered ? "" : ` (the page shows: ${text.slice(0, 300)})`}`);
    if (rendered) {
      const address = await page.evaluate(() => window.location.href);
      expect(!address.includes("#") && !address.includes(args.token.slice(0, 20)), `the token left the address bar (${address})`);
      const stored = await page.evaluate(() => {
        const all = (s) => Object.keys(s).map((k) => [k, s.getItem(k)]);
        return { local: all(localStorage), session: all(sessionStorage) };
      });
      const holdsToken = (entries) => entries.some(([k, v]) => `${k}=${v}`.includes(args.token.split(".")[1]));
      expect(!holdsToken(stored.local), `localStorage holds no token (keys: ${stored.local.map(([k]) => k).join(", ") || "none"})`);
      expect(holdsToken(stored.session), "sessionStorage holds the token for this tab");

      await page.evaluate(() => {
        const cm = document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror;
        cm.setValue("query Me {\n  viewer {\n    subject\n  }\n}\n");
      });
      await page.click(".graphiql-execute-button");
      let answered = true;
      try {
        await page.waitForFunction(
          () => (document.querySelector(".result-window")?.innerText ?? "").includes("bootstrap-admin"),
          { timeout: 20000 },
        );
      } catch {
        answered = false;
      }
      const result = await page.evaluate(() => document.querySelector(".result-window")?.innerText ?? "");
      expect(answered, `the query runs and its result shows (${result.replace(/\s+/g, " ").slice(0, 200)})`);

      await page.click('button[aria-label="Show Documentation Explorer"]');
      let docs = true;
      try {
        await page.waitForFunction(
          () => {
            const pane = document.querySelector(".graphiql-doc-explorer");
            const t = pane?.innerText ?? "";
            return t.includes("Query") && t.includes("Account") && t.includes("Agreement");
          },
          { timeout: 20000 },
        );
      } catch {
        docs = false;
      }
      const docsText = await page.evaluate(() => document.querySelector(".graphiql-doc-explorer")?.innerText ?? "");
      expect(docs, `the docs pane shows the schema's types (${docsText.replace(/\s+/g, " ").slice(0, 160)})`);
    }
    const violations = await page.evaluate(() => window.__cspViolations);
    expect(violations.length === 0, `no Content-Security-Policy violation (${violations.join("; ") || "none"})`);
    const shot = join(args.artifacts, "graphiql.png");
    await page.screenshot({ path: shot });
    log(`screenshot: ${shot}`);
    const errors = consoleLines.filter((l) => /error|refused|blocked/i.test(l));
    if (errors.length) log(`console: ${errors.join(" | ")}`);
    await page.close();
  }
  expect(offMachine.length === 0, `no request left the machine (${offMachine.join(", ") || "none"})`);
} catch (err) {
  failures.push(`the check itself failed: ${err?.stack ?? err}`);
  log(`FAIL the check itself failed: ${err?.stack ?? err}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const s of servers) s.close();
  await rm(userDataDir, { recursive: true, force: true });
}

const passed = failures.length === 0;
console.log(`browser: ${passed ? "all checks passed" : `${failures.length} check(s) failed`}`);
process.exit(passed ? 0 : 1);
