/** The shell: header, the page for the URL, and the redirects between signed-in and signed-out pages. */
import { useSession } from '@keyway/client/react';
import { type ReactNode, useEffect, useRef } from 'react';
import { Card, Link } from './components.js';
import { type Location, navigate, useLocation } from './lib/router.js';
import { NoticesProvider } from './notices.js';
import { ConfirmEmailChangePage } from './pages/confirm-email-change.js';
import { ForgotPasswordPage } from './pages/forgot-password.js';
import { LogInPage } from './pages/log-in.js';
import { ProfilePage } from './pages/profile.js';
import { ResetPasswordPage } from './pages/reset-password.js';
import { SignUpPage } from './pages/sign-up.js';
import { VerifyEmailPage } from './pages/verify-email.js';

interface Route {
  title: string;
  /** Who may see the page; the others are sent to the log-in page or to their account. */
  access: 'anyone' | 'signed-in' | 'signed-out';
  render(location: Location): ReactNode;
}

const routes: Record<string, Route> = {
  '/signup': { title: 'Sign up', access: 'signed-out', render: () => <SignUpPage /> },
  '/login': { title: 'Log in', access: 'signed-out', render: () => <LogInPage /> },
  '/profile': { title: 'Your account', access: 'signed-in', render: () => <ProfilePage /> },
  '/forgot-password': { title: 'Forgot password', access: 'anyone', render: () => <ForgotPasswordPage /> },
  '/reset-password': {
    title: 'Set a new password',
    access: 'anyone',
    render: ({ query }) => <ResetPasswordPage token={query.get('token')} />,
  },
  '/verify-email': {
    title: 'Confirm your email',
    access: 'anyone',
    render: ({ query }) => <VerifyEmailPage token={query.get('token')} />,
  },
  '/confirm-email-change': {
    title: 'Confirm your new email',
    access: 'anyone',
    render: ({ query }) => <ConfirmEmailChangePage token={query.get('token')} />,
  },
};

const notFound: Route = {
  title: 'Page not found',
  access: 'anyone',
  render: () => (
    <Card title="Page not found">
      <p className="muted">There is nothing at this address.</p>
      <Link to="/" className="button secondary">
        Go to the start page
      </Link>
    </Card>
  ),
};

/** Where a visitor belongs instead of this page, if anywhere. */
function redirectFor(
  pathname: string,
  route: Route,
  signedIn: boolean,
  sessionEnded: boolean,
): { to: string; notice?: string } | null {
  if (pathname === '/') return { to: signedIn ? '/profile' : '/login' };
  if (route.access === 'signed-in' && !signedIn) {
    const notice = sessionEnded ? 'You were signed out on this device. Log in again to continue.' : undefined;
    return { to: '/login', notice: notice ?? 'Log in to see your account.' };
  }
  if (route.access === 'signed-out' && signedIn) return { to: '/profile' };
  return null;
}

function Header({ signedIn }: { signedIn: boolean }) {
  return (
    <header className="header">
      <div className="header-inner">
        <Link to="/" className="brand" aria-label="Keyway home">
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect width="32" height="32" rx="8" fill="currentColor" />
            <circle cx="12" cy="16" r="5" fill="none" stroke="white" strokeWidth="3" />
            <path d="M17 16h10M23 16v4" stroke="white" strokeWidth="3" strokeLinecap="round" />
          </svg>
          <span>Keyway</span>
        </Link>
        <nav aria-label="Main">
          {signedIn ? (
            <Link to="/profile">Account</Link>
          ) : (
            <>
              <Link to="/login">Log in</Link>
              <Link to="/signup" className="nav-cta">
                Sign up
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}

export function App() {
  const location = useLocation();
  const { status } = useSession();
  const signedIn = status === 'signed-in';
  // Signed in a moment ago and not any more, without the user logging out here: the session
  // was ended elsewhere (another tab, another device, a password reset).
  const wasSignedIn = useRef(false);
  const sessionEnded = wasSignedIn.current && status === 'signed-out';
  useEffect(() => {
    if (status !== 'loading') wasSignedIn.current = status === 'signed-in';
  }, [status]);
  const route = routes[location.pathname] ?? notFound;
  // Until the server has said whether the session is live, nobody is sent anywhere.
  const redirect = status === 'loading' ? null : redirectFor(location.pathname, route, signedIn, sessionEnded);

  const redirectTo = redirect?.to;
  const redirectNotice = redirect?.notice;
  useEffect(() => {
    if (redirectTo) navigate(redirectTo, { replace: true, notice: redirectNotice });
  }, [redirectTo, redirectNotice]);

  useEffect(() => {
    document.title = `${route.title} · Keyway`;
  }, [route.title]);

  return (
    <>
      <Header signedIn={signedIn} />
      <main className="main">
        {status === 'loading' ? (
          <p className="muted loading" aria-busy="true">
            Loading…
          </p>
        ) : redirect ? null : (
          // Each page (and each navigation's notice) starts with its own notices.
          <NoticesProvider key={`${location.pathname}\n${location.notice ?? ''}`} initial={location.notice}>
            {route.render(location)}
          </NoticesProvider>
        )}
      </main>
      <footer className="footer">Keyway demo · talks to the API only through @keyway/client</footer>
    </>
  );
}
