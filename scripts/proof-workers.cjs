/**
 * Proving drivers under the workload fuzzer in worker processes, one per
 * share of the work, for the fuzz proof and the reference survival
 * campaign: each item is a driver module and the budget to prove it with
 * (src/fuzz/fuzzer-proof.ts); each worker proves its items one after the
 * other and writes one JSON line per proof.
 *
 *   node scripts/proof-workers.cjs '<items as JSON>'   (the worker; run by proveInWorkers)
 */
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ROOT } = require('./project-paths.cjs');

const RESULT_PREFIX = 'driver-proof-result ';

/** Worker: prove each item in turn. */
function work(items) {
  require('ts-node/register/transpile-only');
  const { proveDriver, PROOF_BUDGET } = require('../src/fuzz/fuzzer-proof');
  for (const { modulePath, budget } of items) {
    const proof = proveDriver(path.relative(ROOT, modulePath), { ...PROOF_BUDGET, ...budget }, () => Number(process.hrtime.bigint() / 1_000_000n));
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(proof)}\n`);
  }
}

function runWorker(items) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, JSON.stringify(items)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const results = out.split('\n').filter((l) => l.startsWith(RESULT_PREFIX)).map((l) => JSON.parse(l.slice(RESULT_PREFIX.length)));
      if (code !== 0) reject(new Error(`a driver-proof worker exited with ${code}${out.trim() ? `:\n${out.trim()}` : ''}`));
      else resolve(results);
    });
  });
}

/** Prove every item ({ modulePath, budget }) in `jobs` workers, dealt out in turn; resolves with each item and its proof. */
async function proveInWorkers(items, jobs) {
  const shares = Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, () => []);
  items.forEach((item, i) => shares[i % shares.length].push(item));
  const proofs = await Promise.all(shares.map(runWorker));
  return shares.flatMap((share, s) => share.map((item, i) => ({ item, proof: proofs[s][i] })));
}

module.exports = { proveInWorkers };

if (require.main === module) work(JSON.parse(process.argv[2]));
