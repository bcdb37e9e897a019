/**
 * `--out <dir>` of `npm run conformance`, `fuzz` and `report`: the folder a
 * run's results, verdict and report go to, instead of reports/ (the same
 * folder DMA_CONFORMANCE_REPORTS names). Required first by those scripts: it
 * takes the option out of the command line and sets the folder before
 * project-paths.cjs reads it.
 */
const path = require('node:path');

const argv = process.argv;
for (let i = 2; i < argv.length; ) {
  const a = argv[i];
  if (a !== '--out' && !a.startsWith('--out=')) {
    i++;
    continue;
  }
  const value = a === '--out' ? argv[i + 1] : a.slice('--out='.length);
  if (value === undefined || value === '' || (a === '--out' && value.startsWith('--'))) {
    console.error(`${path.basename(argv[1] ?? 'script', '.cjs')}: --out needs a folder`);
    process.exit(2);
  }
  process.env.DMA_CONFORMANCE_REPORTS = path.resolve(value);
  argv.splice(i, a === '--out' ? 2 : 1);
}
