// The operations dashboard (/dashboard on the API's port) in Debian's headless Chromium, driven by playwright-core,
// against a running API and workers: what an operator sees and does, step by step. Run by DashboardBrowserIT, or
// by hand against SMS_WORKER_POISON_PREFIX=+4477666 bin/run:
//
//   npm ci && SMS_API_URL=http://127.0.0.1:8080 SMS_ADMIN_PASSWORD=local-admin-key node dashboard.test.mjs
//
// Environment:
//   SMS_API_URL              the API's base URL (required)
//   SMS_ADMIN_PASSWORD       the admin key (header mode) or an admin JWT (jwt mode): the Basic password (required)
//   SMS_AUTH_MODE            header (default) or jwt
//   SMS_CLIENT_HEADERS_JSON  a client's credentials as headers, e.g. {"X-Client-ID":"acme"} or
//                            {"Authorization":"Bearer <client token>"}; default: a new client id (header mode only)
//   SMS_CLIENT_ID            that client's id (default: X-Client-ID above, or the token's subject)
//   SMS_POISON_PREFIX        recipients the workers dead-letter (their SMS_WORKER_POISON_PREFIX; default +4477666)
//   SMS_SCREENSHOT_DIR       where the screenshots go (default target/dashboard-screenshots)
//   SMS_TEST_MESSAGES        normal messages sent while the queue is paused (default 300)
//   SMS_LOAD_SECONDS         how long traffic runs for the "under load" state (default 20)
//   SMS_CHROMIUM             the browser (default /usr/bin/chromium, Debian's package)
//
// Exits 0 when every step passed, 1 with what an operator would notice otherwise.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

// ------------------------------------------------------------------ settings ----

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`dashboard test: set ${name} (see the top of dashboard.test.mjs)`);
    process.exit(2);
  }
  return value;
}

const BASE = required('SMS_API_URL').replace(/\/+$/, '');
const ADMIN_PASSWORD = required('SMS_ADMIN_PASSWORD');
const MODE = (process.env.SMS_AUTH_MODE || 'header').toLowerCase();
const CLIENT_HEADERS = process.env.SMS_CLIENT_HEADERS_JSON
  ? JSON.parse(process.env.SMS_CLIENT_HEADERS_JSON)
  : { 'X-Client-ID': `dash-${randomUUID().slice(0, 8)}` };
const CLIENT_ID = process.env.SMS_CLIENT_ID || clientIdOf(CLIENT_HEADERS);
const POISON_PREFIX = process.env.SMS_POISON_PREFIX || '+4477666';
const SHOTS = path.resolve(process.env.SMS_SCREENSHOT_DIR || 'target/dashboard-screenshots');
const MESSAGES = Number(process.env.SMS_TEST_MESSAGES || 300);
// The load the "under load" screenshot shows: every half second 50 normal and 5 express messages, for 20 s.
const LOAD_SECONDS = Number(process.env.SMS_LOAD_SECONDS || 20);
const LOAD_NORMAL = 50;
const LOAD_EXPRESS = 5;
const LOAD_MESSAGES = LOAD_SECONDS * 2 * (LOAD_NORMAL + LOAD_EXPRESS);
const CHROMIUM = process.env.SMS_CHROMIUM || '/usr/bin/chromium';
// Workers take a pause into account within a second; the test waits this long before counting on it.
const PAUSE_TAKES_MS = 1500;
const DASHBOARD = `${BASE}/dashboard`;

if (!['header', 'jwt'].includes(MODE)) {
  console.error(`dashboard test: SMS_AUTH_MODE is header or jwt, not ${MODE}`);
  process.exit(2);
}

// The client's own secret: its X-Client-ID in header mode, its token in jwt mode. Tried as a Basic password below.
const CLIENT_SECRET = CLIENT_HEADERS.Authorization
  ? CLIENT_HEADERS.Authorization.replace(/^Bearer\s+/i, '')
  : CLIENT_HEADERS['X-Client-ID'];

function clientIdOf(headers) {
  if (headers['X-Client-ID']) {
    return headers['X-Client-ID'];
  }
  const token = (headers.Authorization || '').replace(/^Bearer\s+/i, '');
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub;
  } catch (e) {
    console.error('dashboard test: cannot tell the client id; set SMS_CLIENT_ID');
    process.exit(2);
  }
}

