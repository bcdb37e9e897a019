/**
 * Every detection proven by the suite.
 *
 *   node scripts/detection-proof.cjs [id ...]
 *
 * For each detection of src/kernel/detections/detection-registry.ts, run
 * only the proofs the registry lists for it, in this process through
 * cucumber's API, first with every detection on and then with that one
 * switched off (src/kernel/detections/detection-switch.ts):
 *
 * - a scenario, or the scenarios a tag expression selects under a feature
 *   path, notices when one that passed now FAILS (an undefined or ambiguous
 *   step does not count);
 * - a faulty driver, run against the scenarios of its class tagged with the
 *   rule it declares breaking (or the one the proof names), notices when a
 *   scenario that rejected it for that rule, as the mutation check judges
 *   (src/diagnosis/failure-verdict.ts), no longer does.
 *
 * A detection is proven when one of its proofs notices. Detections are spread
 * over worker processes, as many as the machine has processors; each worker
 * loads the support code once. One line per detection, then
 * `detections proven: N/M`; the exit status is non-zero when N < M.
 * Ids given on the command line keep only the detections whose id contains
 * one of them.
 */
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const { ROOT } = require('./project-paths.cjs');
const { scriptOrWorker } = require('./script-or-worker.cjs');

require('ts-node/register/transpile-only');
const { DETECTIONS } = require('../src/kernel/detections/detection-registry');

const CONFORMANCE_FEATURES = path.join(ROOT, 'features', 'conformance');
/** DETECTION_PROOF_VERBOSE=1 prints every scenario a proof ran, with its status, on stderr. */
const VERBOSE = process.env.DETECTION_PROOF_VERBOSE === '1';

function describeProof(proof) {
  if ('faultyDriver' in proof) return `faulty driver ${proof.driverClass}/${proof.faultyDriver}`;
  if ('scenario' in proof) return `scenario "${proof.scenario}" (${proof.feature})`;
  return `${proof.tags} in ${proof.feature}`;
}

const faultyDriverPath = (proof) => path.join(ROOT, 'src', 'conformance', proof.driverClass, 'faulty', `${proof.faultyDriver}.ts`);

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const { ALLURE_RUNTIME_MESSAGE, FINDINGS_ATTACHMENT } = require('../src/oracles/failure-attachments');

