/**
 * The C headers written from the suite's contracts.
 *
 *   npm run headers            writes include/dma-conformance/dma-test-device.h
 *   npm run headers -- --check fails when the header is not what the contract would write
 */
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./project-paths.cjs');

require('ts-node/register/transpile-only');
const { DEVICE_HEADER_PATH, renderDeviceHeader } = require('../src/personalities/c-wasm/device-header');

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  console.error(`headers: unknown argument ${unknown[0]} (accepted: --check)`);
  process.exit(2);
}
const text = renderDeviceHeader();
const shown = path.relative(ROOT, DEVICE_HEADER_PATH);
if (args.includes('--check')) {
  const current = fs.existsSync(DEVICE_HEADER_PATH) ? fs.readFileSync(DEVICE_HEADER_PATH, 'utf8') : '';
  if (current !== text) {
    console.error(`headers: ${shown} is stale: run \`npm run headers\` and commit it`);
    process.exit(1);
  }
  console.log(`headers: ${shown} is current`);
} else {
  fs.mkdirSync(path.dirname(DEVICE_HEADER_PATH), { recursive: true });
  fs.writeFileSync(DEVICE_HEADER_PATH, text);
  console.log(`headers: wrote ${shown}`);
}
