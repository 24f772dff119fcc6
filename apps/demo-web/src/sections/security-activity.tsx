/**
 * Recent security activity: what happened to the account (sign-ins, failed attempts,
 * password and two-factor changes...), newest first, with where each came from, so the user
 * can spot what was not them.
 */
import type { RouterOutputs } from '@keyway/client';
import { useState } from 'react';
import { Alert } from '../components.js';
import { deviceName, formatMoment } from '../lib/devices.js';
import { describeEvent } from '../lib/security-events.js';
import { useServerData } from '../server-data.js';
import { kw } from '../session.js';

type SecurityEvent = RouterOutputs['users']['securityEvents']['events'][number];

/** How many events the section shows; the API keeps more (and answers at most 200 at once). */
const shown = 20;

function EventRow({ event }: { event: SecurityEvent }) {
  const { label, warning } = describeEvent(event.type);
  const device = event.userAgent ? deviceName(event.userAgent) : null;
  return (
    <li className="entry">
      <div className="entry-head">
        <span className="entry-name">{label}</span>
        {warning ? <span className="badge badge-warning">Was this you?</span> : null}
      </div>
      <p className="entry-meta">
        <time dateTime={event.at}>{formatMoment(event.at)}</time> · {event.ip ?? 'unknown address'}
        {device ? ` · ${device}` : null}
      </p>
      {event.userAgent && event.userAgent !== device ? <p className="entry-detail">{event.userAgent}</p> : null}
    </li>
  );
}

export function SecurityActivity() {
  const events = useServerData(async () => (await kw.users.securityEvents.query({ limit: shown })).events);
  const [pending, setPending] = useState(false);

  const refresh = async () => {
    if (pending) return;
    setPending(true);
    await events.reload();
    setPending(false);
  };

  return (
    <section className="card" aria-labelledby="security-activity-title">
      <h2 id="security-activity-title">Recent security activity</h2>
      <p className="muted">
        The latest {shown} events of your account, newest first. If something was not you, change your password and sign
        out your other devices.
      </p>
      {events.error ? <Alert tone="error">{events.error}</Alert> : null}
      {events.data?.length ? (
        <ol className="entries" aria-label="Security events, newest first">
          {events.data.map((event, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: events have no id; the list is replaced whole on each read
            <EventRow key={`${event.at}-${index}`} event={event} />
          ))}
        </ol>
      ) : events.data ? (
        <p className="muted">Nothing yet.</p>
      ) : events.error ? null : (
        <p className="muted" aria-busy="true">
          Loading your activity…
        </p>
      )}
      <button
        type="button"
        className="button secondary"
        aria-disabled={pending || undefined}
        aria-busy={pending}
        onClick={() => void refresh()}
      >
        Refresh
      </button>
    </section>
  );
}
