/**
 * Allure parameters of a scenario that are known only once it has run (the
 * machine configuration its steps chose). Allure's runtime API refuses
 * parameters from an After hook, so they travel as a cucumber attachment of
 * their own media type, which scripts/allure-formatter.cjs turns into
 * parameters of the scenario's result.
 */
import type { World } from '@cucumber/cucumber';

/** Kept equal to PARAMETERS_MEDIA_TYPE in scripts/allure-formatter.cjs. */
export const REPORT_PARAMETERS_MEDIA_TYPE = 'application/vnd.dma-conformance.parameters+json';

export interface ReportParameter {
  readonly name: string;
  readonly value: string;
  /** Left out of Allure's history ID, so the scenario's trend survives a change of this value. */
  readonly excluded?: boolean;
}

export function addReportParameters(world: Pick<World, 'attach'>, parameters: readonly ReportParameter[]): void {
  void world.attach(JSON.stringify(parameters), REPORT_PARAMETERS_MEDIA_TYPE);
}
