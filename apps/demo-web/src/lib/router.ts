/**
 * Client-side routing on the History API: enough for a handful of pages, no dependency.
 * A navigation may carry a one-line notice for the next page ("You're logged out").
 */
import { useSyncExternalStore } from 'react';

interface HistoryState {
  notice?: string;
}

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean; notice?: string } = {}): void {
  const state: HistoryState = options.notice ? { notice: options.notice } : {};
  if (options.replace) window.history.replaceState(state, '', to);
  else window.history.pushState(state, '', to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

function noticeOf(state: unknown): string | undefined {
  const notice = (state as HistoryState | null)?.notice;
  return typeof notice === 'string' ? notice : undefined;
}

// A string snapshot, so React sees a change exactly when the URL or the notice changes.
const snapshot = () => `${window.location.pathname}${window.location.search}\n${noticeOf(window.history.state) ?? ''}`;

export interface Location {
  pathname: string;
  query: URLSearchParams;
  notice: string | undefined;
}

export function useLocation(): Location {
  const current = useSyncExternalStore(subscribe, snapshot);
  const [path = '/', notice] = current.split('\n');
  const url = new URL(path, window.location.origin);
  return { pathname: url.pathname, query: url.searchParams, notice: notice || undefined };
}

/** True for a plain left click, which the app handles; modified clicks open tabs as usual. */
export function isPlainClick(event: {
  button: number;
  metaKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  defaultPrevented: boolean;
}): boolean {
  return (
    !event.defaultPrevented &&
    event.button === 0 &&
    !event.metaKey &&
    !event.altKey &&
    !event.ctrlKey &&
    !event.shiftKey
  );
}
