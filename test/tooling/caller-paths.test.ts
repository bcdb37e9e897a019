import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
const { fromCaller } = require('../../scripts/caller-paths.cjs') as { fromCaller(args: readonly string[], cwd: string): string[] };

describe("cucumber's arguments, made the caller's", () => {
  const cwd = '/home/team/driver';

  it('makes feature paths, globs, file:line and rerun files absolute against the caller\'s folder', () => {
    assert.deepEqual(fromCaller(['features', './a/b.feature:12', 'f/**/*.feature', '/abs/x.feature', '@rerun.txt'], cwd), [
      '/home/team/driver/features', '/home/team/driver/a/b.feature:12', '/home/team/driver/f/**/*.feature', '/abs/x.feature', '@/home/team/driver/rerun.txt',
    ]);
  });

  it('makes step files and formatter outputs absolute, in either option form', () => {
    assert.deepEqual(fromCaller(['--require', 'steps/*.ts', '--import=./esm.mjs', '-r', 's.js', '--format', 'junit:ci/junit.xml', '--format=./fmt.cjs:out.txt', '-f', 'progress'], cwd), [
      '--require', '/home/team/driver/steps/*.ts', '--import=/home/team/driver/esm.mjs', '-r', '/home/team/driver/s.js',
      '--format', 'junit:/home/team/driver/ci/junit.xml', '--format=/home/team/driver/fmt.cjs:/home/team/driver/out.txt', '-f', 'progress',
    ]);
  });

  it('leaves the values of other options alone, paths among them included', () => {
    const args = ['--tags', '@class:read-write-direct and not @slow', '--name', 'features/x', '--parallel', '2', '--require-module', 'ts-node/register', '--dry-run'];
    assert.deepEqual(fromCaller(args, cwd), args);
  });
});