// How the API is called as an admin outside the browser (the credit top-up): README "Operator endpoints", Security.
const ADMIN_HEADERS = MODE === 'jwt' ? { Authorization: `Bearer ${ADMIN_PASSWORD}` } : { 'X-Admin-Key': ADMIN_PASSWORD };

// Debian's Chromium, as the brief of the tests says; no sandbox (root in CI), no GPU, no calls home.
const LAUNCH = {
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
const DESKTOP = { width: 1280, height: 900 };

// ------------------------------------------------------------------ reporting ----

// A failure says what the operator would notice, not which selector was missing.
class Noticed extends Error {}

let stepNo = 0;
let stepTitle = '';
// The page in use, for a screenshot of what it showed when a step failed.
let currentPage = null;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

async function step(title, body) {
  stepNo++;
  stepTitle = title;
  console.log(`\n[${elapsed()}] step ${stepNo}: ${title}`);
  await body();
}

function ok(text) {
  console.log(`    ok: ${text}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `probe` (returning [done, what it saw]) until done; fails with `what` and the last thing seen.
async function waitUntil(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  for (;;) {
    let done = false;
    try {
      [done, seen] = await probe();
    } catch (e) {
      seen = `(${e.message.split('\n')[0]})`;
    }
    if (done) {
      return seen;
    }
    if (Date.now() > deadline) {
      throw new Noticed(`${what}: not within ${timeoutMs / 1000} s; the page showed ${seen}`);
    }
    await sleep(250);
  }
}

// ------------------------------------------------------------------ the browser ----

// Console errors and uncaught exceptions of every page that was allowed in. Requests the test itself makes fail on
// purpose (the simulated outage) log "Failed to load resource"; those are allowed only while `expectFailedLoads`.
const browserErrors = [];
let expectFailedLoads = false;

function watch(page, label) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') {
      return;
    }
    const text = msg.text();
    if (expectFailedLoads && /Failed to load resource|net::ERR_FAILED/.test(text)) {
      return;
    }
    browserErrors.push(`${label}: console error: ${text}`);
    console.log(`    !! ${label}: console error: ${text}`);
  });
  page.on('pageerror', (error) => {
    browserErrors.push(`${label}: uncaught ${error.name}: ${error.message}`);
    console.log(`    !! ${label}: uncaught ${error.name}: ${error.message}`);
  });
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  ok(`screenshot ${file}`);
}

// The number a cell shows ("1,234" -> 1234, "12.4" -> 12.4); NaN when it shows none.
async function shown(page, selector) {
  const text = (await page.locator(selector).first().textContent({ timeout: 2000 })) || '';
  const match = text.replace(/,/g, '').match(/-?\d+(\.\d+)?/);
  return match ? Number(match[0]) : NaN;
}

const queueCell = (type, field) => `#queues tr[data-queue="${type}"] td[data-field="${field}"]`;

async function openDashboard(context, label) {
  const page = await context.newPage();
  watch(page, label);
  currentPage = page;
  const response = await page.goto(DASHBOARD);
  if (response.status() !== 200) {
    throw new Noticed(`${label}: ${DASHBOARD} answered ${response.status()} with the admin password`);
  }
  await waitUntil(`${label}: the dashboard shows its first refresh`, 15000, async () => {
    const updated = await page.locator('#updated-at').textContent();
    const rows = await page.locator('#queues tr[data-queue]').count();
    return [/\d\d:\d\d:\d\d/.test(updated) && rows > 0, `updated "${updated}", ${rows} queue rows`];
  });
  return page;
}

// Clicks an action button, checks the dialog asks first, and confirms (or cancels) it.
async function confirmThrough(page, button, expectText, answer = 'ok') {
  await page.locator(button).click();
  const dialog = page.locator('dialog#confirm');
  await waitUntil('the confirmation dialog opens', 5000, async () => [await dialog.isVisible(), 'no dialog']);
  const question = await page.locator('#confirm-text').textContent();
  assert.ok(question.includes(expectText), `the confirmation asks about "${expectText}", it says: ${question}`);
  if (answer === 'ok') {
    await page.locator('#confirm-ok').click();
  } else {
    await page.keyboard.press('Escape');
  }
  await waitUntil('the confirmation dialog closes', 5000, async () => [!(await dialog.isVisible()), 'dialog still open']);
  return question;
}

async function noticeSays(page, pattern, what) {
  return waitUntil(what, 10000, async () => {
    const text = (await page.locator('#notice').textContent()) || '';
    return [pattern.test(text), `#notice "${text}"`];
  });
}

// ------------------------------------------------------------------ the API outside the browser ----

async function api(method, urlPath, headers, body) {
  const response = await fetch(`${BASE}${urlPath}`, {
    method,
    headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    // Not JSON: kept as text for the message.
  }
  return { status: response.status, headers: response.headers, json, text };
}

const basic = (password) => ({ Authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` });

function messages(n, to) {
  return Array.from({ length: n }, (_, i) => ({ to: to(i), from: 'Dashboard', content: `dashboard test ${i}` }));
}

async function send(type, list) {
  const r = await api('POST', '/api/messages/bulk/send', { ...CLIENT_HEADERS, 'X-SMS-TYPE': type }, { messages: list });
  if (r.status !== 202 || r.json.accepted !== list.length) {
    throw new Noticed(`sending ${list.length} ${type} messages as ${CLIENT_ID} was not accepted: ${r.status} ${r.text.slice(0, 300)}`);
  }
  return r.json;
}

// ------------------------------------------------------------------ the scenario ----

async function refusedWithoutAdminCredentials(browser) {
  await step('without credentials, with a wrong password or with a client\'s credentials the dashboard stays shut', async () => {
    for (const target of ['/dashboard', '/dashboard/api/state']) {
      const r = await api('GET', target, {});
      assert.equal(r.status, 401, `GET ${target} without credentials: 401, got ${r.status}`);
      assert.match(r.headers.get('www-authenticate') || '', /^Basic /i, `GET ${target}: a Basic challenge, so the browser asks`);
    }
    ok('no credentials: 401 with WWW-Authenticate: Basic');
    const wrong = await api('GET', '/dashboard/api/state', basic(`wrong-${randomUUID()}`));
    assert.equal(wrong.status, 401, `a wrong password: 401 (the browser asks again), got ${wrong.status}`);
    ok(`a wrong password: ${wrong.status}`);
    const asClientBasic = await api('GET', '/dashboard/api/state', basic(CLIENT_SECRET));
    assert.equal(asClientBasic.status, 401, `the client's credential as password: refused, got ${asClientBasic.status}`);
    const asClient = await api('GET', '/dashboard/api/state', CLIENT_HEADERS);
    assert.equal(asClient.status, 401, `the client's own headers: refused, got ${asClient.status}`);
    ok(`the client ${CLIENT_ID}'s credentials: ${asClientBasic.status} as a password, ${asClient.status} as its headers`);
    // The CSRF guard: an admin's request without X-Dashboard-Action changes nothing.
    const unguarded = await api('POST', '/dashboard/api/queues/normal/pause', basic(ADMIN_PASSWORD));
    assert.equal(unguarded.status, 400, `a POST without X-Dashboard-Action: 400, got ${unguarded.status} ${unguarded.text}`);
    assert.equal(unguarded.json?.code, 'invalid-header', `a POST without X-Dashboard-Action: invalid-header, got ${unguarded.text}`);
    const after = await api('GET', '/dashboard/api/state', basic(ADMIN_PASSWORD));
    assert.equal(after.status, 200, `the admin password opens /dashboard/api/state, got ${after.status} ${after.text.slice(0, 200)}`);
    assert.equal(after.json.queues.find((q) => q.type === 'normal')?.paused, false, 'the unguarded POST did not pause the queue');
    ok(`a POST without X-Dashboard-Action: ${unguarded.status}, nothing paused`);

    const attempts = [
      ['no credentials', {}],
      ['a wrong password', { httpCredentials: { username: 'ops', password: `wrong-${randomUUID()}` } }],
      ['the client\'s credential as the password', { httpCredentials: { username: CLIENT_ID, password: CLIENT_SECRET } }],
      ['the client\'s own headers', { extraHTTPHeaders: CLIENT_HEADERS }],
    ];
    let screenshotTaken = false;
    for (const [index, [label, options]] of attempts.entries()) {
      const context = await browser.newContext({ viewport: DESKTOP, ...options });
      try {
        const page = await context.newPage();
        let outcome;
        try {
          const response = await page.goto(DASHBOARD);
          assert.ok([401, 403].includes(response.status()), `${label}: the browser got ${response.status()}, not 401/403`);
          outcome = `${response.status()}`;
        } catch (e) {
          // Answered with the Basic challenge again, Chromium gives up: the credentials (none, or wrong) failed.
          if (!/ERR_INVALID_AUTH_CREDENTIALS/.test(e.message)) {
            throw e;
          }
          outcome = 'challenged again, the browser gave up (ERR_INVALID_AUTH_CREDENTIALS)';
        }
        // Give a page that did render time to poll: it must not.
        await sleep(1500);
        assert.equal(await page.locator('#queues').count(), 0, `${label}: the dashboard rendered`);
        assert.equal(await page.locator('#updated-at').count(), 0, `${label}: the dashboard rendered`);
        ok(`browser with ${label}: ${outcome}, no dashboard`);
        // The first refusal that shows an answer (a browser that gave up shows an empty page).
        if (!screenshotTaken && (/^\d+$/.test(outcome) || index === attempts.length - 1)) {
          await shot(page, '01-login-refused');
          screenshotTaken = true;
        }
      } finally {
        await context.close();
      }
    }
  });
}

async function operatorSession(browser) {
  const context = await browser.newContext({ viewport: DESKTOP, httpCredentials: { username: 'ops', password: ADMIN_PASSWORD } });
  const page = await openDashboard(context, 'dashboard');
  let deadBaseline = 0;

  await step('log in with the admin password: every part of the dashboard is there', async () => {
    for (const type of ['express', 'normal']) {
      for (const field of ['depth', 'waiting', 'in_flight', 'oldest', 'retries', 'dead_letters', 'state']) {
        assert.equal(await page.locator(queueCell(type, field)).count(), 1, `the ${type} queue row shows ${field}`);
      }
    }
    for (const selector of ['#throughput canvas', '#latency canvas', '#throughput-now', '#workers', '#top-clients',
      '[data-field="total-credit"]', '#dead-letter-type', 'dialog#confirm']) {
      assert.ok((await page.locator(selector).count()) > 0, `the page has ${selector}`);
    }
    assert.match(await page.locator(queueCell('normal', 'state')).textContent(), /running/, 'the normal queue runs');
    assert.equal(await page.locator('#connection').textContent(), '', 'no connection problem shown');
    const credit = await shown(page, '[data-field="total-credit"]');
    assert.ok(Number.isFinite(credit), 'the total live credit is a number');
    ok(`queues express and normal, charts, workers, top clients, total live credit ${credit}`);
    // Updates without reloading: the refresh time moves on.
    const first = await page.locator('#updated-at').textContent();
    await waitUntil('the page refreshes on its own within 5 s', 5000, async () => {
      const now = await page.locator('#updated-at').textContent();
      return [now !== first, `"${now}" since ${first}`];
    });
    ok('it refreshes by itself (every 2 s)');
  });

  await step(`add credit to the client ${CLIENT_ID} through the API`, async () => {
    // The paused batch, the load, the express and poison messages and the requeue, with room to spare.
    const balance = MESSAGES + LOAD_MESSAGES + 100;
    const r = await api('POST', `/api/credit/increase${MODE === 'jwt' ? '?create=true' : ''}`,
      { ...CLIENT_HEADERS, ...ADMIN_HEADERS, 'X-Client-ID': CLIENT_ID }, { name: 'Dashboard test', balance });
    if (r.status !== 200) {
      throw new Noticed(`the admin top-up of ${CLIENT_ID} failed: ${r.status} ${r.text.slice(0, 300)}`);
    }
    ok(`${CLIENT_ID}: balance ${r.json.balance}`);
  });

  await step('the pause button asks first: Escape (from the keyboard) changes nothing', async () => {
    const pause = `#queues tr[data-queue="normal"] button[data-action="pause"]`;
    await page.locator(pause).focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog#confirm');
    await waitUntil('Enter on the focused pause button opens the confirmation', 5000, async () => [await dialog.isVisible(), 'no dialog']);
    await page.keyboard.press('Escape');
    await waitUntil('Escape closes the confirmation', 5000, async () => [!(await dialog.isVisible()), 'still open']);
    await sleep(2500);
    assert.match(await page.locator(queueCell('normal', 'state')).textContent(), /running/,
      'after Escape the normal queue still runs');
    ok('keyboard: Enter opens the dialog, Escape cancels; the queue still runs');
  });

  await step('pause the normal queue from the page', async () => {
    await confirmThrough(page, `#queues tr[data-queue="normal"] button[data-action="pause"]`, 'normal');
    await waitUntil('the normal queue shows paused', 10000, async () => {
      const state = await page.locator(queueCell('normal', 'state')).textContent();
      const resume = await page.locator(`#queues tr[data-queue="normal"] button[data-action="resume"]`).count();
      return [state.trim() === 'paused' && resume === 1, `state "${state}"`];
    });
    await noticeSays(page, /paused/i, 'the page says the queue is paused');
    // Workers honour a pause within a second (README): only then is the queue sure to hold what comes next.
    await sleep(PAUSE_TAKES_MS);
    ok('normal: paused, with a Resume button');
  });

  let depthSeen;
  await step(`send ${MESSAGES} normal messages: the depth rises and stays while paused`, async () => {
    const before = await shown(page, queueCell('normal', 'depth'));
    await send('normal', messages(MESSAGES, (i) => `+49170${String(1000000 + i)}`));
    ok(`${MESSAGES} accepted (depth before: ${before})`);
    depthSeen = await waitUntil(`the normal queue's depth rises by ${MESSAGES}`, 15000, async () => {
      const depth = await shown(page, queueCell('normal', 'depth'));
      return [depth >= before + MESSAGES, depth];
    });
    ok(`depth ${depthSeen}`);
    const oldest = await page.locator(queueCell('normal', 'oldest')).textContent();
    // Three refreshes later it is still there: nobody consumed the paused queue.
    await sleep(6000);
    const still = await shown(page, queueCell('normal', 'depth'));
    assert.ok(still >= depthSeen, `the paused normal queue's depth stays (${depthSeen}, then ${still})`);
    const oldestLater = await page.locator(queueCell('normal', 'oldest')).textContent();
    ok(`still ${still} after 6 s; oldest waiting ${oldest} -> ${oldestLater}`);
    await shot(page, '02-paused');
  });

  await step('resume it from the page: the workers drain the queue to 0', async () => {
    await confirmThrough(page, `#queues tr[data-queue="normal"] button[data-action="resume"]`, 'normal');
    await waitUntil('the normal queue shows running again', 10000, async () => {
      const state = await page.locator(queueCell('normal', 'state')).textContent();
      return [state.trim() === 'running', `state "${state}"`];
    });
    const drained = await waitUntil('the normal queue drains to 0', 60000, async () => {
      const depth = await shown(page, queueCell('normal', 'depth'));
      return [depth === 0, `depth ${depth}`];
    });
    ok(`running; ${drained}`);
  });

  await step(`under load (${LOAD_SECONDS} s of normal and express traffic): the throughput chart and its text show it`, async () => {
    // Traffic in the background while the page is watched, as an operator would see a busy system.
    let sent = 0;
    let loadError = null;
    const loadUntil = Date.now() + LOAD_SECONDS * 1000;
    const load = (async () => {
      let i = 0;
      while (Date.now() < loadUntil && !loadError) {
        const tick = Date.now();
        await Promise.all([
          send('normal', messages(LOAD_NORMAL, (n) => `+49172${String(1000000 + ((i * LOAD_NORMAL + n) % 9000000))}`)),
          send('express', messages(LOAD_EXPRESS, (n) => `+49173${String(1000000 + ((i * LOAD_EXPRESS + n) % 9000000))}`)),
        ]).then(() => { sent += LOAD_NORMAL + LOAD_EXPRESS; }, (e) => { loadError = e; });
        i++;
        await sleep(Math.max(0, 500 - (Date.now() - tick)));
      }
    })();
    try {
      const rates = await waitUntil('sent normal and express per second go above 0 on the throughput summary', 30000, async () => {
        const normal = await shown(page, '#throughput-now [data-field="sent-normal"]');
        const express = await shown(page, '#throughput-now [data-field="sent-express"]');
        return [normal > 0 && express > 0, `sent-normal ${normal}/s, sent-express ${express}/s`];
      });
      ok(rates);
      // Acceptance is counted by the API and sending by the workers, each flushed once a second: the two can show
      // in different refreshes, so acceptance is waited for as sending was (a single read once saw express at 0).
      ok(await waitUntil('accepted normal and express per second go above 0 on the throughput summary', 15000, async () => {
        const express = await shown(page, '#throughput-now [data-field="accepted-express"]');
        const normal = await shown(page, '#throughput-now [data-field="accepted-normal"]');
        return [express > 0 && normal > 0, `accepted-express ${express}/s, accepted-normal ${normal}/s`];
      }));
      // The screenshot near the end of the load, when the charts show its plateau.
      await sleep(Math.max(0, loadUntil - Date.now() - 2500));
      await shot(page, '03-under-load');
    } finally {
      await load;
    }
    if (loadError) {
      throw loadError;
    }
    ok(`${sent} messages sent in ${LOAD_SECONDS} s`);
    const accepted = await waitUntil('the 15 minutes of accepted normal messages count ours', 15000, async () => {
      const total = await shown(page, '#throughput-now [data-field="accepted-normal-total"]');
      return [total >= (MESSAGES + (sent * LOAD_NORMAL) / (LOAD_NORMAL + LOAD_EXPRESS)) * 0.95, `accepted-normal over 15 min: ${total}`];
    });
    ok(accepted);
    assert.ok((await page.locator('#throughput figure[data-type="normal"] canvas').count()) > 0, 'a chart for normal');
    const alt = await page.locator('#throughput figure[data-type="normal"] [id^="tp-alt-"]').textContent();
    assert.match(alt, /sent \d/, 'the chart has a text alternative with the sent rate');
    ok(`chart text alternative: ${alt}`);
    await waitUntil(`${CLIENT_ID} is among the top clients of the last hour`, 30000, async () => {
      const row = page.locator(`#top-clients tr[data-client="${CLIENT_ID}"]`);
      const count = (await row.count()) ? await shown(page, `#top-clients tr[data-client="${CLIENT_ID}"] td[data-field="messages"]`) : NaN;
      return [count >= MESSAGES + sent, `${CLIENT_ID}: ${count}`];
    });
    ok(`${CLIENT_ID} in the top clients`);
    const drained = await waitUntil('the queues drain after the load', 60000, async () => {
      const normal = await shown(page, queueCell('normal', 'depth'));
      const express = await shown(page, queueCell('express', 'depth'));
      return [normal === 0 && express === 0, `depth normal ${normal}, express ${express}`];
    });
    ok(drained);
  });

  await step('express latency: p50/p99 against the SLA after a few express messages', async () => {
    await send('express', messages(20, (i) => `+49171${String(1000000 + i)}`));
    const seen = await waitUntil('express p50 and p99 show values', 45000, async () => {
      const p50 = await shown(page, '#latency [data-field="p50"]');
      const p99 = await shown(page, '#latency [data-field="p99"]');
      return [Number.isFinite(p50) && Number.isFinite(p99), `p50 ${p50} ms, p99 ${p99} ms`];
    });
    const sla = await shown(page, '#latency [data-field="sla"]');
    const breaches = await shown(page, '#latency [data-field="breaches"]');
    assert.ok(sla > 0, `the SLA is shown (${sla})`);
    assert.ok(Number.isFinite(breaches), 'the breaches are shown');
    ok(`${seen}, SLA ${sla} ms, breaches ${breaches}`);
  });

  await step('workers: processes alive and consumers per queue', async () => {
    const summary = await waitUntil('an express and a normal worker are shown alive', 15000, async () => {
      const rows = await page.locator('#workers tr[data-process]')
        .evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((cell) => cell.textContent.trim()).join(' ')));
      const alive = (queue) => rows.some((r) => r.includes(` ${queue} alive `));
      return [alive('express') && alive('normal'), rows.filter((r) => r.includes(' alive ')).join('; ') || `no live process in ${rows.length} rows`];
    });
    ok(summary);
    const consumers = await page.locator('#workers tr[data-consumer]').count();
    assert.ok(consumers >= 2, `consumers are listed (${consumers})`);
    ok(`${consumers} consumers; SMPP sessions: ${await page.locator('[data-field="smpp-sessions"]').textContent()}; ` +
      `webhook backlog: ${await page.locator('[data-field="webhook-backlog"]').textContent()}`);
  });

  let deadEntry;
  const poisoned = `${POISON_PREFIX}00042`;
  await step(`a message to ${poisoned} is dead-lettered and listed with its reason`, async () => {
    await page.locator('#dead-letter-type').selectOption('normal');
    deadBaseline = await shown(page, queueCell('normal', 'dead_letters'));
    await send('normal', [{ to: poisoned, from: 'Dashboard', content: 'the workers cannot deliver this one' }]);
    const count = await waitUntil('the normal queue\'s dead-letter count rises', 60000, async () => {
      const n = await shown(page, queueCell('normal', 'dead_letters'));
      return [n > deadBaseline, n];
    });
    const row = page.locator('#dead-letter-table tr[data-entry-id]', { hasText: poisoned });
    await waitUntil('the dead letter is listed', 10000, async () => [(await row.count()) === 1, `${await row.count()} rows with ${poisoned}`]);
    deadEntry = await row.getAttribute('data-entry-id');
    const reason = (await row.locator('.reason').textContent()).trim();
    assert.ok(reason && reason !== '(no reason given)', `the dead letter shows a reason (${reason})`);
    ok(`dead letters ${deadBaseline} -> ${count}; entry ${deadEntry}: "${reason}"`);
    await shot(page, '04-dead-letter');
  });

  await step('requeue it from the page: the count drops', async () => {
    // Paused first, so that the requeued message waits in the queue instead of failing again at once: the drop is
    // then there to see, not a race with the workers.
    await confirmThrough(page, `#queues tr[data-queue="normal"] button[data-action="pause"]`, 'normal');
    await waitUntil('normal paused', 10000, async () => [/paused/.test(await page.locator(queueCell('normal', 'state')).textContent()), 'running']);
    await sleep(PAUSE_TAKES_MS);
    await confirmThrough(page, `#dead-letter-table tr[data-entry-id="${deadEntry}"] button[data-action="requeue"]`, deadEntry);
    const notice = await noticeSays(page, /requeued as message/i, 'the page says it was requeued');
    ok(notice);
    const count = await waitUntil('the dead-letter count drops back', 10000, async () => {
      const n = await shown(page, queueCell('normal', 'dead_letters'));
      return [n === deadBaseline, n];
    });
    assert.equal(await page.locator(`#dead-letter-table tr[data-entry-id="${deadEntry}"]`).count(), 0, 'the requeued entry left the list');
    const depth = await shown(page, queueCell('normal', 'depth'));
    assert.ok(depth >= 1, `the requeued message waits in the paused queue (depth ${depth})`);
    ok(`dead letters: ${count}; the message waits in the queue (depth ${depth})`);
    await shot(page, '05-after-requeue');
  });

  await step('resume: the requeued message fails again; discard it from the page', async () => {
    await confirmThrough(page, `#queues tr[data-queue="normal"] button[data-action="resume"]`, 'normal');
    const row = page.locator('#dead-letter-table tr[data-entry-id]', { hasText: poisoned });
    await waitUntil('the requeued message is dead-lettered again', 60000, async () => [(await row.count()) === 1, `${await row.count()} rows`]);
    const again = await row.getAttribute('data-entry-id');
    await confirmThrough(page, `#dead-letter-table tr[data-entry-id="${again}"] button[data-action="discard"]`, again);
    await noticeSays(page, /discarded/i, 'the page says it was discarded');
    await waitUntil('the dead-letter count is back where it was', 10000, async () => {
      const n = await shown(page, queueCell('normal', 'dead_letters'));
      return [n === deadBaseline && (await row.count()) === 0, `${n} dead letters`];
    });
    ok(`entry ${again} discarded; dead letters back to ${deadBaseline}`);
  });

  await step('a failed refresh is shown, the last figures stay, and the page recovers', async () => {
    expectFailedLoads = true;
    try {
      await page.route('**/dashboard/api/state', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'simulated outage of the test' }),
        }));
      await waitUntil('the failed refresh is shown with the problem\'s detail', 10000, async () => {
        const text = await page.locator('#connection').textContent();
        return [text.includes('simulated outage of the test'), `#connection "${text}"`];
      });
      assert.equal(await page.locator('#queues tr[data-queue="normal"]').count(), 1, 'the queues stay on screen');
      ok(`#connection: ${await page.locator('#connection').textContent()}`);
      await page.unroute('**/dashboard/api/state');
      await waitUntil('the page recovers after the outage', 10000, async () => {
        const text = await page.locator('#connection').textContent();
        return [text === '', `#connection "${text}"`];
      });
      // A refresh answered 401 (the key was rotated): "not authorised", and no more polling.
      await page.route('**/dashboard/api/state', (route) =>
        route.fulfill({ status: 401, contentType: 'application/problem+json', body: JSON.stringify({ status: 401, detail: 'unauthorised' }) }));
      await waitUntil('a 401 shows "not authorised"', 10000, async () => {
        const text = await page.locator('#connection').textContent();
        return [/not authorised/i.test(text), `#connection "${text}"`];
      });
      ok('a 401 says "Not authorised"');
    } finally {
      await page.unroute('**/dashboard/api/state').catch(() => {});
      await sleep(500);
      expectFailedLoads = false;
    }
  });
  await context.close();
}

