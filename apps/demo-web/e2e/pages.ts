/** What the browser tests do on the demo's pages, written once for every test file. */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';

export const password = 'correct horse battery staple 42';

/** An address no other test uses. */
export const newEmail = () => `user-${randomUUID().slice(0, 8)}@example.com`;

/** Types into the fields named by their labels. */
export async function fill(page: Page, fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
}

/** Signs up on the demo at `webUrl` and waits for the account page. */
export async function signUp(page: Page, webUrl: string, email: string) {
  await page.goto(`${webUrl}/signup`);
  await fill(page, { Email: email, Password: password });
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL('**/profile');
  await page.getByText(email, { exact: true }).waitFor();
}

export async function logIn(page: Page, email: string, withPassword: string) {
  await fill(page, { Email: email, Password: withPassword });
  await page.getByRole('button', { name: 'Log in' }).click();
}
