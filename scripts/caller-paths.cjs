/**
 * The paths in cucumber's arguments, made the caller's.
 *
 * Cucumber runs in the suite's folder, where its profiles name the suite's
 * features and step definitions; a user names files from the folder the
 * command was run in (for the installed package, the team's repository).
 * So feature paths (plain, globs, `file:line`), rerun files (`@file`), step
 * files (`--require`, `--import`) and formatter outputs (`--format
 * name:file`) are made absolute against that folder before cucumber sees
 * them. Inside the suite's checkout, `npm run` starts the scripts in the
 * suite's folder, so nothing changes there.
 */
const path = require('node:path');

/** Cucumber options whose value is the next argument, for telling feature paths from option values. */
const OPTIONS_WITH_VALUE = new Set(['--tags', '-t', '--name', '--format', '-f', '--format-options', '--require', '-r', '--import', '-i', '--require-module', '--language', '--order', '--parallel', '--retry', '--retry-tag-filter', '--shard', '--world-parameters', '--plugin', '--plugin-options', '--config', '-c']);
const STEP_FILE_OPTIONS = new Set(['--require', '-r', '--import', '-i', '--config', '-c']);
const FORMAT_OPTIONS = new Set(['--format', '-f']);

/** A formatter given as `name`, `name:output` or `./module.js:output`: its module and output, from `cwd`. */
function callerFormat(value, cwd) {
  const separator = value.indexOf(':');
  const [formatter, output] = separator < 0 ? [value, undefined] : [value.slice(0, separator), value.slice(separator + 1)];
  const module = formatter.startsWith('.') ? path.resolve(cwd, formatter) : formatter;
  return output === undefined || output === '' ? module : `${module}:${path.resolve(cwd, output)}`;
}

function callerValue(name, value, cwd) {
  if (STEP_FILE_OPTIONS.has(name)) return path.resolve(cwd, value);
  if (FORMAT_OPTIONS.has(name)) return callerFormat(value, cwd);
  return value;
}

/** Cucumber's arguments with every path in them absolute against `cwd` (the caller's folder). */
function fromCaller(cucumberArgs, cwd = process.cwd()) {
  const out = [];
  for (let i = 0; i < cucumberArgs.length; i++) {
    const a = cucumberArgs[i];
    const inline = a.startsWith('--') && a.includes('=');
    const name = inline ? a.slice(0, a.indexOf('=')) : a;
    if (OPTIONS_WITH_VALUE.has(name)) {
      if (inline) out.push(`${name}=${callerValue(name, a.slice(a.indexOf('=') + 1), cwd)}`);
      else if (i + 1 < cucumberArgs.length) out.push(name, callerValue(name, cucumberArgs[++i], cwd));
      else out.push(a);
    } else if (a.startsWith('-')) {
      out.push(a);
    } else if (a.startsWith('@')) {
      out.push(`@${path.resolve(cwd, a.slice(1))}`);
    } else {
      out.push(path.resolve(cwd, a));
    }
  }
  return out;
}

module.exports = { fromCaller, OPTIONS_WITH_VALUE };
