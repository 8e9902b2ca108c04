/**
 * The web app in a real browser (Debian's chromium driven by playwright-core) against the API and a worker on the
 * test Redis: sign in, draw an AOI, submit, follow the job, read the map, the table and a download (compared with
 * `sat run`'s output for the same job), and a schedule with its time series. Screenshots of each page go to
 * out/web-test/ (gitignored), or $SAT_WEB_SCREENSHOTS.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { WEB_APP_CSP } from '../../pipeline/service/web-app.js';
import { buildWebApp } from '../../web/build.js';
import { makeServiceData, removeDir, ServiceFixture, tempDir, TOKENS } from '../helpers/service-fixture.js';
import { repoRoot } from '../helpers/shared-data.js';

const CHROMIUM = process.env.SAT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const shots = process.env.SAT_WEB_SCREENSHOTS ?? path.join(repoRoot, 'out', 'web-test');

// Like the shared data: without chromium the browser tests are skipped with a message, except in CI.
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(`chromium not found at ${CHROMIUM} (apt-get install chromium, or set SAT_CHROMIUM)`);
if (!hasChromium) console.warn(`[skip] web app: chromium not found at ${CHROMIUM} (set SAT_CHROMIUM)`);

const dir = tempDir('web');
const data = path.join(dir, 'data');
let service: ServiceFixture;
let browser: Browser;
let page: Page;
/** Script errors and Content-Security-Policy violations seen in the page (none expected). */
const problems: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  // The server reads the bundle when it starts: build it first (what `npm run build` does).
  await buildWebApp();
  await makeServiceData(data);
  service = new ServiceFixture(path.join(dir, 'service'), data);
  await service.startApi();
  service.startWorker();
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('dialog', (dialog) => void dialog.accept());
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  // A page step (a selector after a click, a render) that takes 5 minutes is broken, not slow: fail it, so that a
  // broken page cannot hold CI for vitest's 30-minute limit. Waiting for jobs uses `until` below, without a limit.
  page.setDefaultTimeout(300_000);
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
  removeDir(dir);
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

/** Polls the page until `check` holds; fails at once when every worker has exited (then nothing can change). */
const until = (what: string, check: () => Promise<boolean>) => service.until(what, check, 200);

/** Every form control on the page with no label: its id (none expected). */
const unlabelled = () =>
  page.evaluate(`[...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.id || el.name || el.outerHTML)`) as Promise<string[]>;

/** The parts of the job form every test job shares: the synthetic scene, its model, regions and truth. */
async function fillInputs(name: string): Promise<void> {
  await page.fill('#f-name', name);
  await page.selectOption('#f-imagery', 'scene/scene.tif');
  await page.selectOption('#f-aux', 'scene/clouds.tif');
  await page.selectOption('#f-model', 'model');
  await page.selectOption('#f-regions-file', 'scene/regions.geojson');
  await page.waitForSelector('#f-regions-id option[value="code"]', { state: 'attached' });
  await page.selectOption('#f-regions-id', 'code');
  await page.check('input[name="ref-kind"][value="raster"]');
  await page.selectOption('#f-ref-raster', 'scene/truth.tif');
  await page.fill('#f-ref-size', '300');
  await page.fill('#f-ref-min', '20');
}

