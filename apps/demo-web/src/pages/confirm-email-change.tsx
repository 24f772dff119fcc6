import { Email } from '../components.js';
import { oncePerToken } from '../lib/once.js';
import { kw } from '../session.js';
import { TokenLinkPage } from './token-link.js';

const confirmEmailChange = oncePerToken(async (token) => (await kw.users.confirmEmailChange.mutate({ token })).user);

export function ConfirmEmailChangePage({ token }: { token: string | null }) {
  return (
    <TokenLinkPage
      title="Confirm your new email"
      token={token}
      spend={confirmEmailChange}
      pending="Changing your email address…"
      done={(user) => (
        <>
          Your email address is now{' '}
          <strong>
            <Email address={user.email} />
          </strong>
          . Use it the next time you log in.
        </>
      )}
      failureHint="A link to change your email works once and expires after a day. You can ask for a new one from your account page."
    />
  );
}
