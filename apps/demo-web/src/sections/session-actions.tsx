import { useState } from 'react';
import { Alert } from '../components.js';
import { messageOf } from '../lib/errors.js';
import { navigate } from '../lib/router.js';
import { kw } from '../session.js';

export function SessionActions() {
  const [state, setState] = useState<{ pending: boolean; error?: string }>({ pending: false });
  const run = async (action: () => Promise<unknown>, notice: string) => {
    if (state.pending) return;
    setState({ pending: true });
    try {
      await action();
      navigate('/login', { replace: true, notice });
    } catch (error) {
      setState({ pending: false, error: messageOf(error) });
    }
  };

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p className="muted">Log out of this browser, or end every session of your account on all your devices.</p>
      {state.error ? <Alert tone="error">{state.error}</Alert> : null}
      <div className="actions">
        <button
          type="button"
          className="button secondary"
          aria-disabled={state.pending || undefined}
          onClick={() => void run(() => kw.auth.logout.mutate({}), 'You are logged out.')}
        >
          Log out
        </button>
        <button
          type="button"
          className="button danger"
          aria-disabled={state.pending || undefined}
          onClick={() => void run(() => kw.auth.logoutAll.mutate(), 'You are logged out on every device.')}
        >
          Log out everywhere
        </button>
      </div>
    </section>
  );
}
