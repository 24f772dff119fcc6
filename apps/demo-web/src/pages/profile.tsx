/**
 * The account page: a stack of sections, each a small component of its own in ../sections/.
 * A new account feature (a second factor, an email change, deleting the account) is a new
 * section file and one line in the list below.
 */
import { useSession } from '@keyway/client/react';
import { AccountDetails } from '../sections/account-details.js';
import { ChangeEmail } from '../sections/change-email.js';
import { ChangePassword } from '../sections/change-password.js';
import { DeleteAccount } from '../sections/delete-account.js';
import { Devices } from '../sections/devices.js';
import { SecurityActivity } from '../sections/security-activity.js';
import { SessionActions } from '../sections/session-actions.js';
import { TwoFactor } from '../sections/two-factor.js';

export function ProfilePage() {
  // The session's user is kept current by the client (and re-read when the tab comes back into view).
  const { user } = useSession();
  return (
    <div className="page-stack">
      <AccountDetails user={user} />
      <ChangeEmail user={user} />
      <ChangePassword />
      <TwoFactor user={user} />
      <Devices />
      <SecurityActivity />
      <SessionActions />
      <DeleteAccount />
    </div>
  );
}
