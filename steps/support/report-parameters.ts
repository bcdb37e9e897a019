/**
 * Allure parameters of a scenario that are known only once it has run (the
 * driver it ran against, the machine configuration its steps chose), given by
 * the report's After hook through allure-js-commons. The Allure formatter
 * (scripts/allure-formatter.cjs) gives that hook's parameters to the scenario.
 */
import { parameter } from 'allure-js-commons';

export interface ReportParameter {
  readonly name: string;
  readonly value: string;
  /** Left out of Allure's history ID, so the scenario's trend survives a change of this value. */
  readonly excluded?: boolean;
}

export async function addReportParameters(parameters: readonly ReportParameter[]): Promise<void> {
  for (const p of parameters) await parameter(p.name, p.value, p.excluded ? { excluded: true } : undefined);
}
