/**
 * The fuzzer proves itself (part of `npm test`): the workload fuzzer runs
 * with a fixed budget and seed against every faulty, every reference and
 * every conforming driver of the class folders (src/conformance/driver-finder.ts),
 * and the example driver of docs/driver-contract.md (docs/example-driver.ts,
 * a reference driver too: it must survive), in parallel child processes (one per CPU, each proving a share of the
 * drivers in turn).
 *
 * Prints one line per driver, then
 *   fuzzer found: N/M faulty drivers (median runs to the first failure: R)
 * (only a counterexample whose failure is a finding counts as found: a
 * crash of the driver names no rule, and a broken run, a program error of
 * the suite or the simulator, is no verdict on the driver)
 *   fuzzer named the broken rule: N/M
 * (the second counts the counterexamples whose rule is the one the faulty
 * driver declares it breaks), and which faulty drivers no workload can
 * reach, and why. Exits non-zero unless every reachable faulty driver was
 * found, every faulty driver's counterexample named its rule, and every
 * reference and conforming driver survived the budget
 * (`reference drivers: N/M survived`, `conforming drivers: N/M survived`).
 *
 *   node scripts/fuzz-proof.cjs [--runs N] [--operations N] [--seed S] [--jobs J] [driver module ...]
 */
const os = require('node:os');
const path = require('node:path');
const { proveInWorkers } = require('./proof-workers.cjs');
const { ROOT } = require('./project-paths.cjs');

/** The documentation's example driver: what a driver author copies, so it is proved like the references. */
const EXAMPLE_DRIVER = path.join(ROOT, 'docs', 'example-driver.ts');
/** Its C port (docs/example-driver.c), proved the same way: what a C driver author starts from. */
const EXAMPLE_C_DRIVER = path.join(ROOT, 'docs', 'example-driver.c');

function parseArguments(argv) {
  const options = { modules: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(runs|operations|seed|jobs)(?:=(.*))?$/.exec(a);
    if (!m) {
      options.modules.push(path.resolve(a));
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || !/^-?\d+$/.test(value)) throw new Error(`--${m[1]} needs a whole number, got ${value}`);
    options[m[1]] = Number(value);
  }
  return options;
}

/** The suite's drivers of a kind, from the driver finder. */
function driverFiles(kind) {
  require('ts-node/register/transpile-only');
  return require('../src/conformance/driver-finder').driverModulesIn(kind).map((d) => d.modulePath);
}

/** A proof's kind as the script reports it: a correct driver the finder lists as conforming is proved as a reference is, and counted apart. */
function reportedKind(proof, conforming) {
  return proof.kind === 'reference' && conforming.has(path.resolve(ROOT, proof.modulePath)) ? 'conforming' : proof.kind;
}