/** The findings an attachment envelope carries, or null. */
function attachedFindings(attachment) {
  if (attachment.mediaType !== ALLURE_RUNTIME_MESSAGE) return null;
  const body = JSON.parse(attachment.body);
  const message = (Array.isArray(body) ? body : [body]).find((m) => m.type === 'attachment_content' && m.data?.name === FINDINGS_ATTACHMENT);
  return message ? JSON.parse(Buffer.from(message.data.content, message.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8')) : null;
}

/**
 * Each test case the run kept: a key that is the same in every run, its
 * name and rule tags, its worst status, and what its verdict needs (the
 * first error's type, whether a Then step or a hook raised it, the findings
 * attached).
 */
function scenariosOf(envelopes) {
  const rank = { PASSED: 1, SKIPPED: 2, PENDING: 3, UNDEFINED: 4, AMBIGUOUS: 5, FAILED: 6 };
  const pickles = new Map();
  const seen = new Map();
  const stepTypes = new Map();
  const caseOfStarted = new Map();
  const cases = new Map();
  for (const e of envelopes) {
    if (e.pickle) {
      // Pickle ids differ from run to run; file, name and occurrence do not (an outline repeats its name).
      const base = `${e.pickle.uri}|${e.pickle.name}`;
      seen.set(base, (seen.get(base) ?? 0) + 1);
      pickles.set(e.pickle.id, { pickle: e.pickle, key: `${base}|${seen.get(base)}` });
    } else if (e.testCase) {
      const { pickle, key } = pickles.get(e.testCase.pickleId);
      const types = new Map(pickle.steps.map((st) => [st.id, st.type]));
      for (const ts of e.testCase.testSteps ?? []) stepTypes.set(ts.id, ts.pickleStepId ? types.get(ts.pickleStepId) : 'Hook');
      const rules = pickle.tags.map((t) => t.name).filter((t) => t.startsWith('@rule:')).map((t) => t.slice('@rule:'.length));
      cases.set(e.testCase.id, { key, name: pickle.name, rules, status: 'PASSED', errorType: null, inThenStep: false, findings: null });
    } else if (e.testCaseStarted) caseOfStarted.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId);
    else if (e.testStepFinished) {
      const c = cases.get(caseOfStarted.get(e.testStepFinished.testCaseStartedId));
      const r = e.testStepFinished.testStepResult;
      if (r.status === 'FAILED' && c.status !== 'FAILED') {
        c.errorType = r.exception?.type ?? null;
        const type = stepTypes.get(e.testStepFinished.testStepId);
        c.inThenStep = type === 'Outcome' || type === 'Hook' || type === undefined;
      }
      if ((rank[r.status] ?? 0) > (rank[c.status] ?? 0)) c.status = r.status;
    } else if (e.attachment?.testCaseStartedId) {
      const findings = attachedFindings(e.attachment);
      if (findings) cases.get(caseOfStarted.get(e.attachment.testCaseStartedId)).findings = findings;
    }
  }
  return [...cases.values()];
}

/** Worker: each detection switched off in turn, its proofs run; reports { id, proofs: [{ proof, noticed, why }], seconds }. */
async function work(detections, report) {
  const { loadConfiguration, loadSupport, runCucumber } = require('@cucumber/cucumber/api');
  const { Writable } = require('node:stream');
  const { switchDetectionOff } = require('../src/kernel/detections/detection-switch');
  const { loadDriverModule } = require('../src/personalities/wdm/loader');
  const { failureVerdict, verdictNames } = require('../src/diagnosis/failure-verdict');
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const environment = { cwd: ROOT, stdout: silent, stderr: silent };
  const { runConfiguration } = await loadConfiguration({ profiles: ['steps'], provided: { paths: [CONFORMANCE_FEATURES] } }, environment);
  const support = await loadSupport(runConfiguration, environment);

  async function run(sources, worldParameters) {
    const envelopes = [];
    const configuration = {
      ...runConfiguration,
      support,
      sources: { ...runConfiguration.sources, names: [], tagExpression: '', ...sources },
      runtime: { ...runConfiguration.runtime, failFast: false, worldParameters },
      formats: { ...runConfiguration.formats, stdout: 'summary', files: {}, publish: false },
    };
    await runCucumber(configuration, environment, (envelope) => envelopes.push(envelope));
    return scenariosOf(envelopes);
  }

  /** The scenarios one proof runs, each with its status. */
  async function scenariosOfProof(proof) {
    if ('faultyDriver' in proof) {
      const modulePath = faultyDriverPath(proof);
      const driver = loadDriverModule(modulePath, ROOT);
      return run({
        paths: [CONFORMANCE_FEATURES],
        tagExpression: `@class:${proof.driverClass} and @rule:${driver.breaksRule}`,
        names: proof.scenario ? [`^${escapeRegExp(proof.scenario)}$`] : [],
      }, { driver: modulePath });
    }
    const sources = 'scenario' in proof
      ? { paths: [path.join(ROOT, proof.feature)], names: [`^${escapeRegExp(proof.scenario)}$`] }
      : { paths: [path.join(ROOT, proof.feature)], tagExpression: proof.tags };
    return run(sources, {});
  }

  /**
   * Run a proof with the detection on, then off. A faulty driver notices when
   * a scenario that rejected it accepts it; a scenario, when it passed and
   * now fails.
   */
  async function prove(id, proof) {
    const breaksRule = 'faultyDriver' in proof ? loadDriverModule(faultyDriverPath(proof), ROOT).breaksRule : null;
    const on = await scenariosOfProof(proof);
    const restore = switchDetectionOff(id);
    let off;
    try {
      off = await scenariosOfProof(proof);
    } finally {
      restore();
    }
    if (off.length === 0) return { noticed: false, why: 'selects no scenario' };
    const before = new Map(on.map((s) => [s.key, s.status]));
    if ('faultyDriver' in proof) {
      // The mutation check's judgement: a failing scenario whose verdict names the rule the driver breaks.
      const rejects = (sc) => sc.status === 'FAILED' && verdictNames(failureVerdict(sc), breaksRule, sc.rules);
      const rejectedBefore = new Set(on.filter(rejects).map((sc) => sc.key));
      if (VERBOSE) for (const sc of off) console.error(`  ${id}: ${rejectedBefore.has(sc.key) ? 'rejects' : 'accepts'} -> ${rejects(sc) ? 'rejects' : 'accepts'}: ${sc.name}`);
      const rejecting = off.filter((sc) => rejectedBefore.has(sc.key));
      if (rejecting.length === 0) return { noticed: false, why: `none of its ${off.length} scenario(s) rejects it for ${breaksRule} with the detection on` };
      const accepting = rejecting.filter((sc) => !rejects(sc));
      return accepting.length > 0
        ? { noticed: true, why: `${accepting.length} of the ${rejecting.length} scenario(s) rejecting it for ${breaksRule} no longer do, first "${accepting[0].name}"` }
        : { noticed: false, why: `all ${rejecting.length} scenario(s) rejecting it for ${breaksRule} still do` };
    }
    if (VERBOSE) for (const sc of off) console.error(`  ${id}: ${before.get(sc.key)} -> ${sc.status}: ${sc.name}`);
    const passing = off.filter((s) => before.get(s.key) === 'PASSED');
    if (passing.length === 0) return { noticed: false, why: `none of its ${off.length} scenario(s) passes with the detection on` };
    const failing = passing.filter((s) => s.status === 'FAILED');
    return failing.length > 0
      ? { noticed: true, why: `${failing.length} of ${passing.length} scenario(s) fail${failing.length < off.length ? `, first "${failing[0].name}"` : ''}` }
      : { noticed: false, why: `${passing.length} scenario(s) ran, none failed` };
  }

  for (const detection of detections) {
    const started = Date.now();
    const results = [];
    for (const proof of detection.proofs) {
      try {
        results.push({ proof, ...(await prove(detection.id, proof)) });
      } catch (e) {
        results.push({ proof, noticed: false, why: `the run failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` });
      }
      if (results.at(-1).noticed) break; // one proof is enough
    }
    report({ id: detection.id, results, seconds: (Date.now() - started) / 1000 });
  }
}

function runWorker(detections) {
  return new Promise((resolve, reject) => {
    const results = [];
    const child = fork(__filename, ['--worker'], { cwd: ROOT, stdio: ['ignore', 'ignore', VERBOSE ? 'inherit' : 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('message', (m) => results.push(m));
    child.on('error', reject);
    child.on('exit', (code) => {
      for (const d of detections.slice(results.length)) {
        results.push({ id: d.id, seconds: 0, results: [{ proof: d.proofs[0], noticed: false, why: `the worker exited (${code}) first: ${stderr.trim().split('\n').slice(-3).join(' / ')}` }] });
      }
      resolve(results);
    });
    child.send(detections.map((d) => d.id));
  });
}

/** A faulty driver runs every scenario of its rule, a scenario proof one scenario: spread by that weight. */
function assign(detections, workers) {
  const weight = (d) => d.proofs.reduce((n, p) => n + ('faultyDriver' in p ? 4 : 'tags' in p ? 2 : 1), 0);
  const groups = Array.from({ length: workers }, () => ({ load: 0, detections: [] }));
  for (const d of [...detections].sort((a, b) => weight(b) - weight(a))) {
    const lightest = groups.reduce((x, y) => (y.load < x.load ? y : x));
    lightest.detections.push(d);
    lightest.load += weight(d);
  }
  return groups.map((g) => g.detections).filter((g) => g.length > 0);
}

async function main() {
  const filters = process.argv.slice(2);
  const started = Date.now();
  const detections = DETECTIONS.filter((d) => filters.length === 0 || filters.some((f) => d.id.includes(f)));
  if (detections.length === 0) {
    console.error(`detection-proof: no detection matches ${filters.join(', ')}`);
    return 1;
  }
  const parallel = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  console.log(`detection proof: ${detections.length} detection(s), ${parallel} at a time`);
  const results = (await Promise.all(assign(detections, parallel).map(runWorker))).flat();
  const order = (r) => detections.findIndex((d) => d.id === r.id);
  let proven = 0;
  for (const r of results.sort((a, b) => order(a) - order(b))) {
    const noticing = r.results.find((x) => x.noticed);
    if (noticing) proven++;
    const line = noticing
      ? `ok   ${r.id}: noticed by ${describeProof(noticing.proof)}: ${noticing.why}`
      : `FAIL ${r.id}: NOT proven: ${r.results.map((x) => `${describeProof(x.proof)}: ${x.why}`).join('; ') || 'it lists no proof'}`;
    console.log(`${line} [${r.seconds.toFixed(1)} s]`);
  }
  console.log(`time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`detections proven: ${proven}/${detections.length}`);
  return proven === detections.length ? 0 : 1;
}

scriptOrWorker('detection-proof', main, (ids, report) => work(ids.map((id) => DETECTIONS.find((d) => d.id === id)), report));
