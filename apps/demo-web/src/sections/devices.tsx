/**
 * Devices: every live session of the account (newest first, this one marked), with a button
 * to sign out one of the others and one to sign out all of them. After a sign-out the
 * removed row's button is gone, so focus moves to the section's heading instead of <body>.
 */
import type { RouterOutputs } from '@keyway/client';
import { useRef, useState } from 'react';
import { Alert } from '../components.js';
import { deviceName, formatMoment } from '../lib/devices.js';
import { messageOf } from '../lib/errors.js';
import { useNotices } from '../notices.js';
import { useServerData } from '../server-data.js';
import { kw } from '../session.js';

type Device = RouterOutputs['sessions']['list']['sessions'][number];

function DeviceRow({ device, pending, onRevoke }: { device: Device; pending: boolean; onRevoke(): void }) {
  const name = deviceName(device.userAgent);
  return (
    <li className="entry">
      <div className="entry-head">
        <span className="entry-name">{name}</span>
        {device.current ? <span className="badge badge-success">This device</span> : null}
      </div>
      <p className="entry-meta">
        Last active {formatMoment(device.lastUsedAt)} · {device.ip ?? 'unknown address'}
        <br />
        Signed in {formatMoment(device.createdAt)}
      </p>
      {device.userAgent && device.userAgent !== name ? <p className="entry-detail">{device.userAgent}</p> : null}
      {device.current ? null : (
        <button
          type="button"
          className="button secondary small"
          aria-disabled={pending || undefined}
          aria-label={`Sign out ${name}, last active ${formatMoment(device.lastUsedAt)}`}
          onClick={onRevoke}
        >
          Sign out
        </button>
      )}
    </li>
  );
}

export function Devices() {
  const list = useServerData(async () => (await kw.sessions.list.query()).sessions);
  const [actionError, setActionError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const notices = useNotices();

  const run = async (action: () => Promise<string>) => {
    if (pending) return;
    setPending(true);
    setActionError(null);
    notices.clear();
    try {
      const done = await action();
      await list.reload();
      notices.show({ tone: 'success', text: done });
      heading.current?.focus();
    } catch (caught) {
      setActionError(messageOf(caught));
    } finally {
      setPending(false);
    }
  };

  const revoke = (device: Device) =>
    run(async () => {
      await kw.sessions.revoke.mutate({ sessionId: device.id });
      return `Signed out of ${deviceName(device.userAgent)}.`;
    });
  const revokeOthers = () =>
    run(async () => {
      const { revoked } = await kw.sessions.revokeOthers.mutate();
      return `Signed out of ${revoked} other ${revoked === 1 ? 'device' : 'devices'}.`;
    });

  const devices = list.data;
  const error = actionError ?? list.error;
  const others = devices?.filter((device) => !device.current).length ?? 0;
  return (
    <section className="card" aria-labelledby="devices-title">
      <h2 id="devices-title" ref={heading} tabIndex={-1}>
        Devices
      </h2>
      <p className="muted">Where your account is signed in. Sign out a device you do not recognise.</p>
      {error ? <Alert tone="error">{error}</Alert> : null}
      {devices ? (
        <ul className="entries" aria-label="Signed-in devices">
          {devices.map((device) => (
            <DeviceRow key={device.id} device={device} pending={pending} onRevoke={() => void revoke(device)} />
          ))}
        </ul>
      ) : error ? null : (
        <p className="muted" aria-busy="true">
          Loading your devices…
        </p>
      )}
      {others > 0 ? (
        <button
          type="button"
          className="button danger"
          aria-disabled={pending || undefined}
          onClick={() => void revokeOthers()}
        >
          Sign out all other devices
        </button>
      ) : null}
    </section>
  );
}
