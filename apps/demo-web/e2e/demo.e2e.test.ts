import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { linkFromMail, startFileRig } from './harness.js';
import { fill, logIn, newEmail, password, signUp as signUpAt } from './pages.js';

const newPassword = 'a brand new passphrase 7';
// A tight failed-login limit so the rate-limit answer can be seen; everything else stays generous.
const rig = await startFileRig({ RATE_LIMIT_LOGIN_ACCOUNT: '2/15m' });

const signUp = (page: Page, email: string) => signUpAt(page, rig.webUrl, email);

async function openPage(context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await rig.browser.newContext())).newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** The text next to a field: its error (or hint), found through the input's aria-describedby. */
async function noteOf(page: Page, label: string): Promise<string> {
  const input = page.getByLabel(label, { exact: true });
  await input.and(page.locator('[aria-invalid="true"]')).waitFor();
  const noteId = await input.getAttribute('aria-describedby');
  return (await page.locator(`[id="${noteId}"]`).textContent()) ?? '';
}

describe('the demo web app in Chromium', () => {
  it('signs up, logs in, resets a forgotten password from the mailed link and logs in with it', async () => {
    const page = await openPage();
    const email = newEmail();

    await page.goto(`${rig.webUrl}/signup`);
    await rig.screenshot(page, '01-sign-up');
    await fill(page, { Email: email, Password: password });
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL('**/profile');
    await page.getByText(email, { exact: true }).waitFor();
    await page.getByText('Not verified').waitFor();
    await rig.screenshot(page, '02-profile-after-sign-up');

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL('**/login');
    await page.getByText('You are logged out.').waitFor();
    await rig.screenshot(page, '03-log-in');

    await logIn(page, email, password);
    await page.waitForURL('**/profile');
    await page.getByText(email, { exact: true }).waitFor();
    await rig.screenshot(page, '04-profile');

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL('**/login');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL('**/forgot-password');
    await rig.screenshot(page, '05-forgot-password');
    await fill(page, { Email: email });
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText('Check your inbox').waitFor();
    await rig.screenshot(page, '06-reset-link-sent');

    const resetLink = await linkFromMail(rig, email, /reset/i, 'reset-password');
    expect(resetLink.startsWith(`${rig.webUrl}/reset-password?token=`)).toBe(true);
    await page.goto(resetLink);
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    await rig.screenshot(page, '07-reset-password');
    await fill(page, { 'New password': newPassword });
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL('**/login');
    await page.getByText('Your password has been changed.').waitFor();
    await rig.screenshot(page, '08-log-in-after-reset');

    await logIn(page, email, password);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/invalid email or password/i);

    await logIn(page, email, newPassword);
    await page.waitForURL('**/profile');
    await page.getByText(email, { exact: true }).waitFor();
    await rig.screenshot(page, '09-profile-with-new-password');

    // The mailed link works once, and the page says so before asking for a password.
    await page.goto(resetLink);
    await page
      .getByRole('alert')
      .getByText(/already been used or has expired/)
      .waitFor();
    expect(await page.getByLabel('New password').count()).toBe(0);
    await page.context().close();
  });

  it('confirms the email from the mailed link, changes the password and logs out everywhere', async () => {
    const page = await openPage();
    const email = newEmail();
    await signUp(page, email);

    const verifyLink = await linkFromMail(rig, email, /confirm/i, 'verify-email');
    await page.goto(verifyLink);
    await page.getByText('is confirmed').waitFor();
    await rig.screenshot(page, '10-verify-email');
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await page.getByText('Verified', { exact: true }).waitFor();

    await fill(page, { 'Current password': 'not my password', 'New password': newPassword });
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await noteOf(page, 'Current password')).not.toBe('');
    await fill(page, { 'Current password': password, 'New password': newPassword });
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password has been changed.').waitFor();
    await rig.screenshot(page, '11-profile-password-changed');

    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.waitForURL('**/login');
    await page.getByText('You are logged out on every device.').waitFor();
    await logIn(page, email, newPassword);
    await page.waitForURL('**/profile');
    await page.context().close();
  });

  it("shows the API's field errors next to the field and its other answers above the button", async () => {
    const page = await openPage();
    const email = newEmail();

    await page.goto(`${rig.webUrl}/signup`);
    await fill(page, { Email: 'not an email', Password: 'short' });
    await page.getByRole('button', { name: 'Sign up' }).click();
    expect(await noteOf(page, 'Email')).toMatch(/valid email/i);
    expect(await noteOf(page, 'Password')).toMatch(/at least 8/i);

    // Only the server knows the common-passwords list: this error comes from the API.
    await fill(page, { Email: email, Password: 'password123' });
    await page.getByRole('button', { name: 'Sign up' }).click();
    expect(await noteOf(page, 'Password')).toMatch(/common/i);
    await rig.screenshot(page, '12-sign-up-field-error');

    await signUp(page, email);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL('**/login');
    await page.goto(`${rig.webUrl}/signup`);
    await fill(page, { Email: email.toUpperCase(), Password: password });
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/already/i);
    await page.context().close();
  });

  it('says when to retry after too many failed logins', async () => {
    const page = await openPage();
    const email = newEmail();
    await page.goto(`${rig.webUrl}/login`);

    for (let attempt = 0; attempt < 2; attempt++) {
      await logIn(page, email, 'wrong password 1');
      await page.getByText(/invalid email or password/i).waitFor();
    }
    await logIn(page, email, 'wrong password 1');

    await page.getByText(/Too many attempts\. Try again in 15 minutes\./).waitFor();
    await rig.screenshot(page, '13-log-in-rate-limited');
    await page.context().close();
  });

  it('fits a phone-sized screen', async () => {
    const context = await rig.browser.newContext({ viewport: { width: 375, height: 720 }, isMobile: true });
    const page = await openPage(context);
    const email = newEmail();
    const overflows = () => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

    await page.goto(`${rig.webUrl}/login`);
    await rig.screenshot(page, '14-phone-log-in');
    expect(await overflows()).toBe(false);
    await signUp(page, email);
    await rig.screenshot(page, '15-phone-profile');
    expect(await overflows()).toBe(false);
    await context.close();
  });
});
