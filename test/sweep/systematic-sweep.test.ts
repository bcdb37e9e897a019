/**
 * The systematic sweep: it counts the driver's own fallible calls (not the
 * I/O manager's, nor what a kernel routine allocates for it), fails exactly the k-th in run k, stops at the first run
 * that fails nothing, gives a site reached only on an error path a run of
 * its own, finds a driver whose bug shows only when an allocation fails,
 * and a failure's replay reproduces its run.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadDriverModule } from '../../src/personalities/wdm/loader';
import { protocolFor } from '../../src/conformance/classes';
import { rulesOf } from '../../src/oracles/oracle-finding';
import { pointOfCallSite } from '../../src/sweep/call-site';
import { NO_FAILURE, failNth } from '../../src/sweep/failure-plan';
import { parseSweepArguments } from '../../src/sweep/sweep-command';
import { ORDINARY_PATH_NOTE, formatSweep, replayCommand, summaryLine } from '../../src/sweep/sweep-report';
import { SWEEP_MACHINE, runSweepPlan } from '../../src/sweep/sweep-run';
import type { BootVariant } from '../../src/workload/boot-variants';
import { SweepIncomplete, sweepClass } from '../../src/sweep/systematic-sweep';

const ROOT = path.resolve(__dirname, '..', '..');
const DIRECT_IO = 'src/conformance/read-write-direct/reference.ts';
/**
 * The sweep's machine with a HAL that grants what the driver asks for: the direct-I/O driver's longest
 * request then moves in one piece, and its DPC maps a next piece only after a failed mapping (a site
 * reached only on an error path).
 */
const ONE_PIECE_MACHINE: BootVariant = (({ mapRegisterLimit: _limit, ...rest }) => rest)(SWEEP_MACHINE);
/** Fails a request when GetScatterGatherList fails instead of using a reserve: right on every run that fails nothing. */
const NO_RESERVE = 'src/conformance/storage-forward-progress/faulty/no-reserve.ts';

const directIo = loadDriverModule(DIRECT_IO, ROOT);
const readWrite = protocolFor('read-write-direct')!;
const storage = protocolFor('storage-forward-progress')!;

/** `--site 'a -> b'` as the shell passes it: the option, then the unquoted value. */
function splitOption(option: string): string[] {
  const at = option.indexOf(' ');
  const value = option.slice(at + 1);
  return [option.slice(0, at), value.startsWith("'") ? value.slice(1, -1) : value];
}

describe('counting the driver\'s fallible calls', () => {
  it('counts only the driver\'s own calls, the same ones in the same order on every run until the failure', () => {
    const clean = runSweepPlan(directIo, readWrite, NO_FAILURE);
    assert.ok(clean.calls > 5, `the standard workload made only ${clean.calls} call(s)`);
    assert.equal([...clean.callsAt.values()].reduce((a, b) => a + b, 0), clean.calls);
    assert.deepEqual(clean.injected, []);
    assert.deepEqual(clean.findings, []);
    // Direct I/O: the I/O manager probes and locks the buffer and builds its MDL, not the driver.
    const points = [...clean.callsAt.keys()].map(pointOfCallSite);
    assert.ok(!points.includes('MmProbeAndLockPages') && !points.includes('IoAllocateMdl'), `the I/O manager's calls were counted: ${points.join(', ')}`);
    assert.ok(points.includes('GetScatterGatherList') && points.includes('IoGetDmaAdapter') && points.includes('AllocateCommonBuffer'));
    // What AllocateCommonBuffer and GetScatterGatherList allocate for the driver is part of those calls, not calls of its own.
    assert.ok(!points.includes('MmAllocateContiguousMemorySpecifyCache') && !points.includes('ExAllocatePoolWithTag:NonPagedPool'), points.join(', '));
    const last = runSweepPlan(directIo, readWrite, failNth(clean.calls));
    assert.deepEqual(last.injected.map((i) => i.call), [clean.calls]);
    const second = runSweepPlan(directIo, readWrite, failNth(2));
    assert.equal(second.injected.length, 1);
    assert.equal(second.injected[0]!.call, 2);
    assert.equal(second.injected[0]!.site, [...clean.callsAt.keys()][1], 'the second call of the clean run is the one run 2 fails');
    assert.equal(second.injected[0]!.duringStart, true, 'the direct-I/O driver\'s second call is made while it starts');
  });

  it('fails nothing in a run whose k-th call never comes', () => {
    const clean = runSweepPlan(directIo, readWrite, NO_FAILURE);
    const beyond = runSweepPlan(directIo, readWrite, failNth(clean.calls + 1));
    assert.deepEqual(beyond.injected, []);
    assert.equal(beyond.calls, clean.calls);
  });
});

