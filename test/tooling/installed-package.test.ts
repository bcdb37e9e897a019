/**
 * The suite as a driver team gets it: the package is packed (`npm pack`),
 * installed into a temporary folder outside the checkout, and run from
 * there with `npx dma-conformance run` against a copy of
 * docs/example-driver.ts and a feature of the team's own, written in the
 * suite's step vocabulary plus one step the team defines.
 *
 * The install needs no network: the folder gets a lock file made from the
 * suite's package-lock.json (the runtime dependencies, at the versions the
 * suite pins), and `npm ci --offline` takes every package from the npm cache
 * that the suite's own `npm ci` filled.
 *
 * The team's folder holds a tsconfig.json that ts-node cannot use, and
 * TS_NODE_PROJECT points at it, so the run passes only if the package
 * compiles its TypeScript with its own settings.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChildRun, ROOT } from './run-cucumber';

/** The example driver's imports of the suite's sources, as a team imports them from the package (its exports map). */
const PACKAGE_IMPORTS: readonly (readonly [RegExp, string])[] = [
  [/'\.\.\/src\/personalities\/wdm\/contract'/g, "'dma-conformance/contract'"],
  [/'\.\.\/src\/personalities\/wdm\/driver-kit'/g, "'dma-conformance/driver-kit'"],
  [/'\.\.\/src\/contracts\/([\w-]+)'/g, "'dma-conformance/contracts/$1'"],
];

const TEAM_FEATURE = `@class:read-write-direct
Feature: team - whole sectors reach the application intact

  @rule:MDL-4
  Scenario: Reads and writes of whole sectors
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size      | offset into its page |
      | 512 bytes | 0                    |
      | 4 KiB     | 512                  |
    And "app.exe" writes buffers of these sizes:
      | size      | offset into its page |
      | 1 KiB     | 1024                 |
    And every application exits and the driver under test is unloaded
    Then the workload passes every check

  @rule:MDL-4
  Scenario: The team's own step runs beside the suite's
    Given the driver under test is started on the DMA test device
    Then the team's step sees a booted machine
`;

const TEAM_STEPS = `import { Then } from '@cucumber/cucumber';
import { strict as assert } from 'node:assert';

Then("the team's step sees a booted machine", function (this: { hasBooted: boolean }) {
  assert.equal(this.hasBooted, true);
});
`;

/** A tsconfig.json ts-node refuses (TS5107, TS5109): read by the suite, it would stop every run. */
const UNUSABLE_TSCONFIG = '{ "compilerOptions": { "module": "nodenext", "moduleResolution": "node10" } }\n';

