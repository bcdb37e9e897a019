/**
 * Attachments to the running scenario's Allure result. Call them from steps
 * or hooks; outside a scenario the Allure runtime drops them.
 */
import { ContentType, attachment } from 'allure-js-commons';
import { BugCheck } from '../../src/machine/bug-check';
import { bugCheckScreen } from './bug-check-screen';

export async function attachText(name: string, text: string): Promise<void> {
  await attachment(name, text, { contentType: ContentType.TEXT, fileExtension: 'txt' });
}

/** An SVG picture (a memory map, a scatter/gather list) given as its markup. */
export async function attachPicture(name: string, svg: string): Promise<void> {
  await attachment(name, svg, { contentType: ContentType.SVG, fileExtension: 'svg' });
}

export async function attachJson(name: string, value: unknown): Promise<void> {
  await attachment(name, JSON.stringify(value, null, 2), { contentType: ContentType.JSON, fileExtension: 'json' });
}

export async function attachBugCheckScreen(stop: BugCheck): Promise<void> {
  await attachText('bug check screen', bugCheckScreen(stop));
}
