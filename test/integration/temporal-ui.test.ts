// The Temporal Web UI as the staff console, in a real browser (playwright-core driving Debian's
// chromium, which the test setup installs with apt; no browser is downloaded): a staff member types
// a search in the UI, the right members are listed, and a member's page states its standing.
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MembershipClient } from '../../client/membership-client.js';
import { addDays } from '../../machines/calendar.js';
import { association } from '../helpers.js';
import { untilStanding } from '../workflow/until.js';
import { defaultNamespace, freePort, startDevServer } from './dev-server.js';
import type { DevServer } from './dev-server.js';

describe('the Temporal UI as the staff console', () => {
  let server: DevServer;
  let browser: Browser;
  let ui: string;
  let members: MembershipClient;

  beforeAll(async () => {
    const uiPort = await freePort();
    ui = `http://127.0.0.1:${uiPort}`;
    server = await startDevServer({ uiPort, associations: ['TEST', 'OTHER'] });
    const at = new Date().toISOString();
    const paidThrough = addDays(at.slice(0, 10), 90);
    members = new MembershipClient(server.env.client, association());
    const other = new MembershipClient(
      server.env.client,
      association({}, { association: { id: 'OTHER', timezone: 'UTC' } }),
    );
    await members.importMember({
      id: 'i-UI1',
      type: 'imported',
      memberId: 'UI1',
      at,
      membershipType: 'REALTOR',
      state: 'suspended',
      paidThrough,
    });
    await members.importMember({
      id: 'i-UI2',
      type: 'imported',
      memberId: 'UI2',
      at,
      membershipType: 'REALTOR',
      state: 'active',
      paidThrough,
    });
    await other.importMember({
      id: 'i-UI3',
      type: 'imported',
      memberId: 'UI3',
      at,
      membershipType: 'REALTOR',
      state: 'suspended',
      paidThrough,
    });
    browser = await chromium.launch({
      executablePath: inject('chromium'),
      // This machine's network is closed: without these, Chromium keeps trying to reach Google.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists exactly the suspended members of the association for the search staff type, and the member page shows its standing in words', async () => {
    // Visibility lags the workflows by a moment: wait until it lists what the UI will be asked for,
    // and until the member's workflow answers the query the member page makes.
    await expect
      .poll(async () => (await members.list({ state: 'suspended' })).map((m) => m.memberId), { timeout: 20_000 })
      .toEqual(['UI1']);
    await untilStanding(members, 'UI1', (standing) => standing?.member?.state === 'suspended', 'UI1 suspended');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${ui}/namespaces/${defaultNamespace}/workflows`);
    await page.getByTestId('toggle-manual-query').click();
    await page.getByPlaceholder('Enter a query').fill('MembershipState="suspended" AND AssociationId="TEST"');
    await page.getByRole('button', { name: 'Search' }).click();

    const suspended = page.getByRole('link', { name: 'membership/TEST/UI1', exact: true });
    await expect.poll(() => suspended.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByText('1 Workflow', { exact: true }).count()).toBe(1);
    expect(await page.getByText('membership/TEST/UI2').count()).toBe(0);
    expect(await page.getByText('membership/OTHER/UI3').count()).toBe(0);

    await suspended.click();
    // Current details, "**Suspended** · REALTOR (primary) · paid through …", rendered from markdown
    // (in a frame of its own). The UI reads them with a query to the workflow when the page loads.
    const standing = /Suspended · REALTOR \(primary\) · paid through \d{4}-\d{2}-\d{2}/;
    const shown = async () =>
      (
        await Promise.all(
          page.frames().map((frame) =>
            frame
              .locator('body')
              .innerText()
              .catch(() => ''),
          ),
        )
      ).join('\n');
    await page.getByText('User Metadata', { exact: true }).click();
    await expect.poll(shown, { timeout: 20_000 }).toMatch(standing);
    expect(await shown()).toContain('Membership of UI1 in TEST');
    await page.close();
  });
});