function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function line(p) {
  const name = `${p.kind === 'faulty' ? `faulty ${p.driver} (breaks ${p.breaksRule})` : `${p.kind} ${p.driver}`}`.padEnd(58);
  const time = `${(p.milliseconds / 1000).toFixed(1)} s`;
  switch (p.outcome) {
    case 'found': {
      // The rule and the verifier entries are the counterexample's data (src/fuzz/fuzzer-proof.ts), not read from its text.
      const named = p.rule === p.breaksRule ? `names ${p.rule}` : p.namedBrokenRule ? `names ${p.breaksRule}, rule ${p.rule}` : `names ${p.rule ?? 'no rule'}${p.entries.length > 0 ? ` (${p.entries.join(', ')})` : ''}${p.kind === 'faulty' ? `, not ${p.breaksRule}` : ''}`;
      return `${p.kind === 'faulty' ? 'found   ' : 'FAILED  '} ${name} at run ${p.runsToFailure} of ${p.runs} (${named}; ${time})`;
    }
    case 'crashed':
    case 'broken': {
      // No finding: a crash names no rule, a broken run is no verdict on the driver; neither counts as found.
      const what = p.outcome === 'crashed' ? 'the driver crashed, naming no rule' : 'the run broke, no verdict on the driver';
      return `${p.kind === 'faulty' ? 'NO FIND ' : 'FAILED  '} ${name} at run ${p.runsToFailure} of ${p.runs} (${what}; ${time})`;
    }
    case 'survived':
      return `${p.kind === 'faulty' ? 'MISSED  ' : 'survived'} ${name} ${p.runs} runs (${time})`;
    default:
      return `unreach. ${name} ${p.why}`;
  }
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const budget = {};
  for (const k of ['runs', 'operations', 'seed']) if (options[k] !== undefined) budget[k] = options[k];
  await require('./prepare-drivers.cjs').prepareSuiteDrivers(); // the workers load a C driver's .c from the compiled module
  await require('./c-driver.cjs').compiledDriverPath(EXAMPLE_C_DRIVER);
  const conforming = new Set(driverFiles('conforming'));
  const modules = (options.modules.length > 0 ? options.modules : [...driverFiles('faulty'), ...driverFiles('reference'), ...conforming, EXAMPLE_DRIVER, EXAMPLE_C_DRIVER]);
  const jobs = Math.max(1, Math.min(options.jobs ?? (os.availableParallelism?.() ?? os.cpus().length), modules.length));
  // References run their whole budget; faulty drivers usually stop early: deal the references out first.
  const ordered = [...modules].sort((a, b) => Number(a.includes(`${path.sep}faulty${path.sep}`)) - Number(b.includes(`${path.sep}faulty${path.sep}`)));
  const started = Date.now();
  const proofs = (await proveInWorkers(ordered.map((modulePath) => ({ modulePath, budget })), jobs)).map((r) => ({ ...r.proof, kind: reportedKind(r.proof, conforming) }));
  proofs.sort((a, b) => a.kind.localeCompare(b.kind) || a.driver.localeCompare(b.driver));

  for (const p of proofs) console.log(line(p));
  const faulty = proofs.filter((p) => p.kind === 'faulty');
  const references = proofs.filter((p) => p.kind === 'reference');
  const conformingProofs = proofs.filter((p) => p.kind === 'conforming');
  const found = faulty.filter((p) => p.outcome === 'found');
  const unreachable = faulty.filter((p) => p.outcome === 'unreachable');
  const missed = faulty.filter((p) => p.outcome === 'survived');
  const noFinding = faulty.filter((p) => p.outcome === 'crashed' || p.outcome === 'broken');
  const failedReferences = references.filter((p) => p.outcome !== 'survived');
  const failedConforming = conformingProofs.filter((p) => p.outcome !== 'survived');
  const runsToFailure = median(found.map((p) => p.runsToFailure));
  console.log(`fuzzer found: ${found.length}/${faulty.length} faulty drivers (median runs to the first failure: ${runsToFailure ?? 'none'})`);
  const named = found.filter((p) => p.namedBrokenRule === true);
  console.log(`fuzzer named the broken rule: ${named.length}/${faulty.length}`);
  for (const p of found.filter((f) => f.namedBrokenRule !== true)) console.log(`  NAMED ANOTHER RULE: ${p.driver} breaks ${p.breaksRule}, its counterexample names ${p.rule ?? 'no rule'}`);
  for (const p of unreachable) console.log(`  not reachable by a workload: ${p.driver} (${p.breaksRule}): ${p.why}`);
  for (const p of missed) console.log(`  MISSED within the budget: ${p.driver} (${p.breaksRule})`);
  for (const p of noFinding) console.log(`  NOT FOUND: ${p.driver} (${p.breaksRule}): its counterexample is ${p.outcome === 'crashed' ? 'a crash of the driver' : 'a broken run'}, not a finding`);
  console.log(`reference drivers: ${references.length - failedReferences.length}/${references.length} survived the same budget`);
  console.log(`conforming drivers: ${conformingProofs.length - failedConforming.length}/${conformingProofs.length} survived the same budget`);
  for (const p of [...failedReferences, ...failedConforming, ...found.filter((f) => f.namedBrokenRule !== true), ...noFinding]) {
    const finding = p.finding?.split('\n').slice(0, 2).join(' | ') ?? '';
    console.log(`  ${p.driver}: ${finding.length > 240 ? `${finding.slice(0, 237)}...` : finding}\n    replay: ${p.replayCommand}`);
  }
  const b = proofs[0]?.budget;
  if (b) console.log(`(budget: ${b.runs} workload(s) of up to ${b.operations} operations per driver, seed ${b.seed}; ${jobs} worker(s), ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return missed.length === 0 && noFinding.length === 0 && failedReferences.length === 0 && failedConforming.length === 0 && named.length === faulty.length ? 0 : 1;
}

main().then((code) => (process.exitCode = code), (e) => {
  console.error(`fuzz-proof: ${e.message}`);
  process.exitCode = 2;
});
