/**
 * Opens the generated Allure report in headless Chromium, the way a reader
 * opens it: from disk, as reports/allure-report/index.html. Runs with
 * `npm run test:report` (it needs Java for the report and Chromium for the
 * browser, which the unit tests do not), and .ci/run runs it.
 *
 * The results come from a fixed run over test/report/fixtures/report.feature:
 * one scenario passes, one stops the machine with bug check 0x4E.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ROOT, runCucumber } from '../../tooling/run-cucumber';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURES = path.join(ROOT, 'test', 'report', 'fixtures');
const SCREENSHOT = path.join(ROOT, 'reports', 'report-screenshot.png');
const PASSING = 'A small machine has no RAM above 4 GiB';
const FAILING = 'A driver that frees a parent MDL too early stops the machine';
const CATEGORY = 'Product failure: bug check 0x4E PFN_LIST_CORRUPT';

const { generateReport } = require('../../../scripts/report.cjs') as {
  generateReport: (o: { resultsDir: string; reportDir: string }) => string;
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-conformance-report-'));
const resultsDir = path.join(work, 'allure-results');
const reportDir = path.join(work, 'allure-report');
let index = '';
let context: BrowserContext | undefined;
let page: Page;
/** Every URL the report asked for: a report that opens from disk needs nothing but itself. */
const requested: string[] = [];

async function runFixtureSuite(): Promise<void> {
  fs.rmSync(resultsDir, { recursive: true, force: true });
  const run = await runCucumber(
    [path.join(FIXTURES, 'report.feature')],
    [
      '--require', path.join(FIXTURES, 'report.steps.ts'),
      '--format', `./scripts/allure-formatter.cjs:${path.join(work, 'formatter-output')}`,
      '--format-options', JSON.stringify({ resultsDir }),
    ],
  );
  assert.match(run.output, /2 scenarios \(1 failed, 1 passed\)/, run.output);
}

before(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `the report test needs Chromium at ${CHROMIUM}, and it is not installed. Install Debian's package: ` +
        `apt-get update && apt-get install -y chromium (.ci/run does this when it is missing). ` +
        `playwright-core drives that browser; it downloads none of its own.`,
    );
  }
  // Two runs into the same report: the second must carry the first one's trend forward.
  await runFixtureSuite();
  generateReport({ resultsDir, reportDir });
  await runFixtureSuite();
  index = generateReport({ resultsDir, reportDir });

  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(work, 'chromium-profile-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
});

after(async () => {
  await context?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Waits until the text is on screen (the report renders after its data is decoded); fails naming it. */
async function expectVisible(text: string, what: string): Promise<void> {
  try {
    await page.getByText(text, { exact: true }).first().waitFor({ state: 'visible' });
  } catch {
    assert.fail(`${what} "${text}" is not visible in the report`);
  }
}

/** Opens every group of the current tree (Suites, Behaviors, Categories), outermost first. */
async function expandTree(): Promise<void> {
  await page.waitForSelector('.node__title');
  for (let i = 0; i < 50; i++) {
    const collapsed = page.locator('.node[data-node-kind="group"]:not(.node__expanded) > .node__title');
    if ((await collapsed.count()) === 0) return;
    await collapsed.first().click();
  }
  throw new Error('the report tree kept showing collapsed groups after 50 clicks');
}

describe('the Allure report in a browser', () => {
  it('keeps the history of both runs, so the trend has two points', () => {
    const trend = JSON.parse(fs.readFileSync(path.join(reportDir, 'history', 'history-trend.json'), 'utf8')) as unknown[];
    assert.equal(trend.length, 2);
  });

  it('opens from disk and shows the suite\'s scenarios', async () => {
    await page.goto(`file://${index}#suites`);
    await expandTree();
    for (const name of [PASSING, FAILING]) await expectVisible(name, 'scenario');
    const remote = requested.filter((u) => !/^(file|data|blob):/.test(u));
    assert.deepEqual(remote, [], 'the report fetched something that is not in its own file');
  });

  it('shows the failure under its category', async () => {
    await page.goto(`file://${index}#categories`);
    await expectVisible(CATEGORY, 'category');
    await expandTree();
    await page.getByText(FAILING, { exact: true }).first().click();
    await expectVisible(`Categories: ${CATEGORY}`, 'the scenario\'s category line');
    // Its findings as data, for whoever reads the results after the report.
    await expectVisible('rule findings', 'the findings attachment');
  });

  it('shows the bug check screen and the memory map as SVG pictures', async () => {
    for (const attachment of ['bug check PFN_LIST_CORRUPT', 'physical memory map']) {
      await page.getByText(attachment, { exact: true }).click();
    }
    const pictures = page.locator('img.attachment-preview__media');
    await pictures.nth(1).waitFor();
    const shown = await pictures.evaluateAll((images) =>
      (images as HTMLImageElement[]).map((img) => ({ complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })),
    );
    assert.equal(shown.length, 2, JSON.stringify(shown));
    for (const s of shown) assert.ok(s.complete && s.width > 300 && s.height > 100, `a picture did not render: ${JSON.stringify(shown)}`);
    await pictures.first().scrollIntoViewIfNeeded();
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    // A viewport screenshot: full-page capture hangs with Debian's Chromium under playwright-core.
    await page.screenshot({ path: SCREENSHOT });
    assert.ok(fs.statSync(SCREENSHOT).size > 10_000);
  });
});
