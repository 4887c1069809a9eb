/**
 * The dashboard in a real browser (headless Chromium through playwright-core) against a real
 * gateway: the demo shop as the origin, real requests from three clients on three versions,
 * counted by the recorder and flushed to an in-memory SQLite store, read back through the admin
 * usage API by the page's own script. Saves test-results/dashboard.png (overview) and
 * test-results/dashboard-client.png (a client's drill-down).
 */

import { mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../gateway/config/load.js';
import { createGateway, type Gateway } from '../../gateway/server.js';
import { loadTranslator, type Translator } from '../../gateway/translate/translator.js';
import { startDemo, type RunningDemo } from '../../demo/server.js';
import { startTestGateway, type TestGateway } from '../helpers/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const RESULTS = 'test-results';

/** 2024-01-01's sunset: two months ahead, whenever the test runs. */
const SUNSET = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);

/** The demo's versions and changes; 2023-06-01 and 2024-01-01 are deprecated (2023-06-01 is sunset after 2025-12-31). */
function gatewayYaml(originUrl: string): string {
  return `
versions:
  - id: "2023-06-01"
    deprecated: "2024-06-01"
    sunset: "2025-12-31"
    successor: "2025-06-01"
  - id: "2024-01-01"
    deprecated: "2025-06-01"
    sunset: "${SUNSET}"
    successor: "2025-06-01"
  - id: "2024-09-01"
  - id: "2025-06-01"
clients:
  - header: X-Client-Id
  - remoteAddress: true
upstreams:
  shop:
    url: ${originUrl}
routes:
  - prefix: /orders
    upstream: shop
  - prefix: /customers
    upstream: shop
translation:
  spec: specs/shop.openapi.yaml
  changes: versions
usage:
  flushInterval: 100ms
`;
}

// A client id is whatever a caller puts in X-Client-Id: the page must show it as text.
const HOSTILE_ID = '<img src=x onerror="window.__xss=1">';
const TRAFFIC = [
  { client: 'beta-shop', version: '2024-01-01', paths: ['/orders/ord_0001', '/orders/ord_0001', '/orders/ord_0002', '/orders', '/orders'] },
  { client: HOSTILE_ID, version: '2023-06-01', paths: ['/orders/ord_0003', '/orders/ord_0003', '/orders'] },
  // No X-Client-Id: known by its address, on the head version.
  { client: undefined, version: '2025-06-01', paths: ['/orders', '/orders', '/customers/cus_0001', '/orders/ord_0001'] },
];
const DEPRECATED_REQUESTS = 8;

let demo: RunningDemo;
let translator: Translator;
let gw: TestGateway;
let browser: Browser;

async function sendTraffic(url: string): Promise<void> {
  for (const { client, version, paths } of TRAFFIC) {
    for (const path of paths) {
      const headers: Record<string, string> = { 'API-Version': version };
      if (client) headers['X-Client-Id'] = client;
      const res = await fetch(new URL(path, url), { headers });
      await res.arrayBuffer();
    }
  }
}

