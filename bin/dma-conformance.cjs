#!/usr/bin/env node
/**
 * `dma-conformance`: the suite's command line, for a driver team that
 * installed the package in its own repository (`npx dma-conformance run
 * --driver ./src/driver.ts`). Each subcommand is the script behind the
 * matching `npm run` command of the suite's checkout, started in its own
 * process in the caller's folder, so every path the user gives means what it
 * means there. What this entry adds before handing over:
 *
 * - where the results, the verdict and the report go when --out does not say:
 *   ./dma-conformance-reports in the caller's folder (DMA_CONFORMANCE_REPORTS
 *   for the scripts, scripts/project-paths.cjs), not the package's reports/;
 * - --steps <glob>: the team's step definitions, beside the suite's
 *   (cucumber's --require);
 * - the suite's own TypeScript set-up in every process it starts, and in
 *   cucumber's --parallel workers, which inherit the environment: ts-node
 *   reads the package's tsconfig.json, never the caller's;
 * - --help for the command and each subcommand.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_OUT = 'dma-conformance-reports';

const OUT_OPTION = `  --out <dir>            where results, verdict and report go (default ./${DEFAULT_OUT})`;
const STEPS_OPTION = '  --steps <glob>         your own step definitions beside the suite\'s (repeatable; TypeScript or JavaScript)';

/** The subcommands: the script each runs, the options this entry takes for it, and its help. */
const COMMANDS = {
  run: {
    script: 'conformance.cjs',
    steps: true,
    summary: 'run the conformance scenarios against a driver, print its verdict and write the report',
    help: `usage: dma-conformance run [--driver <module>] [options] [feature paths] [cucumber options]

Runs the suite's scenarios (or the feature files named) and writes into --out:
verdict.json and verdict-junit.xml (the driver's verdict per claimed class),
allure-results/ and allure-report/index.html (needs Java 8 or later).
Exit status: 0 when every scenario passed, 1 when one failed, 2 when the run
could not start (the driver does not load, nothing matched the selection).

  --driver <module>      the driver under test: a TypeScript or JavaScript module,
                         C sources (a.c or a.c,b.c) or a compiled .wasm
  --checked              a checked build of a C driver (every load and store checked)
  --driver-time-budget <seconds>
                         wall-clock seconds one call into driver code may run (default 10)
  --world-parameters <json>
                         {"seed": 7, "ram": "16 GiB", "driverTimeBudget": 5}
  --certify              every scenario of every class the driver claims, no filter
                         (only --parallel is kept); the verdict records the suite's
                         version and the driver files' sha256
  --expectations <file>  failures your team knows of ({"known": [{"class", "scenario",
                         "rule", "why"}]}): reported as known, never as passed; the exit
                         status is then 0 when nothing else failed and each listed
                         failure happened as listed
${OUT_OPTION}
${STEPS_OPTION}
  <feature paths>        your own .feature files or folders, instead of the suite's
                         (the suite's are in node_modules/dma-conformance/features/)
  --tags, --name, --parallel, --require, --import, --format ...
                         cucumber's own options, passed through

Paths are read from the folder you run the command in.
Example: dma-conformance run --driver ./src/driver.ts --out ./conformance --tags @class:read-write-direct`,
  },
  fuzz: {
    script: 'fuzz.cjs',
    steps: true,
    summary: 'a fuzzing campaign against the driver, or the replay of one counterexample',
    help: `usage: dma-conformance fuzz [--driver <module>] [--runs N] [--seed S] [cucumber options]
       dma-conformance fuzz --model <name> [--operations N] [--runs N] [--seed S]
       dma-conformance fuzz (--model <name> | --driver <module> --class <class>) [--operations N] --replay <seed>:<path>:<replayPath>

Runs the scenarios tagged @fuzz with a fresh seed (printed first) and N runs
per fuzz step (default: ten times each step's own budget); a counterexample
is printed with the command that replays it. Allure results go to --out.
Exit status: 0 when no rule was violated, 1 when a counterexample was found, 2 on a usage error.

  --driver <module>      the driver under test, as for run (--checked for a C driver's checked build)
  --runs N, --seed S     the budget per fuzz step and the campaign's seed
  --model <name>         one kernel model, without cucumber
  --class, --operations, --replay
                         replay one counterexample (paste the command it printed)
${OUT_OPTION}
${STEPS_OPTION}`,
  },
  sweep: {
    script: 'sweep.cjs',
    steps: false,
    summary: 'the systematic fault-injection sweep: each kernel call of the driver failed in turn',
    help: `usage: dma-conformance sweep --driver <module> [--class <class>] [--max-runs N] [--checked]
       dma-conformance sweep --driver <module> --class <class> --fail <k> [--site '<call site>']

For each class the driver claims, runs the class's standard workload once per
fallible kernel call of the driver, failing that call, and judges every run.
Prints each failure with the call, its site, the rule and the replay command.
Exit status: 0 when no run found anything, 1 when one did, 2 on a usage error.

  --driver <module>      the driver under test, as for run (--checked for a C driver's checked build)
  --class <class>        only this class
  --max-runs N           stop a class after N runs
  --fail <k> [--site <call site>]
                         replay one run, as the sweep printed it`,
  },
  report: {
    script: 'report.cjs',
    steps: false,
    summary: 'the Allure report from the last run\'s results in --out',
    help: `usage: dma-conformance report [--out <dir>] [--world-parameters <json>]

Writes <out>/allure-report/index.html (one file that opens from disk) from
<out>/allure-results, carrying the trend history of the previous report
forward. Needs Java 8 or later.

${OUT_OPTION}
  --world-parameters <json>
                         the run's parameters, for the report's environment`,
  },
  steps: {
    script: 'list-steps.cjs',
    steps: true,
    summary: 'the step vocabulary for writing your own features',
    help: `usage: dma-conformance steps [word] [--steps <glob>] [--out <dir>]

With a word: prints every step expression containing it, with file and line.
Without: writes <out>/STEPS.md, every step by topic with an example from a
real feature (the suite's own vocabulary is also in
node_modules/dma-conformance/docs/STEPS.md).

${OUT_OPTION}
${STEPS_OPTION}`,
  },
};

