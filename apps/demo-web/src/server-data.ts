/**
 * Data a section reads from the server (the devices, the security events): read when the
 * section appears and again whenever the tab comes back into view, since another device may
 * have changed it meanwhile. `reload()` reads it again after the section's own actions.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from './lib/errors.js';

export interface ServerData<T> {
  /** null until the first answer. */
  data: T | null;
  /** Why the last read failed; null once one succeeds. */
  error: string | null;
  reload(): Promise<void>;
}

export function useServerData<T>(read: () => Promise<T>): ServerData<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  // Sections pass a new function on every render; the latest one is read when it is time.
  const reader = useRef(read);
  reader.current = read;

  const reload = useCallback(async () => {
    try {
      const data = await reader.current();
      setState({ data, error: null });
    } catch (caught) {
      setState((previous) => ({ data: previous.data, error: messageOf(caught) }));
    }
  }, []);

  useEffect(() => {
    void reload();
    const onVisible = () => {
      if (document.visibilityState === 'visible') void reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [reload]);

  return { ...state, reload };
}
