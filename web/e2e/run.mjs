// End-to-end tests of the web UI in a real browser: Debian's Chromium driven by
// playwright-core, against a freshly started `refuge serve` holding the demo case.
// Expectations are read from the API in the same run, never from today's date.
//
// Usage: node web/e2e/run.mjs --refuge BUILD/refuge --artifacts DIR
// Screenshots of every main screen are written to DIR.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createHash, createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const refuge = resolve(arg('--refuge', 'build/refuge'));
const artifacts = resolve(arg('--artifacts', 'build/web-e2e'));
const browserPath = arg('--chromium', '/usr/bin/chromium');
mkdirSync(artifacts, { recursive: true });

const MAYA = { username: 'maya', password: 'demo-maya-lindqvist' };
const TENZIN = { username: 'tenzin', password: 'demo-tenzin-dorje' };
const OUTSIDER = { username: 'quinn', password: 'quinn-outside-all-teams-7' };
const ADMIN = { username: 'ines', password: 'ines-keeps-the-accounts-4' };
let adminTotpSecret = '';

/** RFC 6238 code (SHA-1, 30 s, 6 digits) for a base32 secret, as authenticator apps compute it. */
function totp(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = createHmac('sha1', key).update(msg).digest();
  const o = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

let server;
let base;
let context;
let page;
let dataDir;
let profileDir;
const consoleErrors = [];

function localToday() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
function addDays(ymd, n) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** The UI's way of writing a day: "2026-12-07, Mon". */
function shown(ymd) {
  const [y, m, d] = ymd.slice(0, 10).split('-').map(Number);
  return `${ymd.slice(0, 10)}, ${WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}`;
}

async function apiAs(user, method, path, body) {
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(user),
  });
  assert.equal(login.status, 201, `API login of ${user.username}`);
  const { token } = await login.json();
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Puts a file into the evidence vault as `user`, the way any API client uploads. */
async function uploadAs(user, query, bytes) {
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(user),
  });
  const { token } = await login.json();
  const res = await fetch(`${base}/api/v1/evidence?${query}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  assert.equal(res.status, 201, `upload: ${await res.clone().text()}`);
  return res.json();
}

async function shot(name, opts = {}) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: opts.fullPage ?? true });
}

async function startServer() {
  dataDir = mkdtempSync(join(tmpdir(), 'refuge-e2e-data-'));
  // The evidence vault opens with this passphrase (demo files included).
  const env = { ...process.env, REFUGE_PASSPHRASE: 'e2e vault passphrase, not a secret' };
  const demo = spawnSync(refuge, ['demo', '--data', dataDir], { encoding: 'utf8', env });
  assert.equal(demo.status, 0, `refuge demo failed: ${demo.stderr}`);
  const add = spawnSync(refuge, ['user', 'add', OUTSIDER.username, '--role', 'lawyer', '--password-stdin', '--data', dataDir], {
    input: OUTSIDER.password + '\n',
    encoding: 'utf8',
  });
  assert.equal(add.status, 0, `refuge user add failed: ${add.stderr}`);
  const admin = spawnSync(refuge, ['user', 'add', ADMIN.username, '--role', 'admin', '--password-stdin', '--data', dataDir], {
    input: ADMIN.password + '\n',
    encoding: 'utf8',
  });
  assert.equal(admin.status, 0, `refuge user add (admin) failed: ${admin.stderr}`);
  const enrol = spawnSync(refuge, ['user', 'totp', ADMIN.username, '--data', dataDir], { encoding: 'utf8' });
  assert.equal(enrol.status, 0, `refuge user totp failed: ${enrol.stderr}`);
  adminTotpSecret = /secret: ([A-Z2-7]+)/.exec(enrol.stdout)?.[1] ?? '';
  assert.ok(adminTotpSecret, `no secret in: ${enrol.stdout}`);
  server = spawn(refuge, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  server.stderr.on('data', (d) => (stderr += d));
  const first = await new Promise((ok, fail) => {
    const rl = createInterface({ input: server.stdout });
    const timer = setTimeout(() => fail(new Error('refuge serve printed nothing in 20 s: ' + stderr)), 20000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      ok(line);
    });
    server.once('exit', (code) => fail(new Error(`refuge serve exited with ${code}: ${stderr}`)));
  });
  const m = /Refuge is listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(first);
  assert.ok(m, `unexpected first line from refuge serve: ${first}`);
  base = m[1];
}

before(async () => {
  assert.ok(existsSync(browserPath), `${browserPath} is missing: run scripts/install-deps.sh (Debian package chromium)`);
  await startServer();
  profileDir = mkdtempSync(join(tmpdir(), 'refuge-e2e-profile-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: browserPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10000);
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
});

after(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    // A clean stop waits for idle keep-alive connections (this script's own
    // fetches among them) to time out; past a short grace the server is killed.
    const exited = new Promise((ok) => server.once('exit', ok));
    server.kill('SIGTERM');
    const grace = setTimeout(() => server.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(grace);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

async function signIn(user) {
  await page.goto(base + '/');
  await page.getByLabel('User name').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

/** Signs in as `user` unless the page already is; tests after a failed one start clean. */
async function ensureSignedIn(user) {
  await page.goto(base + '/');
  const dash = page.getByRole('heading', { level: 1, name: 'Dashboard' });
  const login = page.getByRole('heading', { name: 'Sign in to Refuge' });
  await dash.or(login).waitFor();
  if (await login.isVisible()) return signIn(user);
  if ((await page.locator('.who a').innerText()).startsWith(user.username + ' ')) return;
  await signOut();
  await signIn(user);
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Refuge' }).waitFor();
}

/** A test that leaves a screenshot of the page behind when it fails. */
function step(name, fn) {
  it(name, async () => {
    try {
      await fn();
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page?.screenshot({ path: join(artifacts, `FAILED-${slug}.png`), fullPage: true }).catch(() => undefined);
      throw e;
    }
  });
}

describe('Refuge web UI', () => {
  step('serves the UI with a strict policy and falls back to index.html for app paths', async () => {
    const res = await fetch(base + '/people/per_wen_hao');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await res.text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html);
    assert.ok(js, 'index.html names its bundle');
    const asset = await fetch(base + js[1]);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type'), /^text\/javascript/);
    assert.match(asset.headers.get('cache-control'), /immutable/);
    assert.equal((await fetch(base + '/assets/missing-0000.js')).status, 404);
    const api = await fetch(base + '/api/v1/no-such-endpoint');
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type'), /application\/json/);
  });

  step('refuses a wrong password in place, then signs in', async () => {
    await page.goto(base + '/');
    await page.getByRole('heading', { name: 'Sign in to Refuge' }).waitFor();
    await shot('01-login');
    await page.getByLabel('User name').fill(MAYA.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByLabel('User name').inputValue(), 'maya', 'the user name stays');
    await page.getByLabel('Password').fill(MAYA.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  it("dashboard shows the demo client's deadlines of the next 30 days, overdue first", async () => {
    const today = localToday();
    const agenda = await apiAs(MAYA, 'GET', `/deadlines?to=${addDays(today, 30)}`);
    assert.equal(agenda.status, 200);
    const expected = agenda.body.deadlines;
    const list = page.locator('#dash-deadlines');
    await list.getByText(/Due by/).waitFor();
    if (expected.length === 0) {
      await list.getByText('Nothing is due in the next 30 days.').waitFor();
    } else {
      await list.locator('li.deadline').first().waitFor();
      const items = list.locator('li.deadline');
      assert.equal(await items.count(), expected.length);
      const texts = await items.allInnerTexts();
      for (const d of expected) {
        assert.ok(
          texts.some((t) => t.includes(d.title) && t.includes(shown(d.due))),
          `deadline ${d.rule} due ${d.due} is listed`,
        );
      }
      const missed = expected.filter((d) => d.status === 'missed');
      const firstOpen = texts.findIndex((t) => !/OVERDUE/i.test(t));
      if (missed.length > 0) {
        await page.locator('#overdue-banner').waitFor();
        const banner = await page.locator('#overdue-banner').innerText();
        for (const d of missed) assert.ok(banner.includes(d.title), `the overdue banner names ${d.rule}`);
        assert.ok(firstOpen === -1 || firstOpen >= missed.length, 'overdue deadlines come first');
      } else {
        assert.equal(await page.locator('#overdue-banner').count(), 0);
      }
    }
    // The bond appeal of the demo case is due 2026-12-07: listed when it is within 30 days or missed.
    const bond = expected.find((d) => d.rule === 'bond_appeal');
    if (bond) assert.match(await list.innerText(), /2026-12-07, Mon/);
    await page.locator('#dash-custody').getByText('Wen Hao').first().waitFor();
    await page.locator('#dash-activity li').first().waitFor();
    await shot('02-dashboard');
  });

  step('person page shows the profile, custody history, journey map and timeline', async () => {
    const custody = (await apiAs(MAYA, 'GET', '/people/per_wen_hao/custody')).body;
    const journey = (await apiAs(MAYA, 'GET', '/people/per_wen_hao/journey')).body;
    const chron = (await apiAs(MAYA, 'GET', '/people/per_wen_hao/chronology')).body;
    await page.getByRole('link', { name: 'Wen Hao' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Wen Hao' }).waitFor();
    assert.match(await page.locator('.page-title').innerText(), /A-214-587-903/);
    assert.match(await page.locator('.page-title').innerText(), /温浩/);

    const card = page.getByTestId('custody-card');
    await card.waitFor();
    const cardText = await card.innerText();
    assert.ok(custody.history.length >= 2, 'the demo client was transferred');
    for (const h of custody.history) {
      assert.ok(cardText.includes(h.facility.name), `custody history names ${h.facility.name}`);
      assert.ok(cardText.includes(shown(h.from)), `custody history shows ${h.from}`);
    }
    assert.match(cardText, custody.in_custody ? /In custody/ : /Not in custody/);

    const map = page.getByTestId('journey-map');
    await map.waitFor();
    assert.ok((await map.locator('path.jm-land').count()) > 100, 'the world is drawn');
    assert.equal(await map.locator('path.jm-route').count(), journey.legs.filter((l) => l.from_country && l.to_country).length);
    assert.equal(await map.locator('g.jm-stop').count(), journey.countries.length);
    assert.match(await map.locator('title').first().textContent(), /China.*Hong Kong.*Ecuador.*Bahamas.*United States/);

    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    assert.equal(await timeline.locator('circle.tl-mark').count(), chron.events.length);
    assert.ok((await timeline.locator('rect.tl-custody').count()) >= custody.history.length);
    for (const lane of ['Custody', 'Proceedings', 'Persecution', 'Evidence', 'Advocacy']) {
      assert.ok((await timeline.locator('text.tl-lane-label', { hasText: lane }).count()) === 1, `lane ${lane}`);
    }
    assert.equal(await page.getByTestId('chronology-list').locator('> li').count(), chron.events.length);

    await shot('03-person');
    // The list filters by lane: persecution only.
    const incidents = chron.events.filter((e) => e.type === 'incident').length;
    for (const lane of ['Journey', 'Custody', 'Proceedings', 'Evidence', 'Advocacy', 'Notes and letters']) {
      await page.locator('.lane-toggles').getByLabel(lane).uncheck();
    }
    assert.equal(await page.getByTestId('chronology-list').locator('> li').count(), incidents);
    await page.locator('.lane-toggles').getByLabel('Custody').check();
    await page.getByLabel('the past year and ahead').check();
    await page.locator('#chronology').scrollIntoViewIfNeeded();
    await shot('03b-person-chronology-filtered', { fullPage: false });
    await page.getByLabel('the whole history').check();
    for (const lane of ['Journey', 'Proceedings', 'Evidence', 'Advocacy', 'Notes and letters']) {
      await page.locator('.lane-toggles').getByLabel(lane).check();
    }
  });

  step('adds an event through the form and shows it in the chronology', async () => {
    await page.getByRole('link', { name: 'Add event' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'New event' }).waitFor();
    await page.getByLabel('Type of event').selectOption('incident');
    await page.getByLabel('Date', { exact: false }).first().fill('2026-11');
    await page.getByLabel('Kind').selectOption('threat');
    await page.getByLabel('Place').fill('Zhengzhou, Henan');
    await page.locator('main').getByLabel('Matter', { exact: true }).selectOption({ label: 'Wen Hao: asylum (I-589)' });
    const note = 'A caller threatens his sister in Zhengzhou over the footage.';
    await page.getByLabel('What happened').fill(note);
    // The actor is picked by search.
    await page.getByRole('combobox', { name: 'Actor' }).fill('state sec');
    await page.getByRole('option', { name: /State security/ }).click();
    await page.getByText('org_state_security').waitFor();
    await shot('04-event-form');
    await page.getByRole('button', { name: 'Save event' }).click();
    await page.getByRole('heading', { level: 1, name: 'Wen Hao' }).waitFor();
    const item = page.getByTestId('chronology-list').locator('li', { hasText: note });
    await item.waitFor();
    assert.match(await item.innerText(), /2026-11/);
    const chron = (await apiAs(MAYA, 'GET', '/people/per_wen_hao/chronology')).body;
    const saved = chron.events.find((e) => e.note === note);
    assert.ok(saved, 'the API has the event');
    assert.equal(saved.kind, 'threat');
    assert.equal(saved.actor, 'org_state_security');
    assert.equal(saved.matter, 'mat_wen_asylum');
  });

  step('shows a validation error from the API next to the field it concerns, keeping the input', async () => {
    await page.goto(base + '/events/new?subject=per_wen_hao');
    await page.getByLabel('Type of event').selectOption('hearing');
    await page.getByLabel('Kind').selectOption('individual');
    await page.locator('[data-field="date"] input').fill('2026-02-30');
    await page.getByLabel('What happened').fill('Individual hearing set by the court.');
    await page.getByRole('button', { name: 'Save event' }).click();
    const err = page.locator('[data-field="date"] .field-error');
    await err.waitFor();
    assert.match(await err.innerText(), /not a valid date/);
    assert.equal(await page.locator('[data-field="date"] input').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('.field-error').count(), 1, 'only the date is marked');
    assert.equal(await page.getByLabel('What happened').inputValue(), 'Individual hearing set by the court.');
    await shot('05-validation-error');
    // A date-time with a bad offset is refused on its own field too.
    await page.locator('[data-field="date"] input').fill('2027-03-02');
    await page.locator('[data-field="datetime"] input').fill('2027-03-02 09:00');
    await page.getByRole('button', { name: 'Save event' }).click();
    await page.locator('[data-field="datetime"] .field-error').waitFor();
    assert.equal(await page.locator('[data-field="date"] .field-error').count(), 0);
  });

  step('corrects and retracts an event, keeping its history visible', async () => {
    const note = 'A caller threatens his sister in Zhengzhou over the footage.';
    await page.goto(base + '/people/per_wen_hao');
    await page.getByTestId('chronology-list').locator('li', { hasText: note }).getByRole('link').first().click();
    await page.getByRole('button', { name: 'Retract…' }).waitFor();
    await page.getByRole('link', { name: 'Correct this event' }).click();
    await page.getByLabel('Kind').selectOption('harassment');
    await page.getByRole('button', { name: 'Save correction' }).click();
    const history = page.locator('#event-history');
    await history.getByText('Version 2').waitFor();
    assert.match(await history.innerText(), /threat[\s\S]*harassment/);
    await page.getByRole('button', { name: 'Retract…' }).click();
    await page.getByLabel('Reason').fill('Entered under the wrong person');
    await page.getByRole('button', { name: 'Retract the event' }).click();
    await page.locator('.retracted-banner').waitFor();
    await history.getByText('Version 3').waitFor();
    await shot('06-event-history');
    await page.getByRole('link', { name: 'Back to the chronology' }).click();
    await page.getByRole('heading', { level: 1, name: 'Wen Hao' }).waitFor();
    await page.getByTestId('chronology-list').locator('li').first().waitFor();
    assert.equal(await page.getByTestId('chronology-list').locator('li', { hasText: note }).count(), 0);
    await page.getByLabel('Show retracted events').check();
    const gone = page.getByTestId('chronology-list').locator('li.retracted', { hasText: note });
    await gone.waitFor();
  });

  step('uploads a file into the evidence vault and shows its hash, custody log and verification', async () => {
    const listed = await apiAs(MAYA, 'GET', '/evidence?subject=per_wen_hao&limit=200');
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    await page.goto(base + '/people/per_wen_hao');
    const card = page.locator('#evidence');
    if (listed.body.items.length > 0) {
      await card.getByTestId('evidence-list').waitFor();
      assert.equal(await card.getByTestId('evidence-list').locator('li').count(), listed.body.items.length);
    }
    await card.getByRole('link', { name: 'Add a file' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add evidence' }).waitFor();
    const content = Buffer.from('Statement of a witness in Zhengzhou, 2021-12-09: two officers came to the house.\n'.repeat(2000));
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'witness-statement.txt', mimeType: 'text/plain', buffer: content });
    await page.getByLabel('Title').fill('Witness statement, Zhengzhou');
    await page.locator('main').getByLabel('Matter', { exact: true }).selectOption({ label: 'Wen Hao: asylum (I-589)' });
    await page.getByLabel('Captured').fill('2021-12');
    await page.getByRole('button', { name: 'Upload' }).click();
    const sha = createHash('sha256').update(content).digest('hex');
    const shown = page.getByTestId('evidence-sha256');
    await shown.waitFor();
    assert.equal((await shown.innerText()).trim(), sha);
    await shot('15-evidence-uploaded');
    await page.getByRole('link', { name: 'Open the record' }).click();
    await page.getByRole('heading', { level: 1, name: 'Witness statement, Zhengzhou' }).waitFor();
    assert.equal((await page.getByTestId('evidence-sha256').innerText()).trim(), sha);
    const log = page.getByTestId('custody-log');
    await log.getByRole('cell', { name: 'received' }).waitFor();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('verify-result').getByText('Verified.').waitFor();
    await log.getByText('verified').waitFor();
    await shot('16-evidence-record');
  });

  step('links an evidence record to an event picked from the chronology or by search, with errors in place', async () => {
    await ensureSignedIn(MAYA);
    const record = await uploadAs(
      MAYA,
      'subject=per_wen_hao&matter=mat_wen_asylum&filename=fence-second-angle.txt&title=Fence, second angle',
      Buffer.from('Notes on a second photograph of the fence, taken minutes after the first.\n'),
    );
    const capture = await apiAs(MAYA, 'POST', '/events', {
      type: 'evidence_capture',
      subject: 'per_wen_hao',
      matter: 'mat_wen_asylum',
      date: '2020-06-14',
      place: 'Aksu Region Site 3, Xinjiang',
      note: 'A second angle on the fence, from the same night.',
    });
    assert.equal(capture.status, 201, JSON.stringify(capture.body));
    await page.goto(`${base}/evidence/${record.id}`);
    await page.getByRole('heading', { level: 1, name: 'Fence, second angle' }).waitFor();
    const form = page.locator('#evidence-link');
    const field = form.locator('[data-field="event"]');
    // Nothing chosen: the error is next to the field, and the field says it is wrong.
    await form.getByRole('button', { name: 'Link to the event' }).click();
    await field.locator('.field-error').getByText('Choose the event').waitFor();
    assert.equal(await form.getByLabel('Event from the chronology').getAttribute('aria-invalid'), 'true');
    // Found by search, an event that already cites another file: refused in place.
    const search = form.getByRole('combobox', { name: 'Or find an event' });
    await search.fill('perimeter');
    await page.getByRole('option', { name: /Photograph of the perimeter fence/ }).waitFor();
    await search.press('ArrowDown');
    await search.press('Enter');
    await form.getByRole('button', { name: 'Link to the event' }).click();
    await field.locator('.field-error').getByText(/already cites evi_demo_fence_photo/).waitFor();
    await shot('17-evidence-link-error');
    // Picked from the matter's chronology, by keyboard: linked, and shown on both sides.
    await form.getByLabel('Event from the chronology').selectOption(capture.body.id);
    await form.getByRole('button', { name: 'Link to the event' }).press('Enter');
    await form.getByTestId('link-done').waitFor();
    assert.equal(await field.locator('.field-error').count(), 0);
    const cites = page.locator('#evidence-record');
    await cites.getByRole('link', { name: 'Evidence capture' }).waitFor();
    await page.getByTestId('custody-log').getByRole('cell', { name: 'linked' }).waitFor();
    await shot('18-evidence-linked');
    const rec = await apiAs(MAYA, 'GET', `/evidence/${record.id}`);
    assert.deepEqual(rec.body.events.map((e) => e.id), [capture.body.id]);
    await cites.getByRole('link', { name: 'Evidence capture' }).click();
    await page.locator('#event-detail').getByRole('link', { name: record.id }).waitFor();
    await shot('19-event-cites-evidence');
  });

  step('exports a matter\'s evidence as a bag archive, originals or safe copies only', async () => {
    await ensureSignedIn(MAYA);
    await page.goto(base + '/matters/mat_wen_asylum');
    await page.getByRole('heading', { level: 1, name: 'Wen Hao: asylum (I-589)' }).waitFor();
    const card = page.locator('#matter-bag');
    for (const safeOnly of [false, true]) {
      const box = card.getByLabel('Safe copies only');
      if (safeOnly) await box.check();
      else await box.uncheck();
      const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Export bag' }).click()]);
      assert.equal(await download.failure(), null);
      const name = download.suggestedFilename();
      assert.match(name, safeOnly ? /^mat_wen_asylum-safe-copies-\d{4}-\d{2}-\d{2}\.tar$/ : /^mat_wen_asylum-bag-\d{4}-\d{2}-\d{2}\.tar$/);
      const saved = join(artifacts, name);
      await download.saveAs(saved);
      assert.ok(statSync(saved).size > 0, 'the archive is not empty');
      const listing = spawnSync('tar', ['-tf', saved], { encoding: 'utf8' });
      assert.equal(listing.status, 0, listing.stderr);
      assert.match(listing.stdout, /\/bagit\.txt\n/);
      assert.match(listing.stdout, /\/refuge-custody\.json\n/);
      if (safeOnly) assert.doesNotMatch(listing.stdout, /IMG_0412\.JPG/);
      else assert.match(listing.stdout, /data\/evi_demo_fence_photo\/IMG_0412\.JPG/);
      await card.getByTestId('bag-done').getByText(name).waitFor();
    }
    await shot('20-matter-bag');
    // The export is in the files' chains of custody.
    const log = await apiAs(MAYA, 'GET', '/evidence/evi_demo_fence_photo/custody');
    assert.ok(log.body.entries.some((e) => e.action === 'exported' && e.actor === 'maya'));
  });

  step('finds the client by the two-character Chinese name 温浩', async () => {
    await page.getByLabel('Search people, matters, events and notes').fill('温浩');
    await page.getByLabel('Search people, matters, events and notes').press('Enter');
    await page.getByRole('heading', { name: /result.* for “温浩”/ }).waitFor();
    const results = page.getByTestId('search-results');
    await results.getByRole('link', { name: 'Wen Hao' }).waitFor();
    assert.match(await results.innerText(), /温浩/);
    await shot('07-search-cjk');
    await results.getByRole('link', { name: 'Wen Hao' }).click();
    await page.getByRole('heading', { level: 1, name: 'Wen Hao' }).waitFor();
  });

  step('agenda lists deadlines and gives a working calendar feed link', async () => {
    await page.getByRole('link', { name: 'Agenda' }).click();
    await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
    await page.locator('#agenda-deadlines').getByText(/How this date was counted|No open or missed deadline/).first().waitFor();
    await page.getByRole('button', { name: 'Create feed link' }).click();
    const url = await page.getByLabel('Your feed address').inputValue();
    assert.match(url, /\/api\/v1\/calendar\.ics\?token=/);
    const ics = await fetch(url);
    assert.equal(ics.status, 200);
    assert.match(await ics.text(), /BEGIN:VCALENDAR/);
    await shot('08-agenda');
  });

  step('matter page shows team, deadlines and chronology', async () => {
    await page.goto(base + '/matters/mat_wen_bond');
    await page.getByRole('heading', { level: 1, name: 'Wen Hao: bond' }).waitFor();
    assert.match(await page.locator('#matter-team').innerText(), /maya/);
    const chron = (await apiAs(MAYA, 'GET', '/matters/mat_wen_bond/chronology')).body;
    await page.getByTestId('chronology-list').locator('> li').first().waitFor();
    assert.equal(await page.getByTestId('chronology-list').locator('> li').count(), chron.events.length);
    await shot('09-matter');
  });

  step('keeps typed text when the session ends and when the connection drops', async () => {
    await page.goto(base + '/events/new?subject=per_wen_hao');
    await page.getByLabel('Type of event').selectOption('note');
    await page.locator('[data-field="date"] input').fill('2026-11-20');
    const note = 'Called the Hudson annex about the medical records request.';
    await page.getByLabel('What happened').fill(note);
    // Revoke the browser's session behind its back.
    const cookie = (await context.cookies(base)).find((c) => c.name === 'refuge_session');
    assert.ok(cookie, 'the browser holds the session cookie');
    const revoke = await fetch(base + '/api/v1/session', { method: 'DELETE', headers: { Authorization: `Bearer ${cookie.value}` } });
    assert.equal(revoke.status, 204);
    await page.getByRole('button', { name: 'Save event' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your session has ended' });
    await dialog.waitFor();
    await shot('10-session-expired', { fullPage: false });
    await dialog.getByLabel('Password').fill(MAYA.password);
    await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('What happened').inputValue(), note);

    await context.setOffline(true);
    await page.getByRole('button', { name: 'Save event' }).click();
    await page.getByText(/Cannot reach the Refuge server/).waitFor();
    assert.equal(await page.getByLabel('What happened').inputValue(), note);
    await context.setOffline(false);
    await page.getByRole('button', { name: 'Save event' }).click();
    await page.getByTestId('chronology-list').locator('li', { hasText: note }).waitFor();
  });

  step('keeps a user off the team away from the case', async () => {
    await signOut();
    await signIn(OUTSIDER);
    assert.equal(await page.locator('#dash-deadlines li.deadline').count(), 0);
    await page.goto(base + '/people/per_wen_hao');
    await page.getByRole('alert').waitFor();
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /温浩|214-587-903|Mohawk Valley/);
    assert.match(text, /Not found/);
    await shot('11-off-team');
    const direct = await apiAs(OUTSIDER, 'GET', '/people/per_wen_hao/chronology');
    assert.equal(direct.status, 404);
    await signOut();
    await signIn(MAYA);
  });

  step('tells an advocate that views rest on what was shared, and claims no custody it cannot see', async () => {
    await signOut();
    await signIn(TENZIN);
    await page.goto(base + '/people/per_wen_hao');
    const card = page.getByTestId('custody-card');
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /Custody unknown/);
    assert.match(text, /shared with you/);
    assert.doesNotMatch(text, /Not in custody|Never detained/);
    await page.locator('#next-hearing').getByText('No hearing among the events shared with you.').waitFor();
    await shot('11b-advocate-custody');
    await signOut();
    await signIn(MAYA);
  });

  step('issues and revokes an API token from the account page', async () => {
    await page.locator('.who a').click();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    await page.getByLabel('Name of a new token').fill('nightly export');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('Token', { exact: true }).inputValue();
    assert.match(token, /\S{20,}/);
    const me = await fetch(base + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).username, 'maya');
    await page.getByRole('button', { name: 'Revoke token nightly export' }).click();
    await page.locator('#tokens').getByText(/revoked/).waitFor();
    const after = await fetch(base + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
  });

  step('signs an admin in with a second factor, manages users and teams, and shows the audit log', async () => {
    await signOut();
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const code = page.getByLabel('One-time code from your authenticator app');
    await code.waitFor();
    await code.fill(totp(adminTotpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
    const users = page.locator('#users');
    for (const u of ['maya', 'tenzin', 'quinn', 'ines']) await users.getByRole('cell', { name: u, exact: true }).waitFor();
    const form = page.locator('#new-user');
    await form.getByLabel('User name').fill('rosa');
    await form.getByLabel('First password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.locator('[data-field="password"] .field-error').waitFor();
    await form.getByLabel('First password').fill('rosa-reads-the-bond-file-9');
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByText('User rosa created').waitFor();
    await page.getByLabel('Matter id').fill('mat_wen_campaign');
    await page.getByLabel('Team (user names, separated by commas)').fill('tenzin, maya, rosa');
    await page.getByRole('button', { name: 'Set team' }).click();
    await page.locator('#team').getByText('Team of mat_wen_campaign: tenzin, maya, rosa.').waitFor();
    await page.locator('#audit').getByRole('cell', { name: 'user.create' }).first().waitFor();
    await shot('14-admin');
    const team = await apiAs(MAYA, 'GET', '/matters/mat_wen_campaign');
    assert.deepEqual(team.body.team, ['tenzin', 'maya', 'rosa']);
    await signOut();
    await signIn(MAYA);
  });

  step('works at phone width and by keyboard', async () => {
    await ensureSignedIn(MAYA);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + '/people/per_wen_hao');
    await page.getByTestId('journey-map').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling at phone width (${overflow}px too wide)`);
    await shot('12-person-phone', { fullPage: false });
    await page.getByTestId('journey-map').scrollIntoViewIfNeeded();
    await shot('13-person-phone-journey', { fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
    // The first Tab reaches the skip link; every form control has a label.
    await page.goto(base + '/events/new?subject=per_wen_hao');
    await page.getByLabel('Type of event').selectOption('detention');
    await page.keyboard.press('Tab');
    await page.locator('body').press('Shift+Tab');
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('main input, main select, main textarea')]
        .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
        .map((el) => el.name || el.id),
    );
    assert.deepEqual(unlabelled, []);
    // The facility is picked from the directory with the keyboard alone.
    const facility = page.getByRole('combobox', { name: /Facility/ });
    await facility.fill('MVPCNY');
    await page.getByRole('option', { name: /Mohawk Valley/ }).waitFor();
    await facility.press('ArrowDown');
    await facility.press('Enter');
    await page.getByText('fac_mohawk_valley').waitFor();
    await page.goto(base + '/');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  });

  it('logged no browser errors (CSP violations included)', () => {
    // The offline step makes Chromium log its failed fetch; anything else is a fault.
    const unexpected = consoleErrors.filter((t) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(t));
    assert.deepEqual(unexpected, []);
  });
});