const USAGE = `usage: dma-conformance <command> [options]

The DMA driver conformance suite.

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`).join('\n')}

dma-conformance <command> --help   the options of one command
dma-conformance --version          the suite's version

Example: npx dma-conformance run --driver ./src/driver.ts --out ./conformance`;

class UsageError extends Error {}

/** Takes `--name <value>` and `--name=<value>` out of argv (every occurrence), returning the values. */
function takeOption(argv, name) {
  const values = [];
  for (let i = 0; i < argv.length; ) {
    const a = argv[i];
    if (a === name || a.startsWith(`${name}=`)) {
      const value = a === name ? argv[i + 1] : a.slice(name.length + 1);
      if (value === undefined || value === '' || (a === name && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      argv.splice(i, a === name ? 2 : 1);
      values.push(value);
    } else {
      i++;
    }
  }
  return values;
}

/** The script's arguments and environment for one subcommand's arguments. */
function scriptInvocation(name, command, argv, cwd, env) {
  const args = [...argv];
  const steps = command.steps ? takeOption(args, '--steps') : [];
  // The run, fuzz and report scripts read --out themselves (scripts/out-option.cjs); this sets the
  // default their folder falls back to, and the steps command's output file.
  const outs = name === 'steps' ? takeOption(args, '--out') : [];
  const out = path.resolve(cwd, outs.at(-1) ?? env.DMA_CONFORMANCE_REPORTS ?? DEFAULT_OUT);
  const scriptArgs = [...steps.flatMap((glob) => ['--require', glob]), ...args];
  if (name === 'steps' && !args.some((a) => !a.startsWith('-'))) scriptArgs.push('--output', path.join(out, 'STEPS.md'));
  // The suite's TypeScript is compiled with its own settings whatever the caller's tsconfig.json
  // or TS_NODE_* variables say, in the script's process, its children and cucumber's workers.
  const ownEnvironment = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('TS_NODE_')));
  return {
    args: [path.join(ROOT, 'scripts', command.script), ...scriptArgs],
    env: { ...ownEnvironment, DMA_CONFORMANCE_REPORTS: out, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  };
}

function main(argv) {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    console.log(topic && COMMANDS[topic] ? COMMANDS[topic].help : USAGE);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`dma-conformance: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; dma-conformance --help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  let invocation;
  try {
    invocation = scriptInvocation(name, command, rest, process.cwd(), process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`dma-conformance ${name}: ${e.message}`);
    return 2;
  }
  const run = spawnSync(process.execPath, invocation.args, { stdio: 'inherit', env: invocation.env });
  if (run.error) throw run.error;
  return run.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