async function narrowAndDark(browser) {
  await step('on a 375 px wide screen: nothing overflows sideways, the queue actions are in reach', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      hasTouch: true,
      httpCredentials: { username: 'ops', password: ADMIN_PASSWORD },
    });
    try {
      const page = await openDashboard(context, 'narrow');
      await sleep(1000);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 376, `the page is ${width} px wide on a 375 px screen (it scrolls sideways)`);
      const button = await page.locator(`#queues tr[data-queue="normal"] button`).boundingBox();
      assert.ok(button && button.x + button.width <= 375, 'the normal queue\'s pause button is on screen without scrolling');
      const chart = await page.locator('#throughput figure[data-type="normal"] canvas').first().boundingBox();
      assert.ok(chart && chart.width <= 375, `the chart fits the screen (${chart && chart.width} px)`);
      ok(`page width ${width} px, chart ${Math.round(chart.width)} px`);
      await shot(page, '06-narrow-375');
    } finally {
      await context.close();
    }
  });

  await step('dark mode (prefers-color-scheme: dark)', async () => {
    const context = await browser.newContext({
      viewport: DESKTOP,
      colorScheme: 'dark',
      httpCredentials: { username: 'ops', password: ADMIN_PASSWORD },
    });
    try {
      const page = await openDashboard(context, 'dark');
      await sleep(1000);
      const [bg, fg] = await page.evaluate(() => {
        const style = getComputedStyle(document.body);
        return [style.backgroundColor, style.color];
      });
      const luminance = (rgb) => {
        const [r, g, b] = rgb.match(/\d+/g).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      };
      assert.ok(luminance(bg) < 0.2, `a dark background in dark mode (${bg})`);
      assert.ok(luminance(fg) > 0.7, `light text in dark mode (${fg})`);
      ok(`background ${bg}, text ${fg}`);
      await shot(page, '07-dark');
    } finally {
      await context.close();
    }
  });
}

