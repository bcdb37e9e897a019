/**
 * Benchmark 2 (issue 7): the simulator at the scale of seed 000's workload,
 * "many many 8 MiB buffers" under bus-master DMA. A 64 GiB machine; one
 * process locks N buffers of 8 MiB (N = 4,096 unless BENCH_SCALE_BUFFERS says
 * otherwise: 32 GiB of simulated data) and takes one DMA into each while all
 * are locked. The workload runs in a child process (support/scale-workload.ts)
 * so its peak resident memory is its own.
 *
 * Figures: wall time; peak RSS; simulator memory per simulated GiB touched,
 * split into page contents, the JavaScript heap and the rest; throughput
 * against a plain copy of the same bytes timed in the same child.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { GiB, MiB, PAGE_SIZE } from '../src/contracts/units';
import { BenchResult } from './bench-result';
import { MemorySample, RESULT_PREFIX, ScaleMeasurement } from './support/scale-workload';

export const repetitions = 3;

const DEFAULT_BUFFERS = 4096;
/** The run stops itself past this much resident memory: the machine is shared (24 GiB with other work on it). */
const DEFAULT_CEILING_MIB = 7 * 1024;
const WORKLOAD = path.join(__dirname, 'support', 'scale-workload.ts');

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  return n;
}

function runChild(buffers: number, ceilingMiB: number): ScaleMeasurement {
  const child = spawnSync(process.execPath, ['--require', 'ts-node/register/transpile-only', WORKLOAD, String(buffers), String(ceilingMiB)], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
    maxBuffer: 16 * MiB,
  });
  if (child.error) throw child.error;
  const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (child.status !== 0 || !line) {
    throw new Error(`the scale workload exited with ${child.status ?? child.signal}: ${(child.stderr || child.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as ScaleMeasurement;
}

export async function run(): Promise<BenchResult[]> {
  const buffers = positiveInteger('BENCH_SCALE_BUFFERS', DEFAULT_BUFFERS);
  const ceilingMiB = positiveInteger('BENCH_SCALE_CEILING_MIB', DEFAULT_CEILING_MIB);
  const m = runChild(buffers, ceilingMiB);
  if (!m.patternChecked) throw new Error('the scale workload\'s buffers read back do not hold the device pattern');
  if (!m.everyPageChecked) throw new Error('a page of the scale workload\'s buffers does not hold its stretch of the device pattern');
  if (m.verifierFindings > 0) throw new Error(`the verifier objected ${m.verifierFindings} time(s) during the scale workload`);

  const phase = (prefix: string): MemorySample => {
    const s = m.memory.find((x) => x.phase.startsWith(prefix) || x.phase.includes(prefix));
    if (!s) throw new Error(`no memory sample for phase "${prefix}"`);
    return s;
  };
  const booted = phase('booted');
  const peak = phase('DMA into');
  const touchedGiB = (m.buffersDone * m.bufferBytes) / GiB;
  const rssGrowth = peak.rss - booted.rss;
  const contentGrowth = peak.pageContentBytes + peak.patternBytes - booted.pageContentBytes - booted.patternBytes;
  const heapGrowth = peak.heapUsed - booted.heapUsed;
  const pfnGrowth = peak.pfnResidentBytes - booted.pfnResidentBytes;
  const perGiB = (bytes: number) => bytes / touchedGiB;
  const pagesTouched = (m.buffersDone * m.bufferBytes) / PAGE_SIZE;
  const workNs = m.ns.lock + m.ns.dma + m.ns.unlock;
  const ran = `${m.buffersDone} of ${m.buffers} buffers of 8 MiB (${formatGiB(touchedGiB)} GiB)${m.completed ? '' : `; STOPPED EARLY: ${m.stoppedBecause}`}`;

  return [
    { name: 'scale workload ran', value: m.buffersDone, unit: 'buffers of 8 MiB', note: `${ran}; every page checked to hold its stretch of the device's stream, ${m.buffersReadBack} buffers read back byte for byte` },
    { name: 'scale: wall time, boot to last unlock', value: (m.ns.boot + workNs) / 1e9, unit: 's', note: `boot ${ms(m.ns.boot)}, lock ${ms(m.ns.lock)}, DMA ${ms(m.ns.dma)}, unlock and free ${ms(m.ns.unlock)}; ${formatGiB(m.simulatedNs / 1e9)} s of simulated time` },
    { name: 'scale: boot 64 GiB', value: m.ns.boot / 1e6, unit: 'ms wall clock' },
    { name: 'scale: lock per 8 MiB buffer (2048 demand-zero faults)', value: m.ns.lock / m.buffersDone / 1e6, unit: 'ms' },
    { name: 'scale: DMA per 8 MiB buffer', value: m.ns.dma / m.buffersDone / 1e6, unit: 'ms' },
    {
      name: 'scale: throughput vs plain copy (ratio)', value: m.ns.plainCopy / workNs, unit: 'ratio', ratio: true,
      note: `plain copy of the same bytes, 8 MiB at a time into one buffer: ${ms(m.ns.plainCopy)}; against lock + DMA + unlock`,
    },
    {
      name: 'scale: DMA phase vs first-touch floor (time ratio)', value: m.ns.dma / (m.firstTouchNsPerPage * pagesTouched), unit: 'x the floor', ratio: true,
      note: `the floor: writing ${pagesTouched.toLocaleString('en-US')} pages of memory the process never touched, at ${(m.firstTouchNsPerPage / 1000).toFixed(1)} µs per 4 KiB page measured in the same process (OS page faults): what storing the device's data as bytes would cost at least; pages held as the device's pattern store none, so the DMA phase can go below it`,
    },
    { name: 'scale: peak RSS', value: m.maxRssBytes / GiB, unit: 'GiB', note: `process maxRSS of the workload process (ceiling ${ceilingMiB} MiB)` },
    {
      name: 'scale: simulator memory per simulated GiB touched', value: perGiB(rssGrowth) / GiB, unit: 'GiB per GiB', ratio: true,
      targets: [{ comparison: 'at most', value: 0.1, source: 'issue 18' }],
      note: 'RSS after the DMA minus RSS after boot, per GiB the device wrote (1 would be the data stored as bytes); split in the four lines below',
    },
    {
      name: 'scale: page contents per GiB touched', value: perGiB(contentGrowth) / MiB, unit: 'MiB per GiB',
      note: `stored bytes (physical.contentBytes, 4 KiB per frame written with bytes: ${(peak.pageContentBytes / MiB).toFixed(1)} MiB) and the pattern descriptors of ${peak.patternFrames.toLocaleString('en-US')} frames held as the device's pattern (${(peak.patternBytes / MiB).toFixed(0)} MiB)`,
    },
    { name: 'scale: JavaScript heap per GiB touched', value: perGiB(heapGrowth) / MiB, unit: 'MiB per GiB', note: 'heapUsed growth: page-table and working-set maps, MDL page arrays, map entries of stored content pages' },
    {
      name: 'scale: PFN database pages mapped per GiB touched', value: perGiB(pfnGrowth) / MiB, unit: 'MiB per GiB',
      note: `4 KiB pages of the PFN arrays holding an in-use frame (estimate): the scattered frames reach ${(peak.pfnResidentBytes / MiB).toFixed(0)} of the database's ${(peak.pfnDatabaseBytes / MiB).toFixed(0)} MiB`,
    },
    {
      name: 'scale: other resident memory per GiB touched', value: perGiB(rssGrowth - contentGrowth - heapGrowth - pfnGrowth) / MiB, unit: 'MiB per GiB',
      note: 'the rest of the RSS growth: freed memory not yet returned to the OS, heap headroom, allocator overhead',
    },
  ];
}

function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(0)} ms`;
}

function formatGiB(x: number): string {
  return x.toFixed(2);
}