/** Until the recorder's flush has reached the store, as the admin API reports it. */
async function waitForUsage(adminUrl: string, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(new URL('/usage/deprecated', adminUrl), { headers });
    const body = await res.json() as { deprecated_requests?: number };
    if (body.deprecated_requests === DEPRECATED_REQUESTS) return;
    if (Date.now() > deadline) throw new Error(`usage never reached the store: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A page that fails the test on script errors and content-security-policy violations. */
async function openPage(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // The token test provokes 401s on purpose; Chromium logs each failed fetch.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  demo = await startDemo();
  const yaml = gatewayYaml(demo.url);
  translator = (await loadTranslator(loadConfigText(yaml, 'test.yaml')))!;
  gw = await startTestGateway(yaml, { translator });
  await sendTraffic(gw.url);
  await waitForUsage(gw.adminUrl);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await demo?.close();
});

describe('the dashboard in a browser', () => {
  it('lists the clients on deprecated versions with their exact counts, draws the chart, and drills down into a client', async () => {
    const { page, problems } = await openPage();
    try {
      await page.goto(new URL('/dashboard', gw.adminUrl).href);
      await page.waitForSelector('#clients tbody tr');

      // Summary: 8 of 12 requests were on deprecated versions.
      expect(await page.textContent('#share')).toBe('67%');
      expect(await page.textContent('#share-detail')).toBe('8 of 12 requests');
      expect(await page.textContent('#total')).toBe('12');
      expect(await page.textContent('#client-total')).toBe('2');
      expect(await page.textContent('#client-total-detail')).toBe('calling 2 of 2 deprecated versions');

      // Days to sunset: both deprecated versions, oldest first, with their traffic.
      const sunsets = await page.$$eval('#sunsets tbody tr', (rows) => rows.map((r) => ({
        version: r.getAttribute('data-version'),
        cells: [...r.children].map((c) => c.textContent!.trim()),
      })));
      expect(sunsets.map((s) => s.version)).toEqual(['2023-06-01', '2024-01-01']);
      expect(sunsets[0].cells.slice(-2)).toEqual(['3', '1']);
      expect(sunsets[1].cells.slice(-2)).toEqual(['5', '1']);
      expect(sunsets[1].cells[1]).toBe('deprecated');

      // The clients still on deprecated versions, busiest first, with exact counts; the
      // address-identified client on the head version is not among them.
      const rows = await page.$$eval('#clients tbody tr', (trs) => trs.map((tr) => ({
        client: tr.querySelector('a.client-link')!.textContent,
        version: tr.getAttribute('data-version'),
        requests: tr.querySelector('td.requests')!.textContent,
        lastSeen: tr.querySelector('time')?.textContent,
        impact: tr.querySelector('td.impact')!.textContent,
      })));
      expect(rows.map(({ client, version, requests }) => ({ client, version, requests }))).toEqual([
        { client: 'beta-shop', version: '2024-01-01', requests: '5' },
        { client: HOSTILE_ID, version: '2023-06-01', requests: '3' },
      ]);
      expect(rows[0].lastSeen).toBe('just now');
      expect(rows[0].impact).toContain('2024-09-01/order-amount-minor-units');
      expect(await page.textContent('#clients-count')).toBe('Showing 2 of 2 clients');

      // The hostile id is text, never markup.
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(await page.locator('#clients img').count()).toBe(0);

      // The chart: one stacked line per version with the traffic sent, deprecated ones marked,
      // and pixels actually drawn on the canvas.
      const chart = await page.evaluate(() => {
        const canvas = document.getElementById('chart') as HTMLCanvasElement;
        const instance = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { label: string; data: number[]; borderDash: number[] }[] } } } }).Chart.getChart(canvas)!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
        return {
          datasets: instance.data.datasets.map((d) => ({ label: d.label, total: d.data.reduce((a, b) => a + b, 0), dashed: d.borderDash.length > 0 })),
          painted,
          width: canvas.width,
        };
      });
      expect(chart.datasets).toEqual([
        { label: expect.stringMatching(/^2023-06-01 \((deprecated|sunset)\)$/), total: 3, dashed: true },
        { label: '2024-01-01 (deprecated)', total: 5, dashed: true },
        { label: '2025-06-01 (latest)', total: 4, dashed: false },
      ]);
      expect(chart.width).toBeGreaterThan(600);
      expect(chart.painted).toBeGreaterThan(1000);

      await page.screenshot({ path: `${RESULTS}/dashboard.png`, fullPage: true });

      // A client's drill-down: versions, operations, impact; the URL names the client.
      await page.click('#clients a.client-link >> text=beta-shop');
      await page.waitForSelector('#detail[open] .facts');
      expect(await page.evaluate(() => location.hash)).toBe('#client=beta-shop');
      expect(await page.textContent('#detail-title')).toBe('beta-shop');
      const detail = await page.textContent('#detail-body');
      expect(detail).toContain('2024-01-01');
      expect(detail).toContain('GET /orders/{id}');
      expect(detail).toContain('2024-09-01/order-amount-minor-units');
      expect(detail).toContain('2025-06-01/order-customer-id');
      // Each change names the operations of this client's it touches.
      const changes = await page.locator('#detail-body .changes li').count();
      expect(changes).toBeGreaterThanOrEqual(5);
      expect(await page.locator('#detail-body .changes li .change-ops').count()).toBe(changes);
      const versions = await page.$$eval('#detail-body tr[data-version]', (trs) => trs.map((tr) => [tr.getAttribute('data-version'), tr.querySelector('td.num')!.textContent]));
      expect(versions).toEqual([['2024-01-01', '5']]);
      await page.screenshot({ path: `${RESULTS}/dashboard-client.png` });

      // Closing drops the client from the URL; the shared URL opens it again.
      // The dialog's close event is queued as a task (HTML's dialog close steps): wait for it.
      await page.click('#detail-close');
      await page.waitForFunction(() => !document.querySelector('#detail[open]'));
      await page.waitForFunction(() => location.hash === '');
      await page.goto(new URL(`/dashboard#client=${encodeURIComponent(HOSTILE_ID)}`, gw.adminUrl).href);
      await page.waitForSelector('#detail[open] .facts');
      expect(await page.textContent('#detail-title')).toBe(HOSTILE_ID);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      await page.keyboard.press('Escape');
      await page.waitForSelector('#detail:not([open])', { state: 'attached' });
      // The dialog's close event, which drops the client from the URL, is a queued task: wait for it.
      await page.waitForFunction(() => location.hash === '');
      expect(await page.evaluate(() => location.hash)).toBe('');

      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('filters the fetched clients and switches the time range', async () => {
    const { page, problems } = await openPage();
    try {
      await page.goto(new URL('/dashboard', gw.adminUrl).href);
      await page.waitForSelector('#clients tbody tr');
      await page.fill('#filter', 'beta');
      await page.waitForFunction(() => document.querySelectorAll('#clients tbody tr').length === 1);
      expect(await page.textContent('#clients-count')).toBe('1 of the 2 fetched match “beta”');
      await page.fill('#filter', 'nobody-like-this');
      // A client beyond the fetched top N can still be opened by its exact id.
      await page.waitForFunction(() => document.querySelector('#lookup-button')!.textContent === 'Look up client “nobody-like-this”');
      expect(await page.textContent('#clients-empty')).toBe('No fetched client matches “nobody-like-this”.');

      await page.click('label[for="range-24h"]');
      await page.waitForFunction(() => location.hash === '#range=24h' && document.querySelector('#updated')!.textContent!.includes('24 hours'));
      expect(await page.textContent('#total')).toBe('12');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('says in its footer which configuration runs, and that the last reload was refused', async () => {
    const { page, problems } = await openPage();
    try {
      await page.goto(new URL('/dashboard', gw.adminUrl).href);
      await page.waitForFunction(() => document.querySelector('#config')!.textContent !== '');
      const hash = gw.gateway.status().config_hash;
      expect(await page.textContent('#config')).toMatch(new RegExp(`^Configuration ${hash}, loaded .+ at start-up\\.$`));

      // The test's config came from text, so a reload finds no file to read: refused, and the footer says so.
      const result = await gw.gateway.reload('admin');
      expect(result.result).toBe('failure');
      await page.click('#refresh');
      await page.waitForFunction(() => document.querySelector('#config')!.classList.contains('error'));
      expect(await page.textContent('#config')).toMatch(new RegExp(`^Configuration ${hash}, loaded .+\\. The last reload \\(admin, .+\\) failed with 1 problem; this configuration is still running\\. .*test\\.yaml .*: cannot read the file \\(ENOENT\\)$`));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the dashboard behind an admin token', () => {
  const TOKEN = 'dashboard-test-token-0123456789';
  let gateway: Gateway;
  let adminUrl: string;

  beforeAll(async () => {
    const config = loadConfigText(`${gatewayYaml(demo.url)}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
store: { sqlite: ":memory:" }
`, 'test.yaml');
    const quiet = new Writable({ write: (_chunk, _enc, cb) => cb() });
    gateway = createGateway(config, { translator, logStream: quiet });
    const urls = await gateway.listen();
    await sendTraffic(urls.url);
    await waitForUsage(urls.adminUrl, { authorization: `Bearer ${TOKEN}` });
    adminUrl = urls.adminUrl;
  }, 60_000);
  afterAll(() => gateway?.close());

  it('asks for the token, keeps it for the tab and sends it with every request', async () => {
    const { page, problems } = await openPage();
    try {
      const authorizations: (string | undefined)[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/usage')) authorizations.push(request.headers().authorization);
      });
      await page.goto(new URL('/dashboard', adminUrl).href);
      await page.waitForSelector('#token:not([hidden])');
      expect(await page.isHidden('#content')).toBe(true);

      await page.fill('#token-input', 'not-the-token-at-all');
      await page.click('#token-form button[type=submit]');
      await page.waitForFunction(() => document.querySelector('#token-error')!.textContent!.includes('not accepted'));

      await page.fill('#token-input', TOKEN);
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#clients tbody tr');
      expect(await page.isHidden('#token')).toBe(true);
      expect(await page.evaluate(() => sessionStorage.getItem('verso.adminToken'))).toBe(TOKEN);

      // A reload in the same tab needs no second prompt.
      await page.reload();
      await page.waitForSelector('#clients tbody tr');
      expect(await page.isHidden('#token')).toBe(true);
      expect(authorizations.at(-1)).toBe(`Bearer ${TOKEN}`);
      expect(authorizations.filter((a) => a === `Bearer ${TOKEN}`).length).toBeGreaterThanOrEqual(4);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