describe('the calls the sweep fails for a class', () => {
  it('fails only the points a forward-progress class names once the driver has started, and any call while it starts', () => {
    const driver = loadDriverModule('src/conformance/storage-forward-progress/reference.ts', ROOT);
    const sites = [...runSweepPlan(driver, storage, NO_FAILURE).callsAt.keys()];
    assert.ok(sites.includes('StartDevice -> CalculateScatterGatherList') && sites.includes('StartDevice -> IoGetDmaAdapter'), sites.join(', '));
    const afterStart = sites.filter((s) => !s.startsWith('StartDevice ') && !s.startsWith('DriverEntry ') && !s.startsWith('AddDevice '));
    assert.ok(afterStart.length > 0);
    for (const site of afterStart) assert.ok(storage.failurePoints.includes(pointOfCallSite(site) as never), `${site} is not a point the storage class's rule speaks of`);
    // Its reserve path runs when GetScatterGatherList fails, and is not failed itself.
    const reserved = runSweepPlan(driver, storage, { nth: null, site: 'IRP_MJ_READ dispatch -> GetScatterGatherList' });
    assert.equal(reserved.injected.length, 1);
    assert.deepEqual(reserved.findings, []);
    assert.ok(![...reserved.callsAt.keys()].some((s) => s.endsWith('BuildScatterGatherList')));
  });
});

describe('the sweep of a class', () => {
  const sweep = sweepClass(directIo, readWrite, { machine: ONE_PIECE_MACHINE });

  it('moves the standard workload\'s longest request in pieces, so the calls of a second and a last piece are failed in turn', () => {
    const directIoSweep = sweepClass(directIo, readWrite);
    const dpcMappings = directIoSweep.sites.filter((s) => pointOfCallSite(s) === 'GetScatterGatherList' && !s.startsWith('IRP_MJ_'));
    assert.ok(dpcMappings.length > 0, `the next piece is mapped once the first ends, in the run that fails nothing: ${directIoSweep.sites.join(', ')}`);
    assert.deepEqual(directIoSweep.failures, []);
  });

  it('runs k = 1, 2, ... until a run fails nothing, then the sites reached only on an error path', () => {
    const nth = sweep.runs.filter((r) => r.plan.site === null);
    assert.equal(nth.length, sweep.cleanCalls + 1);
    nth.forEach((run, i) => {
      assert.equal(run.plan.nth, i + 1);
      assert.deepEqual(run.injected.map((f) => f.call), i < sweep.cleanCalls ? [i + 1] : []);
    });
    assert.ok(sweep.errorPathSites.length > 0, 'the direct-I/O driver maps the next transfer from its DPC only after a failed one');
    const perSite = sweep.runs.filter((r) => r.plan.site !== null);
    assert.deepEqual(perSite.map((r) => r.plan.site), sweep.errorPathSites);
    for (const run of perSite) {
      assert.equal(run.injected.length, 2, `${run.plan.site}: the call that leads there and the site's first call`);
      assert.equal(run.injected[1]!.site, run.plan.site);
      const replayed = runSweepPlan(directIo, readWrite, parseSweepArguments(replayCommand(DIRECT_IO, 'read-write-direct', run.plan).split(/ (?=--)/).slice(2).flatMap(splitOption)).replay!, ONE_PIECE_MACHINE);
      assert.deepEqual(replayed.injected, run.injected, 'the replay of a site\'s run fails the same calls');
    }
    assert.equal(sweep.sites.length, new Set(sweep.sites).size);
    assert.deepEqual(sweep.failures, []);
    assert.equal(summaryLine(sweep), `sweep: read-write-direct: ${sweep.sites.length} call sites, ${sweep.runs.length} runs, 0 failures`);
  });

  it('stops with a clear error when the workload makes more calls than the run limit allows', () => {
    assert.throws(() => sweepClass(directIo, readWrite, { maxRuns: 3 }), (e: unknown) => e instanceof SweepIncomplete && /after 3 runs/.test(e.message));
  });
});