function run(command: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<ChildRun & { seconds: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

/**
 * package.json and package-lock.json of a team's folder that has the packed package as a dev
 * dependency: the lock holds the package and the suite's runtime dependencies as the suite's
 * own lock file pins them, so `npm ci --offline` needs no registry.
 */
function teamManifests(tarball: string): { manifest: object; lock: object } {
  const suite = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const suiteLock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const spec = `file:${tarball}`;
  const devDependencies = { [suite.name]: spec };
  const packages: Record<string, object> = {
    '': { name: 'team-driver', version: '1.0.0', devDependencies },
    [`node_modules/${suite.name}`]: {
      version: suite.version,
      resolved: spec,
      integrity: `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`,
      dev: true,
      license: suite.license,
      dependencies: suite.dependencies,
      bin: suite.bin,
      engines: suite.engines,
    },
  };
  for (const [where, entry] of Object.entries(suiteLock.packages as Record<string, { dev?: boolean }>)) {
    if (where.startsWith('node_modules/') && !entry.dev) packages[where] = { ...entry, dev: true };
  }
  return {
    manifest: { name: 'team-driver', version: '1.0.0', private: true, devDependencies },
    lock: { name: 'team-driver', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

describe('the packed package, installed in a folder outside the checkout', () => {
  let work: string;
  let team: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-conformance-package-'));
    assert.ok(!work.startsWith(ROOT + path.sep), `${work} is inside the checkout`);
    const pack = await run('npm', ['pack', '--pack-destination', work], ROOT);
    assert.equal(pack.status, 0, pack.output);
    const tarballs = fs.readdirSync(work).filter((f) => f.endsWith('.tgz'));
    assert.equal(tarballs.length, 1, `npm pack wrote ${tarballs.join(', ') || 'no tarball'}`);
    const tarball = path.join(work, tarballs[0]!);
    console.log(`npm pack: ${pack.seconds.toFixed(1)} s`);

    team = path.join(work, 'team');
    fs.mkdirSync(path.join(team, 'features'), { recursive: true });
    fs.mkdirSync(path.join(team, 'steps'));
    const { manifest, lock } = teamManifests(tarball);
    fs.writeFileSync(path.join(team, 'package.json'), JSON.stringify(manifest, null, 2));
    fs.writeFileSync(path.join(team, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const install = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], team);
    assert.equal(install.status, 0, `npm ci --offline from the npm cache failed (a package missing from the cache is named as ENOTCACHED; the suite's own npm ci, with network, fills the cache):\n${install.output}`);
    console.log(`npm ci --offline of the packed package: ${install.seconds.toFixed(1)} s`);

    let driver = fs.readFileSync(path.join(ROOT, 'docs', 'example-driver.ts'), 'utf8');
    for (const [suiteImport, packageImport] of PACKAGE_IMPORTS) driver = driver.replace(suiteImport, packageImport);
    assert.doesNotMatch(driver, /from '\.\.?\//, 'the example driver imports only what the package exports');
    fs.writeFileSync(path.join(team, 'driver.ts'), driver);
    fs.writeFileSync(path.join(team, 'features', 'team-sectors.feature'), TEAM_FEATURE);
    fs.writeFileSync(path.join(team, 'steps', 'team.steps.ts'), TEAM_STEPS);
    fs.writeFileSync(path.join(team, 'tsconfig.json'), UNUSABLE_TSCONFIG);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('runs the driver and the team feature with the team step from there, writing the verdict and the report into --out', { timeout: 15 * 60_000 }, async () => {
    const conformance = await run(
      'npx',
      ['--no', '--', 'dma-conformance', 'run', '--driver', './driver.ts', '--out', './out', '--steps', './steps/*.ts', './features/team-sectors.feature'],
      team,
      { TS_NODE_PROJECT: path.join(team, 'tsconfig.json') },
    );
    console.log(`npx dma-conformance run: ${conformance.seconds.toFixed(1)} s`);
    assert.equal(conformance.status, 0, conformance.output);

    const out = path.join(team, 'out');
    const verdict = JSON.parse(fs.readFileSync(path.join(out, 'verdict.json'), 'utf8'));
    assert.equal(verdict.passed, true, JSON.stringify(verdict));
    assert.deepEqual(verdict.classes.map((c: { conformanceClass: string; passed: number; total: number }) => [c.conformanceClass, c.passed, c.total]), [['read-write-direct', 2, 2]]);
    assert.ok(fs.existsSync(path.join(out, 'verdict-junit.xml')), 'verdict-junit.xml');
    assert.ok(fs.existsSync(path.join(out, 'allure-report', 'index.html')), 'the report');
    assert.equal(fs.existsSync(path.join(team, 'node_modules', 'dma-conformance', 'reports')), false, "nothing written into the installed package's folder");
  });

  it('answers --help for the command and for each subcommand', async () => {
    for (const command of [[], ['run'], ['fuzz'], ['sweep'], ['report'], ['steps']]) {
      const help = await run('npx', ['--no', '--', 'dma-conformance', ...command, '--help'], team);
      assert.equal(help.status, 0, help.output);
      assert.ok(help.output.startsWith(`usage: dma-conformance ${command[0] ?? '<command>'}`), help.output);
    }
  });
});