describe.runIf(hasChromium)('the web app in a browser', () => {
  it('serves the app without a token, under a Content-Security-Policy, and signs in with the token', async () => {
    const response = await page.goto(`${service.url}/`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toBe(WEB_APP_CSP);
    await page.waitForSelector('#token');
    expect(await unlabelled()).toEqual([]);
    await shot('1-sign-in');
    await page.fill('#token', 'not-the-right-token-at-all');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#token-error:not([hidden])');
    await page.fill('#token', TOKENS.alice);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#nav:not([hidden])');
    // Kept for the session, never in an address.
    expect(await page.evaluate('sessionStorage.getItem("satstat.token")')).toBe(TOKENS.alice);
    expect(page.url()).not.toContain(TOKENS.alice);
  });

  it('a job drawn on the map runs to completion; its map, table and CSV match sat run', async () => {
    await page.goto(`${service.url}/#/new`);
    await page.waitForSelector('#f-name');
    expect(await page.evaluate('document.activeElement.id')).toBe('f-name');
    expect(await unlabelled()).toEqual([]);
    // The quality settings show the service's defaults.
    expect(await page.inputValue('#f-cv-bands')).toBe('A:0.05, B:0.15, C:0.3');
    expect(await page.inputValue('#f-confidence')).toBe('0.95');
    await fillInputs('bad name!');
    await page.fill('#f-period-start', '2020-06-01');

    // Draw the AOI: four clicks on the map, Enter finishes the polygon. The map shows the (square) scene's regions
    // in its middle: the polygon lies in the scene's top-left quarter, one tile of 128 px.
    await page.check('input[name="aoi-mode"][value="draw"]');
    await page.waitForSelector('#aoi-map[data-rendered="true"]');
    const box = (await page.locator('#aoi-map').boundingBox())!;
    for (const [fx, fy] of [[0.33, 0.15], [0.46, 0.17], [0.45, 0.42], [0.34, 0.4]]) {
      await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
      await page.waitForTimeout(350); // single clicks, not a double click
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector('#aoi-status:has-text("Area of interest set")');
    await shot('2-new-job');

    // The API's validation errors appear next to their fields (a STAC source without bands included).
    await page.fill('#f-stac', 'stac/items.json');
    await page.click('#submit');
    await page.waitForSelector('#f-name-error:not([hidden])');
    expect(await page.textContent('#f-name-error')).toMatch(/letters, digits/);
    await page.waitForSelector('#f-stac-bands-error:not([hidden])');
    expect(await page.textContent('#f-stac-bands-error')).toMatch(/>=1 items/);
    await shot('3-new-job-error');

    await page.fill('#f-stac', '');
    await page.fill('#f-name', 'web-aoi');
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/jobs') && r.method() === 'POST'), page.click('#submit')]);
    const submitted = request.postDataJSON() as Record<string, unknown> & { aoi: { type: string } };
    expect(submitted.aoi.type).toBe('Polygon');
    await page.waitForURL(/#\/jobs\/web-aoi-/);
    await page.waitForSelector('#job-state[data-state]');
    await shot('4-job-running');
    await until('the job to finish', async () => ['completed', 'failed', 'cancelled'].includes((await page.getAttribute('#job-state', 'data-state')) ?? ''));
    expect(await page.textContent('#job-error')).toBe('');
    expect(await page.getAttribute('#job-state', 'data-state')).toBe('completed');
    const jobId = page.url().split('/').at(-1)!;
    expect((await service.status(jobId)).stages.find((st) => st.stage === 'prepare')!.total).toBe(1);

    // The same job through `sat run`, the AOI as a file, on the service's settings.
    writeFileSync(path.join(data, 'web-aoi.geojson'), JSON.stringify(submitted.aoi));
    const jobFile = path.join(data, 'web-aoi.yaml');
    writeFileSync(jobFile, YAML.stringify({ ...submitted, aoi: 'web-aoi.geojson', out: path.join(dir, 'sat-run') }));
    const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sat.js'), 'run', jobFile, '--config', service.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (status) => resolve({ status, stderr }));
    });
    expect(run.status, run.stderr).toBe(0);
    const expected = readFileSync(path.join(dir, 'sat-run', 'statistics', 'regions.csv'), 'utf8');
    const mappedClasses = expected
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c[1] === 'area' && Number(c[5]) > 0)
      .map((c) => c[3]);

    // The class map drawn from the COG: with the regions hidden, map pixels have the colours of mapped classes.
    await page.waitForSelector('#result-map[data-rendered="true"]');
    await shot('5-job-results');
    await page.uncheck('#layer-regions');
    await page.waitForSelector('#result-map[data-rendered="true"]');
    const colours = await page.$$eval('#class-legend li', (items) => items.map((li) => [li.textContent!.trim(), li.getAttribute('data-colour')!] as [string, string]));
    const png = await page.locator('#result-map canvas').first().screenshot();
    const { data: pixels, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const counts = new Map<string, number>();
    for (let i = 0; i < pixels.length; i += info.channels) {
      const hit = colours.find(([, hex]) => [0, 1, 2].every((k) => Math.abs(pixels[i + k] - parseInt(hex.slice(2 * k, 2 * k + 2), 16)) <= 2));
      if (hit) counts.set(hit[0], (counts.get(hit[0]) ?? 0) + 1);
    }
    const drawn = [...counts.entries()].filter(([, n]) => n > 20).map(([name]) => name);
    expect(drawn.length).toBeGreaterThan(0);
    for (const name of drawn) expect(mappedClasses, `${name} drawn but not mapped`).toContain(name);
    await page.check('#layer-regions');

    // The table: one row per CSV row, sortable and filterable.
    const csvRows = expected.trim().split('\n').length - 1;
    expect(await page.locator('#statistics-table tbody tr').count()).toBe(csvRows);
    await page.click('#statistics-table button[data-key="estimate"]');
    expect(await page.getAttribute('#statistics-table th:has(button[data-key="estimate"])', 'aria-sort')).toBe('ascending');
    await page.selectOption('#table-class', 'forest');
    expect(await page.locator('#statistics-table tbody tr').count()).toBe(expected.split('\n').filter((l) => l.split(',')[3] === 'forest').length);
    await page.locator('#statistics-table').scrollIntoViewIfNeeded();
    await shot('6-job-table');

    // The CSV downloaded from the page is sat run's.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-result="statistics.csv"]')]);
    expect(download.suggestedFilename()).toBe(`${jobId}-statistics.csv`);
    expect(readFileSync((await download.path())!, 'utf8')).toBe(expected);
  });

  it('a job whose area of interest misses the scene fails, and the job page says why in words', async () => {
    await page.goto(`${service.url}/#/new`);
    await page.waitForSelector('#f-name');
    await fillInputs('web-elsewhere');
    await page.fill('#f-period-start', '2020-06-01');
    // A bounding box typed in, far from the scene (which lies in UTM zone 33N).
    await page.check('input[name="aoi-mode"][value="bbox"]');
    await page.fill('#f-aoi-bbox', '-60, -10, -59.9, -9.9');
    await page.press('#f-aoi-bbox', 'Tab');
    await page.waitForSelector('#aoi-status:has-text("Area of interest set")');
    await page.click('#submit');
    await page.waitForURL(/#\/jobs\/web-elsewhere-/);
    await until('the job to fail', async () => (await page.getAttribute('#job-state', 'data-state')) === 'failed');
    expect(await page.textContent('#job-error')).toMatch(/^This job failed at the ingest stage: the AOI does not intersect \S*scene\.tif/);
    await shot('7-job-failed');
  });

  it('regions picked from the list (keyboard) become the AOI; a refused body is explained next to the AOI', async () => {
    await page.goto(`${service.url}/#/new`);
    await page.waitForSelector('#f-name');
    await fillInputs('web-regions');
    await page.fill('#f-period-start', '2020-06-01');
    await page.check('input[name="aoi-mode"][value="regions"]');
    await page.focus('#f-aoi-regions');
    await page.selectOption('#f-aoi-regions', ['R01', 'R03']);
    await page.waitForSelector('#aoi-status:has-text("2 region(s) chosen")');
    // The service answers this one as it answers a body over service.bodyLimitKB.
    await page.route('**/jobs', (route) => (route.request().method() === 'POST' ? route.fulfill({ status: 413, contentType: 'application/json', body: JSON.stringify({ error: 'Request body is too large' }) }) : route.continue()));
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/jobs') && r.method() === 'POST'), page.click('#submit')]);
    await page.unroute('**/jobs');
    const regions = (await (await service.fetch('/inputs/boundaries?file=scene%2Fregions.geojson')).json()) as { features: { properties: { code: string }; geometry: { type: string; coordinates: unknown[] } }[] };
    const parts = regions.features.filter((f) => ['R01', 'R03'].includes(f.properties.code)).flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates));
    const aoi = (request.postDataJSON() as { aoi: { type: string; coordinates: unknown[] } }).aoi;
    expect(aoi.type).toBe('MultiPolygon');
    expect(aoi.coordinates.length).toBe(parts.length);
    await page.waitForSelector('#f-aoi-mode-error:not([hidden])');
    expect(await page.textContent('#f-aoi-mode-error')).toMatch(/larger than the service accepts/);
  });

  it('lists the jobs; the settings offer a basemap, none by default', async () => {
    await page.goto(`${service.url}/#/jobs`);
    await page.waitForSelector('table.data a[href^="#/jobs/web-aoi-"]');
    await shot('8-jobs');
    await page.goto(`${service.url}/#/settings`);
    await page.waitForSelector('#basemap');
    expect(await page.inputValue('#basemap')).toBe('');
    expect(await unlabelled()).toEqual([]);
    await shot('9-settings');
  });

  it('a schedule made in the form runs, shows its time series with the interval band, and is deleted', async () => {
    await page.goto(`${service.url}/#/new/schedule`);
    await page.waitForSelector('#f-every');
    await fillInputs('web-series');
    await page.fill('#f-period-days', '2');
    expect(await unlabelled()).toEqual([]);
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/schedules') && r.method() === 'POST'), page.click('#submit')]);
    expect(request.postDataJSON()).toMatchObject({ every: 24 * 3_600_000, periodDays: 2 });
    await page.waitForURL(/#\/schedules\/sched-/);
    const id = page.url().split('/').at(-1)!;
    // An `every` scheduler fires at once: wait for that run's figures, then show them.
    await until('the first scheduled run', async () => ((await (await service.fetch(`/schedules/${id}/series`)).json()) as unknown[]).length > 0);
    await page.reload();
    await page.waitForSelector('svg.chart');
    await page.selectOption('#series-class', 'forest');
    expect(await page.locator('svg.chart circle.point').count()).toBe(1);
    expect(await page.locator('svg.chart polygon.band').count()).toBe(1);
    await shot('10-schedules');
    await page.click(`button[aria-label="Delete schedule web-series"]`);
    await until('the schedule to go', async () => (await page.url()).endsWith('#/schedules') && (await page.locator('td:has-text("No schedules yet")').count()) === 1);
    expect(((await (await service.fetch('/schedules')).json()) as unknown[]).length).toBe(0);
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    expect(problems).toEqual([]);
  });
});

describe.runIf(hasChromium)('what the app needs from the API', () => {
  it('results are served in byte ranges, as a map reading a COG asks', async () => {
    const [job] = (await (await service.fetch('/jobs')).json()) as { id: string }[];
    const route = `${service.url}/jobs/${job.id}/results/classes.tif`;
    const whole = Buffer.from(await (await service.fetch(`/jobs/${job.id}/results/classes.tif`)).arrayBuffer());
    const auth = { authorization: `Bearer ${TOKENS.alice}` };
    const part = await fetch(route, { headers: { ...auth, range: 'bytes=8-107' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 8-107/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(8, 108))).toBe(true);
    const tail = await fetch(route, { headers: { ...auth, range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(-10))).toBe(true);
    expect((await fetch(route, { headers: { ...auth, range: `bytes=${whole.length}-` } })).status).toBe(416);
    expect((await fetch(route, { headers: { range: 'bytes=0-9' } })).status).toBe(401);
  });

  it('lists the inputs of the data roots and serves a boundary set in lon/lat; nothing outside', async () => {
    // A symbolic link may lead out of the data roots: never listed, never served.
    symlinkSync('/etc', path.join(data, 'outside'));
    writeFileSync(path.join(dir, 'elsewhere.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
    symlinkSync(path.join(dir, 'elsewhere.geojson'), path.join(data, 'linked.geojson'));
    const catalog = (await (await service.fetch('/inputs')).json()) as { rasters: string[]; vectors: string[]; models: { path: string; classes: unknown[] }[] };
    expect(catalog.rasters).toEqual(expect.arrayContaining(['scene/scene.tif', 'scene/truth.tif', 'scene/clouds.tif']));
    expect(catalog.vectors).toContain('scene/regions.geojson');
    expect(catalog.models.map((m) => m.path)).toEqual(['model']);
    expect([...catalog.rasters, ...catalog.vectors].filter((f) => /outside|linked/.test(f))).toEqual([]);
    const regions = (await (await service.fetch('/inputs/boundaries?file=scene%2Fregions.geojson')).json()) as { features: { geometry: { coordinates: number[][][] } }[] };
    const [lon, lat] = regions.features[0].geometry.coordinates[0][0];
    expect(lon).toBeGreaterThan(10);
    expect(lon).toBeLessThan(20);
    expect(lat).toBeGreaterThan(40);
    for (const file of ['..%2F..%2Fsettings.yaml', '%2Fetc%2Fpasswd', 'scene%2Fscene.tif', 'linked.geojson', '..%2Felsewhere.geojson']) expect((await service.fetch(`/inputs/boundaries?file=${file}`)).status, file).toBe(404);
    expect((await (await service.fetch('/crs/32633')).json()) as { proj4: string }).toMatchObject({ proj4: expect.stringContaining('+zone=33') });
    expect((await service.fetch('/inputs', { token: null })).status).toBe(401);
    // The app's own files need no token, and lead nowhere else.
    expect((await service.fetch('/app/app.js', { token: null })).headers.get('content-type')).toMatch(/javascript/);
    expect((await service.fetch('/app/..%2F..%2Fpackage.json', { token: null })).status).toBe(404);
    // A dot segment sent as it is (fetch would resolve it first) reaches no API route without a token.
    const raw = await new Promise<number>((resolve, reject) => {
      const url = new URL(service.url);
      request({ host: url.hostname, port: url.port, path: '/app/../jobs' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject).end();
    });
    expect(raw).toBe(404);
  });
});