describe('a driver whose bug is on an error path', () => {
  const faulty = loadDriverModule(NO_RESERVE, ROOT);
  const sweep = sweepClass(faulty, storage);

  it('passes the run that fails nothing, and the sweep finds the rule it breaks', () => {
    const clean = sweep.runs.find((r) => r.injected.length === 0)!;
    assert.deepEqual(clean.findings, [], 'the faulty driver is right while nothing fails');
    assert.ok(sweep.failures.length > 0, 'the sweep missed the driver that fails requests for lack of resources');
    for (const run of sweep.failures) assert.deepEqual(rulesOf(run.findings), [faulty.breaksRule]);
    const failedAt = new Set(sweep.failures.map((r) => pointOfCallSite(r.injected[0]!.site)));
    assert.ok(failedAt.has('GetScatterGatherList'), [...failedAt].join(', '));
  });

  it('prints each failure with its call, site, finding and replay command, and the replay reproduces the run', () => {
    const failure = sweep.failures[0]!;
    const text = formatSweep(sweep, NO_RESERVE);
    const command = replayCommand(NO_RESERVE, 'storage-forward-progress', failure.plan);
    assert.equal(command, `npm run sweep -- --driver ${NO_RESERVE} --class storage-forward-progress --fail ${failure.plan.nth}`);
    assert.ok(text.includes(`call ${failure.injected[0]!.call} failed at ${failure.injected[0]!.site}`));
    assert.ok(text.includes(`[completion, SG-5]`) && text.includes(`replay: ${command}`));
    assert.ok(!text.includes(ORDINARY_PATH_NOTE), 'the bug is on an error path only');
    // A sweep whose run that failed nothing fails too says so first.
    const withCleanFailure = { ...sweep, failures: [...sweep.failures, { ...sweep.runs.find((r) => r.injected.length === 0)!, findings: failure.findings }] };
    assert.ok(formatSweep(withCleanFailure, NO_RESERVE).split('\n')[1]!.includes(ORDINARY_PATH_NOTE));

    const parsed = parseSweepArguments(command.split(' ').slice(4));
    assert.deepEqual(parsed.replay, failure.plan);
    const again = runSweepPlan(faulty, storage, parsed.replay!);
    assert.deepEqual(again.injected, failure.injected);
    assert.deepEqual(again.findings, failure.findings);

    const replay = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'sweep.cjs'), ...command.split(' ').slice(4)], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(replay.status, 1, replay.stderr);
    assert.ok(replay.stdout.includes(failure.findings[0]!.message), replay.stdout);
  });
});

describe('the sweep command', () => {
  it('rejects bad arguments with a message naming the problem', () => {
    assert.throws(() => parseSweepArguments([]), /--driver is required/);
    assert.throws(() => parseSweepArguments(['--driver', DIRECT_IO, '--fail', '0', '--class', 'read-write-direct']), /--fail needs a whole number >= 1, got "0"/);
    assert.throws(() => parseSweepArguments(['--driver', DIRECT_IO, '--fail', '3']), /needs the --class/);
    assert.throws(() => parseSweepArguments(['--driver', DIRECT_IO, '--class', 'read-write-direct', '--site', 'x']), /give both/);
    assert.throws(() => parseSweepArguments(['--driver', DIRECT_IO, '--seed', '3']), /unknown argument "--seed"/);
  });

  it('quotes a call site in the replay command', () => {
    assert.equal(replayCommand('d.ts', 'read-write-direct', { nth: 4, site: 'DPC -> GetScatterGatherList' }), "npm run sweep -- --driver d.ts --class read-write-direct --fail 4 --site 'DPC -> GetScatterGatherList'");
  });
});
