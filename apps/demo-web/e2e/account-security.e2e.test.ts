/**
 * Account security in Chromium: two-factor authentication set up from the key on the page
 * and used to log in (a code computed here, as an authenticator app would, and a recovery
 * code), the second step timing out, the security events list, and deleting the account.
 */
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type DemoRig, linkFromMail, resultsDir, startFileRig } from './harness.js';
import { fill, logIn, newEmail, password, signUp as signUpAt } from './pages.js';

const rig = await startFileRig();

const signUp = (page: Page, email: string) => signUpAt(page, rig.webUrl, email);
const phone = { viewport: { width: 375, height: 740 }, isMobile: true };
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

async function openPage(options: Parameters<DemoRig['browser']['newContext']>[0] = {}): Promise<Page> {
  const page = await (await rig.browser.newContext(options)).newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** The code an authenticator app shows now, by the API's clock. */
function codeFor(secret: string): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: rig.clock.now().getTime() });
}

/** A code is accepted once per 30-second step: move to the next step before using another. */
function nextTimeStep() {
  rig.clock.advance(30_000);
}

const section = (page: Page, name: string) => page.getByRole('region', { name });
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
const focusedLabel = (page: Page) =>
  page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent ?? null);

/** Saves a screenshot of one section (test-results/<name>.png): at phone width, small enough to look at. */
async function screenshotOf(page: Page, name: string, title: string) {
  await section(page, title).screenshot({ path: join(resultsDir, `${name}.png`) });
}

/**
 * Sets up two-factor authentication on the account page, with screenshots of its steps if
 * `screenshots` is given; returns the secret (read from the page) and the recovery codes.
 */
async function turnOnTwoFactor(page: Page, screenshots?: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const twoFactor = section(page, 'Two-factor authentication');
  await twoFactor.getByText('Off', { exact: true }).waitFor();
  await twoFactor.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect.poll(() => focusedLabel(page)).toBe('Password');
  await twoFactor.getByLabel('Password', { exact: true }).fill(password);
  await twoFactor.getByRole('button', { name: 'Continue' }).click();

  await twoFactor.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Scan this QR code/);
  expect(await overflows(page)).toBe(false);
  if (screenshots) await screenshotOf(page, `${screenshots}-scan`, 'Two-factor authentication');
  const secret = ((await twoFactor.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32,}$/);

  await twoFactor.getByLabel('Code from your app').fill(codeFor(secret));
  await twoFactor.getByRole('button', { name: 'Turn on' }).click();
  const codes = twoFactor.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await codes.first().waitFor();
  const recoveryCodes = await codes.allTextContents();
  expect(recoveryCodes).toHaveLength(10);
  if (screenshots) await screenshotOf(page, `${screenshots}-recovery-codes`, 'Two-factor authentication');
  await twoFactor.getByRole('button', { name: 'I have saved my recovery codes' }).click();
  await page.getByText('Two-factor authentication is on.').waitFor();
  await twoFactor.getByText('On', { exact: true }).waitFor();
  expect(await twoFactor.getByRole('list', { name: 'Recovery codes' }).count()).toBe(0);
  return { secret, recoveryCodes };
}

async function logOutAndBackIn(page: Page, email: string) {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForURL('**/login');
  await logIn(page, email, password);
  await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
  await expect.poll(() => focusedLabel(page)).toBe('Authentication code');
}

async function enterCode(page: Page, code: string) {
  await fill(page, { 'Authentication code': code });
  await page.getByRole('button', { name: 'Verify' }).click();
}

