/**
 * The categories Allure (Java) gives a result: a category matches when the
 * result's status is one of its statuses and its messageRegex matches the
 * whole message ("(?s)" is the dotAll flag, which JavaScript spells "s").
 */
import type { ReportCategory } from '../../src/report/report-categories';

export function categoriesOf(categories: readonly ReportCategory[], status: string, message: string): string[] {
  return categories
    .filter((c) => c.matchedStatuses.includes(status))
    .filter((c) => {
      const dotAll = c.messageRegex.startsWith('(?s)');
      const source = dotAll ? c.messageRegex.slice(4) : c.messageRegex;
      return new RegExp(`^(?:${source})$`, dotAll ? 's' : '').test(message);
    })
    .map((c) => c.name);
}
