/**
 * The suite's check of its own strength.
 *
 *   node scripts/mutation-check.cjs [name ...]
 *
 * Every reference, conforming and faulty driver of the class folders is found by
 * src/conformance/driver-finder.ts. Each runs in its own cucumber process against
 * features/conformance, restricted to the scenarios of the classes it
 * claims:
 *
 * - a reference driver, and a conforming driver (correct, taking a choice
 *   the contract allows that the references do not), must pass every one
 *   of them;
 * - a faulty driver declares the rule it breaks (breaksRule) and must be
 *   rejected FOR THAT RULE by at least one failing scenario tagged with it
 *   (only those scenarios are run for it): the first of the findings the
 *   failure carried names the rule (or a verifier catalog entry of that
 *   rule). A failure that names another rule does not count, and neither
 *   does one that carried no findings (an assertion, which names no rule
 *   however the scenario is tagged), a crash of the driver (a program error
 *   in its code, which breaks no rule: the `driver crash` attachment) or a broken run: a program error of the
 *   suite or the simulator (a plain Error or TypeError, a stop the simulator
 *   caused), an undefined step. The findings are data: the JSON attachment the
 *   report's hook gives a failed scenario (steps/support/failure-findings.ts),
 *   read from the message stream's attachment envelopes; no message text is
 *   read for a rule (src/diagnosis/failure-verdict.ts judges the data).
 *
 * Drivers are spread over worker processes, as many as the machine has
 * processors; each worker loads the support code once and runs its drivers
 * one after another through cucumber's API, reading the results from the
 * message stream. One line per driver, then `reference drivers passed: N/M`,
 * `conforming drivers passed: N/M` and
 * `faulty drivers rejected for their rule: N/M`.
 *
 * Decoys: each faulty driver's run is judged again as if the driver
 * declared another rule of its classes (every rule their scenarios are
 * tagged with, but its own and the verifier entries of its own), from the
 * same run's findings; no decoy may be credited, so a rejection is the
 * findings naming the rule, not the scenario being tagged with it:
 * `decoys credited: 0/N`. The exit status is non-zero unless every faulty
 * driver was rejected for its rule, no decoy was credited and every
 * reference and conforming driver passed.
 * Names given on the command line keep only the drivers whose name or file
 * contains one of them.
 */
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const { ROOT } = require('./project-paths.cjs');
const { scriptOrWorker } = require('./script-or-worker.cjs');

require('ts-node/register/transpile-only');
const { suiteDrivers } = require('../src/conformance/driver-finder');
const { describeVerdict, failureVerdict, verdictNames } = require('../src/diagnosis/failure-verdict');
const { ruleOfRef } = require('../src/rules/rule-ref');
const { prepareSuiteDrivers } = require('./prepare-drivers.cjs');

const FEATURES = path.join(ROOT, 'features', 'conformance');

/** Every driver of the suite: kind, file, and the driver's declarations. */
function discoverDrivers() {
  return suiteDrivers().map(({ kind, modulePath, runPath, driver }) => ({
    kind,
    file: path.relative(ROOT, modulePath),
    path: runPath, // a C driver's compiled module, as npm run conformance hands it to the world
    name: driver.name,
    classes: [...driver.conformanceClasses],
    breaksRule: driver.breaksRule ?? null,
  }));
}

/** A correct driver (a reference or a conforming one): it must pass every scenario of its classes. */
function isCorrect(driver) {
  return driver.kind === 'reference' || driver.kind === 'conforming';
}

/** The tag expression of the scenarios a driver is run against. */
function tagExpression(driver) {
  const classes = driver.classes.map((c) => `@class:${c}`).join(' or ');
  return driver.kind === 'faulty' ? `(${classes}) and @rule:${driver.breaksRule}` : `(${classes})`;
}

const { ALLURE_RUNTIME_MESSAGE, CRASH_ATTACHMENT, FINDINGS_ATTACHMENT } = require('../src/oracles/failure-attachments');

