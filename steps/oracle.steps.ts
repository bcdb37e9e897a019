/**
 * Steps that check a workload with the oracles (src/oracles): each fails
 * with every finding as data (RuleFindingsError), each naming the rule it guards.
 */
import { Then } from '@cucumber/cucumber';
import { checkWorkload } from '../src/oracles/conformance-oracles';
import type { OracleName } from '../src/oracles/oracle-finding';
import { failOnFindings } from '../src/oracles/rule-findings-error';
import { workloadOf } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';

function expectNoFindings(world: ConformanceWorld, oracles: readonly OracleName[] | undefined, what: string): void {
  const workload = workloadOf(world);
  failOnFindings(what, checkWorkload(workload, oracles));
}

Then('the DMA verifier and the I\\/O manager found nothing wrong', function (this: ConformanceWorld) {
  expectNoFindings(this, ['stop', 'verifier'], 'expected no verifier finding and no bug check');
});

Then('every byte matches the device\'s stream', function (this: ConformanceWorld) {
  expectNoFindings(this, ['data'], 'expected every byte the device moved to match its stream');
});

Then('every request completed with the status and length the rules require', function (this: ConformanceWorld) {
  expectNoFindings(this, ['completion'], 'expected every request to complete with the status and length the rules require');
});

Then('no DMA touched memory the applications do not own', function (this: ConformanceWorld) {
  expectNoFindings(this, ['ownership'], 'expected the device to touch only memory the applications and the kernel own');
});

Then('nothing of the driver is left behind', function (this: ConformanceWorld) {
  expectNoFindings(this, ['leftovers'], 'expected nothing of the driver to be left behind');
});

Then('the workload passes every check', function (this: ConformanceWorld) {
  expectNoFindings(this, undefined, 'expected the workload to pass every check');
});
