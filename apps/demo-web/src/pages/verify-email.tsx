import { Email } from '../components.js';
import { oncePerToken } from '../lib/once.js';
import { kw } from '../session.js';
import { TokenLinkPage } from './token-link.js';

const verifyEmail = oncePerToken(async (token) => (await kw.users.verifyEmail.mutate({ token })).user);

export function VerifyEmailPage({ token }: { token: string | null }) {
  return (
    <TokenLinkPage
      title="Confirm your email"
      token={token}
      spend={verifyEmail}
      pending="Confirming your email address…"
      done={(user) => (
        <>
          Thanks!{' '}
          <strong>
            <Email address={user.email} />
          </strong>{' '}
          is confirmed.
        </>
      )}
      failureHint="Confirmation links work once and expire after a day. You can send a new one from your account page."
    />
  );
}
