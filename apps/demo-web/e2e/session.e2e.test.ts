/**
 * The demo's session in Chromium, in cookie mode: nothing of it in the page's storage, a
 * reload signed in through the HttpOnly cookie, tabs that refresh at the same moment, the
 * Devices list, and a device signed out from another browser.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startFileRig } from './harness.js';
import { logIn, newEmail, password, signUp as signUpAt } from './pages.js';

const rig = await startFileRig();

const signUp = (page: Page, email: string) => signUpAt(page, rig.webUrl, email);

async function openPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Everything the page's scripts can read of storage and cookies. */
function readableState(page: Page) {
  return page.evaluate(() => ({
    localStorage: Object.entries(localStorage),
    sessionStorage: Object.entries(sessionStorage),
    cookie: document.cookie,
  }));
}

function expireAccessTokens() {
  rig.clock.advance((rig.api.config.accessTokenTtlSeconds + 1) * 1000);
}

describe('the demo session in Chromium (cookie mode)', () => {
  it('stays signed in across a reload with no token anywhere a script can read', async () => {
    const context = await rig.browser.newContext();
    const page = await openPage(context);
    const email = newEmail();
    await signUp(page, email);

    await page.reload();
    await page.getByText(email, { exact: true }).waitFor();
    expireAccessTokens();
    await page.reload();
    await page.getByText(email, { exact: true }).waitFor();

    expect(await readableState(page)).toEqual({ localStorage: [], sessionStorage: [], cookie: '' });
    const cookies = await context.cookies();
    const refresh = cookies.find((cookie) => cookie.name === 'keyway_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(refresh?.path.startsWith('/trpc')).toBe(true);
    await context.close();
  });

  it('keeps two tabs signed in when they refresh at the same moment, 20 times over', async () => {
    const context = await rig.browser.newContext();
    const [first, second] = [await openPage(context), await openPage(context)];
    const email = newEmail();
    await signUp(first, email);
    await second.goto(`${rig.webUrl}/profile`);
    await second.getByText(email, { exact: true }).waitFor();

    for (let round = 0; round < 20; round++) {
      expireAccessTokens();
      // Both tabs come back at once with no usable access token and refresh from one cookie.
      await Promise.all([first.reload(), second.reload()]);
      await Promise.all([first, second].map((page) => page.getByText(email, { exact: true }).waitFor()));
      expect([first.url(), second.url()]).toEqual([`${rig.webUrl}/profile`, `${rig.webUrl}/profile`]);
    }

    // One tab logs out: the other follows.
    await first.getByRole('button', { name: 'Log out', exact: true }).click();
    await second.waitForURL('**/login');
    await context.close();
  });

  it('lists the devices, and signs out another one, which then finds itself signed out', async () => {
    const email = newEmail();
    const laptop = await rig.browser.newContext({
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0',
    });
    const phone = await rig.browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    });
    const laptopPage = await openPage(laptop);
    await signUp(laptopPage, email);
    const phonePage = await openPage(phone);
    await phonePage.goto(`${rig.webUrl}/login`);
    await logIn(phonePage, email, password);
    await phonePage.waitForURL('**/profile');

    const devices = phonePage.getByRole('list', { name: 'Signed-in devices' });
    await devices.getByText('Firefox on Linux').waitFor();
    const rows = devices.getByRole('listitem');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('This device');
    expect(await rows.first().textContent()).toContain('Safari on iOS');
    expect(await phonePage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await phonePage.getByRole('heading', { name: 'Devices' }).scrollIntoViewIfNeeded();
    await rig.screenshot(phonePage, 'devices-phone');

    await devices.getByRole('button', { name: /^Sign out Firefox on Linux/ }).click();
    await phonePage.getByText('Signed out of Firefox on Linux.').waitFor();
    expect(await rows.count()).toBe(1);
    await expect.poll(() => phonePage.evaluate(() => document.activeElement?.textContent)).toBe('Devices');

    // The laptop's user comes back to the tab: the app asks the server, which refuses the session.
    await laptopPage.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await laptopPage.waitForURL('**/login');
    await laptopPage.getByText('You were signed out on this device.', { exact: false }).waitFor();
    await laptopPage.reload();
    await laptopPage.waitForURL('**/login');
    await Promise.all([laptop.close(), phone.close()]);
  });

  it('signs out all other devices at once', async () => {
    const email = newEmail();
    const contexts = await Promise.all([0, 1, 2].map(() => rig.browser.newContext()));
    const [main, ...others] = await Promise.all(contexts.map((context) => openPage(context)));
    if (!main) throw new Error('no page');
    await signUp(main, email);
    for (const page of others) {
      await page.goto(`${rig.webUrl}/login`);
      await logIn(page, email, password);
      await page.waitForURL('**/profile');
    }
    await main.reload();
    const rows = main.getByRole('list', { name: 'Signed-in devices' }).getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(3);

    await main.getByRole('button', { name: 'Sign out all other devices' }).click();

    await main.getByText('Signed out of 2 other devices.').waitFor();
    expect(await rows.count()).toBe(1);
    for (const page of others) {
      await page.reload();
      await page.waitForURL('**/login');
    }
    await Promise.all(contexts.map((context) => context.close()));
  });
});