async function main() {
  console.log(`Dashboard test: ${DASHBOARD} (${MODE} mode), client ${CLIENT_ID}, poison prefix ${POISON_PREFIX}`);
  console.log(`Browser: ${CHROMIUM}; screenshots: ${SHOTS}`);
  await mkdir(SHOTS, { recursive: true });
  const browser = await chromium.launch(LAUNCH);
  console.log(`Chromium ${browser.version()}`);
  try {
    await refusedWithoutAdminCredentials(browser);
    await operatorSession(browser);
    await narrowAndDark(browser);
    await step('no errors in the browser console', async () => {
      assert.deepEqual(browserErrors, [], 'the browser console shows errors');
      ok('none');
    });
  } catch (e) {
    if (currentPage && !currentPage.isClosed()) {
      const file = path.join(SHOTS, 'failure.png');
      await currentPage.screenshot({ path: file, fullPage: true }).then(() => console.error(`Screenshot of the failure: ${file}`),
        () => {});
      const connection = await currentPage.locator('#connection').textContent().catch(() => null);
      const notice = await currentPage.locator('#notice').textContent().catch(() => null);
      console.error(`The page's #connection: "${connection}", #notice: "${notice}"`);
    }
    throw e;
  } finally {
    await browser.close();
  }
  console.log(`\nPASSED: ${stepNo} steps in ${elapsed()}`);
}

main().catch((e) => {
  const what = e instanceof Noticed || e instanceof assert.AssertionError ? e.message : e.stack || String(e);
  console.error(`\nFAILED at step ${stepNo} (${stepTitle}) after ${elapsed()}: ${what}`);
  if (browserErrors.length) {
    console.error(`Browser console errors so far:\n  ${browserErrors.join('\n  ')}`);
  }
  process.exit(1);
});