/** The JSON attachment `name` an attachment envelope carries, or null when it is not that attachment. */
function jsonAttachment(attachment, name) {
  if (attachment.mediaType !== ALLURE_RUNTIME_MESSAGE) return null;
  const body = JSON.parse(attachment.body);
  for (const m of Array.isArray(body) ? body : [body]) {
    if (m.type !== 'attachment_content' || m.data?.name !== name || m.data.contentType !== 'application/json') continue;
    return JSON.parse(Buffer.from(m.data.content, m.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8'));
  }
  return null;
}

const STATUS_RANK = { UNKNOWN: 0, PASSED: 1, SKIPPED: 2, PENDING: 3, UNDEFINED: 4, AMBIGUOUS: 5, FAILED: 6 };

/** Per scenario: name, location, tags, worst step status, the first error (message, type) and the findings or the driver's crash attached to it; plus run-level errors and the rules each class's scenarios are tagged with. */
function readResults(ndjson) {
  const pickles = new Map();
  const testCases = new Map();
  const started = new Map();
  const results = new Map();
  const runErrors = [];
  for (const line of ndjson.split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line);
    if (e.pickle) pickles.set(e.pickle.id, e.pickle);
    else if (e.testCase) testCases.set(e.testCase.id, e.testCase.pickleId);
    else if (e.testCaseStarted) started.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId);
    else if (e.testStepFinished) {
      const pickleId = testCases.get(started.get(e.testStepFinished.testCaseStartedId));
      const r = results.get(pickleId) ?? { status: 'UNKNOWN', message: null, errorType: null, findings: null, crash: null };
      const s = e.testStepFinished.testStepResult;
      if (STATUS_RANK[s.status] > STATUS_RANK[r.status]) r.status = s.status;
      if (s.status === 'FAILED' && r.message === null) {
        r.message = (s.message ?? s.exception?.message ?? '').split('\n').filter((l) => l.trim() !== '').slice(0, 2).join(' / ');
        r.errorType = s.exception?.type ?? null;
      }
      results.set(pickleId, r);
    } else if (e.attachment && e.attachment.testCaseStartedId) {
      const findings = jsonAttachment(e.attachment, FINDINGS_ATTACHMENT);
      const crash = jsonAttachment(e.attachment, CRASH_ATTACHMENT);
      if (findings || crash) {
        const pickleId = testCases.get(started.get(e.attachment.testCaseStartedId));
        const r = results.get(pickleId) ?? { status: 'UNKNOWN', message: null, errorType: null, findings: null, crash: null };
        if (findings) r.findings = findings;
        if (crash) r.crash = crash;
        results.set(pickleId, r);
      }
    } else if (e.testRunHookFinished && e.testRunHookFinished.result.status === 'FAILED') {
      runErrors.push(e.testRunHookFinished.result.message ?? 'a BeforeAll or AfterAll hook failed');
    } else if (e.testRunFinished && e.testRunFinished.exception) {
      runErrors.push(e.testRunFinished.exception.message ?? 'the run failed');
    }
  }
  // Every parsed scenario is announced; only those the tag expression kept became test cases.
  const kept = new Set(testCases.values());
  const scenarios = [...pickles.values()].filter((p) => kept.has(p.id)).map((p) => ({
    name: p.name,
    uri: p.uri,
    tags: p.tags.map((t) => t.name),
    status: results.get(p.id)?.status ?? 'UNKNOWN',
    message: results.get(p.id)?.message ?? null,
    findings: results.get(p.id)?.findings ?? null,
    crash: results.get(p.id)?.crash ?? null,
    errorType: results.get(p.id)?.errorType ?? null,
  }));
  return { scenarios, runErrors, classRules: classRulesOf([...pickles.values()]) };
}

/** Class -> the rules its scenarios are tagged with, from every parsed scenario (kept by the tag expression or not). */
function classRulesOf(pickles) {
  const byClass = {};
  for (const p of pickles) {
    const tags = p.tags.map((t) => t.name);
    const rules = tags.filter((t) => t.startsWith('@rule:')).map((t) => t.slice('@rule:'.length));
    for (const c of tags.filter((t) => t.startsWith('@class:')).map((t) => t.slice('@class:'.length))) {
      byClass[c] = [...new Set([...(byClass[c] ?? []), ...rules])].sort();
    }
  }
  return byClass;
}

/**
 * The scenarios of one driver, run in this process through cucumber's API
 * with the support code loaded once for every driver the process runs.
 * A faulty driver runs every scenario of its rule: the first failure may be
 * broken or name another rule while a later one names the driver's.
 */