describe('account security in Chromium', () => {
  it('sets up two-factor authentication from the key on the page, then logs in with a code and with a recovery code', async () => {
    const page = await openPage(phone);
    const email = newEmail();
    await signUp(page, email);
    const { secret, recoveryCodes } = await turnOnTwoFactor(page, 'two-factor-phone');
    await screenshotOf(page, 'two-factor-phone-on', 'Two-factor authentication');
    await rig.screenshot(page, 'profile-two-factor-on-phone');
    await screenshotOf(page, 'change-email-phone', 'Change email');
    expect(await overflows(page)).toBe(false);

    await logOutAndBackIn(page, email);
    expect(page.url()).toBe(`${rig.webUrl}/login`);
    await rig.screenshot(page, 'log-in-code-step-phone');
    nextTimeStep();
    const right = codeFor(secret);
    await enterCode(page, right.startsWith('0') ? `1${right.slice(1)}` : `0${right.slice(1)}`);
    // The wrong code is said next to the field, which gets focus back, and in the live region.
    await expect.poll(() => focusedLabel(page)).toBe('Authentication code');
    const input = page.getByLabel('Authentication code');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    const note = await page.locator(`[id="${await input.getAttribute('aria-describedby')}"]`).textContent();
    expect(note).toMatch(/invalid or already used/i);
    expect(await page.locator('[aria-live="polite"]').textContent()).toContain(`Authentication code: ${note}`);

    await enterCode(page, right);
    await page.waitForURL('**/profile');
    await section(page, 'Two-factor authentication').getByText('On', { exact: true }).waitFor();

    await logOutAndBackIn(page, email);
    await enterCode(page, recoveryCodes[0] ?? '');
    await page.waitForURL('**/profile');

    // Turning it off takes the password and a code.
    const twoFactor = section(page, 'Two-factor authentication');
    await twoFactor.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    nextTimeStep();
    await twoFactor.getByLabel('Password', { exact: true }).fill(password);
    await twoFactor.getByLabel('Code from your app or a recovery code').fill(codeFor(secret));
    await twoFactor.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText('Two-factor authentication is off.').waitFor();
    await twoFactor.getByText('Off', { exact: true }).waitFor();
    await page.context().close();
  });

  it('sends a second step that has expired, or had five wrong codes, back to the first, with the email kept and a notice', async () => {
    const page = await openPage();
    const email = newEmail();
    await signUp(page, email);
    const { secret } = await turnOnTwoFactor(page);
    await logOutAndBackIn(page, email);

    rig.clock.advance(6 * 60_000);
    await enterCode(page, codeFor(secret));

    await page.getByText(/timed out or had too many wrong codes/).waitFor();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(email);
    await expect.poll(() => focusedLabel(page)).toBe('Password');

    // Five wrong codes end the step too.
    await logIn(page, email, password);
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    const right = Number(codeFor(secret));
    for (let attempt = 1; attempt <= 6 && (await page.getByLabel('Authentication code').count()); attempt++) {
      const wrong = String((right + attempt) % 1_000_000).padStart(6, '0');
      const answered = page.waitForResponse((response) => response.url().includes('auth.verifyMfa'));
      await enterCode(page, wrong);
      await answered;
      // The answer is on the page once the button is no longer busy.
      await page.locator('button[aria-busy="true"]').waitFor({ state: 'detached' });
    }
    await page.getByText(/timed out or had too many wrong codes/).waitFor();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.context().close();
  });

  it('lists the log-ins and a failed attempt in the recent security activity, newest first', async () => {
    const page = await openPage({ ...phone, userAgent: firefox });
    const email = newEmail();
    await signUp(page, email);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL('**/login');
    await logIn(page, email, 'not my password');
    await page.getByText(/invalid email or password/i).waitFor();
    await logIn(page, email, password);
    await page.waitForURL('**/profile');

    const events = page.getByRole('list', { name: 'Security events, newest first' }).getByRole('listitem');
    await events.first().waitFor();
    const rows = await events.allTextContents();
    expect((await events.locator('.entry-name').allTextContents()).slice(0, 4)).toEqual([
      'Signed in',
      'Failed sign-in attempt',
      'Signed out',
      'Signed in',
    ]);
    expect(rows[1]).toContain('Was this you?');
    expect(rows[0]).toContain('127.0.0.1');
    expect(rows[0]).toContain('Firefox on Linux');
    expect(rows[0]).toContain(firefox);
    expect(await overflows(page)).toBe(false);
    await screenshotOf(page, 'security-activity-phone', 'Recent security activity');
    await page.context().close();
  });

  it('deletes the account after the password and an explicit confirmation, and the email can register again', async () => {
    const page = await openPage();
    const email = newEmail();
    await signUp(page, email);
    const deletion = section(page, 'Delete account');
    await deletion.getByRole('button', { name: 'Delete account' }).click();
    await expect.poll(() => focusedLabel(page)).toBe('Password');

    await deletion.getByLabel('Password', { exact: true }).fill(password);
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    // Not ticked: the box is refused, focused, and its error tied to it.
    const box = deletion.getByRole('checkbox');
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type))
      .toBe('checkbox');
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`[id="${await box.getAttribute('aria-describedby')}"]`).textContent()).toMatch(
      /tick the box/i,
    );

    await deletion.getByLabel('Password', { exact: true }).fill('not my password');
    await box.check();
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => focusedLabel(page)).toBe('Password');

    await deletion.getByLabel('Password', { exact: true }).fill(password);
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL('**/login');
    await page.getByText('Your account has been deleted.', { exact: false }).waitFor();
    await page.goto(`${rig.webUrl}/profile`);
    await page.waitForURL('**/login');

    await logIn(page, email, password);
    await page.getByText(/invalid email or password/i).waitFor();
    await signUp(page, email);
    await page.context().close();
  });

  it('changes the email once the link mailed to the new address is opened, keeping the old one until then', async () => {
    const page = await openPage();
    const [email, changed] = [newEmail(), newEmail()];
    await signUp(page, email);
    const change = section(page, 'Change email');
    await change.getByLabel('New email').fill(changed);
    await change.getByLabel('Password', { exact: true }).fill('not my password');
    await change.getByRole('button', { name: 'Change email' }).click();
    await expect.poll(() => focusedLabel(page)).toBe('Password');

    await change.getByLabel('Password', { exact: true }).fill(password);
    await change.getByRole('button', { name: 'Change email' }).click();
    await page.getByText(`We sent a link to ${changed}`, { exact: false }).waitFor();
    expect(await change.getByLabel('New email').inputValue()).toBe('');
    await page.reload();
    await page.getByText(email, { exact: true }).waitFor();

    const link = await linkFromMail(rig, changed, /new email/i, 'confirm-email-change');
    expect(link.startsWith(`${rig.webUrl}/confirm-email-change?token=`)).toBe(true);
    await page.goto(link);
    await page.getByText(`Your email address is now ${changed}`, { exact: false }).waitFor();
    await rig.screenshot(page, 'confirm-email-change');
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await page.getByText(changed, { exact: true }).waitFor();
    await page.getByText('Verified', { exact: true }).waitFor();

    // The link works once; the new address is the one that logs in.
    await page.goto(link);
    await page.getByRole('alert').waitFor();
    await page.goto(`${rig.webUrl}/profile`);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL('**/login');
    await logIn(page, email, password);
    await page.getByText(/invalid email or password/i).waitFor();
    await logIn(page, changed, password);
    await page.waitForURL('**/profile');
    await page.context().close();
  });
});
