/**
 * The suite's own TypeScript, transpiled by swc through ts-node (tsconfig.json,
 * "ts-node" section) and kept on disk by content hash, so that every process
 * and every cucumber --parallel worker reuses what an earlier one compiled
 * instead of transpiling the whole source tree again.
 *
 * ts-node's swc transpiler calls transformSync(source, options) of the module
 * named in its options: this is that module. The key is the hash of swc's
 * version, the options (they hold the file name) and the source, so an edited
 * file, another swc or another configuration misses the cache and is
 * compiled afresh. ts-node keeps doing its own source-map bookkeeping with
 * the result, so stack traces read the same as without the cache.
 *
 * Drivers under test never come through here: src/personalities/wdm/
 * instrumented-require.ts compiles them with the TypeScript compiler and the
 * spin-guard transform.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// The start-up benchmark points this elsewhere to time a cold cache.
const CACHE_DIR = process.env.DMA_CONFORMANCE_SWC_CACHE ? path.resolve(process.env.DMA_CONFORMANCE_SWC_CACHE) : path.join(__dirname, '..', '.cache', 'swc');
const SWC_VERSION = swcVersion();

/** swc is a devDependency with its native binary in a registry package: a checkout installed before it came lacks it. */
function swcVersion() {
  try {
    return require('@swc/core/package.json').version;
  } catch (e) {
    if (e?.code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error('the suite\'s TypeScript is transpiled by @swc/core, which is not installed: run `npm ci` (or `npm install`) in the project');
  }
}

let swc = null;
/** @swc/core loads a native module: only when something misses the cache. */
function compiler() {
  return (swc ??= require('@swc/core'));
}

function cacheFile(source, options) {
  const key = crypto.createHash('sha256').update(`${SWC_VERSION}\0${JSON.stringify(options)}\0${source}`).digest('hex');
  return path.join(CACHE_DIR, key.slice(0, 2), `${key}.json`);
}

function readCached(file) {
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof cached?.code === 'string') return cached;
  } catch {
    // Absent or cut short: compile again.
  }
  return null;
}

/** Written under a unique name, then renamed: parallel workers never read a half-written entry. */
function writeCached(file, output) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify({ code: output.code, map: output.map }));
    fs.renameSync(temporary, file);
  } catch {
    // A read-only checkout still runs, uncached.
  }
}

function transformSync(source, options) {
  const file = cacheFile(source, options);
  const cached = readCached(file);
  if (cached) return cached;
  const output = compiler().transformSync(source, options);
  writeCached(file, output);
  return output;
}

module.exports = { transformSync, CACHE_DIR };