async function runDrivers(drivers, report) {
  const { loadConfiguration, loadSupport, runCucumber } = require('@cucumber/cucumber/api');
  const { Writable } = require('node:stream');
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const environment = { cwd: ROOT, stdout: silent, stderr: silent };
  const { runConfiguration } = await loadConfiguration({ profiles: ['steps'], provided: { paths: [FEATURES] } }, environment);
  const support = await loadSupport(runConfiguration, environment);
  for (const driver of drivers) {
    const started = Date.now();
    const messages = [];
    const configuration = {
      ...runConfiguration,
      support,
      sources: { ...runConfiguration.sources, paths: [FEATURES], tagExpression: tagExpression(driver) },
      runtime: { ...runConfiguration.runtime, failFast: false, worldParameters: { driver: driver.path } },
      formats: { ...runConfiguration.formats, stdout: 'summary', files: {}, publish: false },
    };
    let runError = null;
    try {
      await runCucumber(configuration, environment, (envelope) => messages.push(JSON.stringify(envelope)));
    } catch (e) {
      runError = e instanceof Error ? e.message : String(e);
    }
    const results = readResults(messages.join('\n'));
    if (runError) results.runErrors.push(runError);
    report({ driver, seconds: (Date.now() - started) / 1000, ...results });
  }
}

