/**
 * The demo as a keyboard and screen-reader user meets it: where focus goes after an error,
 * what is announced, notices that replace each other, the reset page's warning, and long
 * email addresses at phone width.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startFileRig } from './harness.js';
import { fill, password, signUp as signUpAt } from './pages.js';

const rig = await startFileRig();

async function openPage(viewport?: { width: number; height: number }): Promise<Page> {
  const context = await rig.browser.newContext(viewport ? { viewport, isMobile: true } : {});
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

const signUp = (page: Page, email: string) => signUpAt(page, rig.webUrl, email);

/** What has focus: its accessible label or text, and whether it is a form's error. */
function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    const input = element instanceof HTMLInputElement ? element : null;
    return {
      tag: element?.tagName.toLowerCase(),
      label: input?.labels?.[0]?.textContent ?? null,
      formError: element?.hasAttribute('data-form-error') ?? false,
      text: element?.textContent ?? '',
    };
  });
}

describe('the demo for keyboard and screen-reader users', () => {
  it('moves focus to the form error after a refused log-in, and keeps the button focusable while pending', async () => {
    const page = await openPage();
    await page.goto(`${rig.webUrl}/login`);
    await fill(page, { Email: `nobody-${randomUUID()}@example.com`, Password: 'wrong password 1' });
    await page.getByRole('button', { name: 'Log in' }).focus();
    await page.keyboard.press('Enter');

    await page.getByRole('alert').waitFor();
    await expect.poll(async () => (await focused(page)).formError).toBe(true);
    expect((await focused(page)).text).toMatch(/invalid email or password/i);
    expect(await page.getByRole('button', { name: 'Log in' }).getAttribute('disabled')).toBeNull();
    await page.context().close();
  });

  it("moves focus to the first field the server refused and announces the server's field error", async () => {
    const page = await openPage();
    await page.goto(`${rig.webUrl}/signup`);
    // Only the server knows the common-passwords list: this error comes from the API.
    await fill(page, { Email: `user-${randomUUID()}@example.com`, Password: 'password123' });
    await page.getByRole('button', { name: 'Sign up' }).click();

    await expect.poll(async () => (await focused(page)).label).toBe('Password');
    const passwordInput = page.getByLabel('Password', { exact: true });
    expect(await passwordInput.getAttribute('aria-invalid')).toBe('true');
    const noteId = await passwordInput.getAttribute('aria-describedby');
    const note = (await page.locator(`[id="${noteId}"]`).textContent()) ?? '';
    expect(note).toMatch(/common/i);
    const live = page.locator('[aria-live="polite"]');
    expect(await live.textContent()).toContain(`Password: ${note}`);
    await page.context().close();
  });

  it('replaces the old notice when a new one appears, and clears it on the next attempt', async () => {
    const page = await openPage();
    const email = `user-${randomUUID()}@example.com`;
    await signUp(page, email);
    const notices = page.locator('.notice-slot');
    await expect.poll(() => notices.textContent()).toMatch(/Welcome/);

    await fill(page, { 'Current password': password, 'New password': 'a brand new passphrase 7' });
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => notices.textContent()).toMatch(/password has been changed/);
    expect(await notices.textContent()).not.toMatch(/Welcome/);
    expect(await page.locator('.alert').count()).toBe(1);

    await fill(page, { 'Current password': 'not my password', 'New password': 'another new passphrase 8' });
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(async () => (await focused(page)).label).toBe('Current password');
    expect(await notices.textContent()).toBe('');
    await page.context().close();
  });

  it('says on the reset page, before anything is typed, that a used or expired link needs a new one', async () => {
    const page = await openPage();
    await page.goto(`${rig.webUrl}/reset-password?token=${'x'.repeat(43)}`);

    await page
      .getByRole('alert')
      .getByText(/already been used or has expired/)
      .waitFor();
    expect(await page.getByRole('link', { name: 'Request a new link' }).count()).toBe(1);
    expect(await page.getByLabel('New password').count()).toBe(0);
    await page.context().close();
  });

  it('wraps a long email address at phone width', async () => {
    const page = await openPage({ width: 360, height: 720 });
    const email = `a-very-long-email-address-that-never-ends-${randomUUID()}@subdomain.example.com`;
    await signUp(page, email);

    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await rig.screenshot(page, 'a11y-long-email-phone');
    await page.context().close();
  });
});