/** Run a group of drivers in a worker process; resolves with their results in order. */
function runWorker(drivers) {
  return new Promise((resolve, reject) => {
    const results = [];
    const child = fork(__filename, ['--worker'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('message', (m) => results.push(m));
    child.on('error', reject);
    child.on('exit', (code) => {
      for (const d of drivers.slice(results.length)) {
        results.push({ driver: d, seconds: 0, scenarios: [], runErrors: [`the worker process exited (${code}) before running this driver: ${stderr.trim().split('\n').slice(-3).join(' / ')}`] });
      }
      resolve(results);
    });
    child.send(drivers);
  });
}

/** Spread drivers over workers, the heaviest first onto the least loaded (a reference driver runs every scenario of its classes). */
function assign(drivers, workers) {
  const groups = Array.from({ length: workers }, () => ({ load: 0, drivers: [] }));
  const weight = (d) => (isCorrect(d) ? 10 * d.classes.length : 1);
  for (const d of [...drivers].sort((a, b) => weight(b) - weight(a))) {
    const lightest = groups.reduce((x, y) => (y.load < x.load ? y : x));
    lightest.drivers.push(d);
    lightest.load += weight(d);
  }
  return groups.map((g) => g.drivers).filter((g) => g.length > 0);
}

/** The verdict on one driver's run: passed (reference) or rejected (faulty), with the line to print. */
function judge({ driver, seconds, scenarios, runErrors }) {
  const time = `${seconds.toFixed(1)} s`;
  const count = (status) => scenarios.filter((s) => s.status === status).length;
  if (runErrors.length > 0) {
    return { ok: false, line: `${driver.kind} ${driver.name} (${driver.file}): the run failed: ${runErrors[0].split('\n')[0]} [${time}]` };
  }
  if (isCorrect(driver)) {
    const bad = scenarios.filter((s) => s.status !== 'PASSED');
    const who = `${driver.kind} ${driver.name} (${driver.classes.join(', ')})`;
    if (scenarios.length === 0) return { ok: false, line: `${who}: no conformance scenario of its classes exists [${time}]` };
    if (bad.length === 0) return { ok: true, line: `${who}: passed ${scenarios.length}/${scenarios.length} scenarios [${time}]` };
    const detail = bad.slice(0, 3).map((s) => `"${s.name}" ${s.status.toLowerCase()}${s.message ? `: ${s.message}` : ''}`).join('; ');
    return { ok: false, line: `${who}: ${bad.length} of ${scenarios.length} scenarios did not pass: ${detail} [${time}]` };
  }
  if (!driver.breaksRule) return { ok: false, line: `faulty ${driver.name} (${driver.file}) declares no breaksRule: a faulty driver must name the rule it breaks` };
  if (scenarios.length === 0) {
    return { ok: false, line: `faulty ${driver.name} breaks ${driver.breaksRule}: NOT rejected: no scenario of ${driver.classes.join(', ')} is tagged @rule:${driver.breaksRule} [${time}]` };
  }
  const failing = scenarios.filter((s) => s.status === 'FAILED');
  if (failing.length === 0) {
    return { ok: false, line: `faulty ${driver.name} breaks ${driver.breaksRule}: NOT rejected: all ${scenarios.length} scenario(s) tagged @rule:${driver.breaksRule} passed (${count('SKIPPED')} skipped) [${time}]` };
  }
  const judged = judgeFailures(failing);
  const rejecting = judged.filter((j) => verdictNames(j.verdict, driver.breaksRule));
  if (rejecting.length === 0) {
    const why = judged.slice(0, 3).map((j) => `"${j.scenario.name}" ${describeVerdict(j.verdict)}${j.scenario.message ? `: ${j.scenario.message.slice(0, 200)}` : ''}`).join('; ');
    return { ok: false, line: `faulty ${driver.name} breaks ${driver.breaksRule}: NOT rejected for its rule: ${failing.length} failing scenario(s), none naming ${driver.breaksRule}: ${why} [${time}]` };
  }
  const first = rejecting[0];
  return {
    ok: true,
    line: `faulty ${driver.name} breaks ${driver.breaksRule}: rejected for its rule by ${rejecting.length}/${scenarios.length} scenario(s) (${failing.length} failing), first "${first.scenario.name}" ${describeVerdict(first.verdict)}${first.scenario.message ? `: ${first.scenario.message.slice(0, 240)}` : ''} [${time}]`,
  };
}

/** Each failing scenario with the verdict its data gives (src/diagnosis/failure-verdict.ts). */
function judgeFailures(failing) {
  return failing.map((s) => ({ scenario: s, verdict: failureVerdict({ findings: s.findings, crash: s.crash, errorType: s.errorType }) }));
}

/** The rules a faulty driver does not declare, to relabel it with: every rule its classes' scenarios are tagged with, but its own rule and that rule's verifier entries. */
function decoyRules(driver, classRules) {
  const own = ruleOfRef(driver.breaksRule);
  const tagged = new Set(driver.classes.flatMap((c) => classRules[c] ?? []));
  return [...tagged].filter((r) => r !== driver.breaksRule && ruleOfRef(r) !== own).sort();
}

/** The decoys of a faulty driver's run that its failures would credit: each names a rule the driver does not declare. */
function creditedDecoys({ driver, scenarios, classRules }) {
  const judged = judgeFailures(scenarios.filter((s) => s.status === 'FAILED'));
  const decoys = decoyRules(driver, classRules ?? {});
  return { decoys: decoys.length, credited: decoys.filter((rule) => judged.some((j) => verdictNames(j.verdict, rule))) };
}

async function main() {
  const filters = process.argv.slice(2);
  const started = Date.now();
  await prepareSuiteDrivers();
  let drivers = discoverDrivers();
  if (filters.length > 0) drivers = drivers.filter((d) => filters.some((f) => d.name.includes(f) || d.file.includes(f)));
  if (drivers.length === 0) {
    console.error('mutation-check: no driver modules found' + (filters.length ? ` matching ${filters.join(', ')}` : ''));
    return 1;
  }
  const parallel = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  const references = drivers.filter((d) => d.kind === 'reference');
  const conforming = drivers.filter((d) => d.kind === 'conforming');
  const faulty = drivers.filter((d) => d.kind === 'faulty');
  console.log(`mutation check: ${references.length} reference, ${conforming.length} conforming and ${faulty.length} faulty driver(s), ${parallel} at a time`);
  const results = (await Promise.all(assign(drivers, parallel).map(runWorker))).flat();
  const order = (r) => drivers.findIndex((d) => d.path === r.driver.path);
  const verdicts = results.sort((a, b) => order(a) - order(b)).map((r) => ({ kind: r.driver.kind, ...judge(r) }));
  for (const v of verdicts) console.log(`${v.ok ? 'ok  ' : 'FAIL'} ${v.line}`);
  const passed = (kind) => verdicts.filter((v) => v.kind === kind && v.ok).length;
  const referencesPassed = passed('reference');
  const conformingPassed = passed('conforming');
  const rejected = passed('faulty');
  console.log(`reference drivers passed: ${referencesPassed}/${references.length}`);
  console.log(`conforming drivers passed: ${conformingPassed}/${conforming.length}`);
  console.log(`time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`faulty drivers rejected for their rule: ${rejected}/${faulty.length}`);
  const decoys = results.filter((r) => r.driver.kind === 'faulty' && r.driver.breaksRule).map((r) => ({ driver: r.driver, ...creditedDecoys(r) }));
  const decoyCount = decoys.reduce((n, d) => n + d.decoys, 0);
  const credited = decoys.filter((d) => d.credited.length > 0);
  const creditedCount = credited.reduce((n, d) => n + d.credited.length, 0);
  for (const d of credited) console.log(`FAIL faulty ${d.driver.name} breaks ${d.driver.breaksRule}: relabelled as breaking ${d.credited.join(', ')}, it was rejected for that rule too`);
  console.log(`decoys credited: ${creditedCount}/${decoyCount}`);
  return referencesPassed === references.length && conformingPassed === conforming.length && rejected === faulty.length && creditedCount === 0 ? 0 : 1;
}

// A test requires the judging only; run as a script, it is the check or one of its workers.
module.exports = { judge, creditedDecoys, decoyRules, readResults };

if (require.main === module) scriptOrWorker('mutation-check', main, runDrivers);
