/**
 * The page's notices ("You are logged out.", "Your password has been changed."): one at a
 * time, so a new one replaces the old instead of piling up, in a live region that exists
 * before anything is put in it (screen readers announce changes to a region, not a new one).
 * A navigation's notice is the first one of the next page.
 */
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';

export interface Notice {
  tone: 'success' | 'info';
  text: ReactNode;
}

interface Notices {
  notice: Notice | null;
  show(notice: Notice): void;
  clear(): void;
}

const NoticesContext = createContext<Notices>({ notice: null, show() {}, clear() {} });

/** Give it a `key` that changes with the page, so each page starts with its own notice. */
export function NoticesProvider({ initial, children }: { initial?: string; children: ReactNode }) {
  const [notice, setNotice] = useState<Notice | null>(initial ? { tone: 'info', text: initial } : null);
  const value = useMemo<Notices>(() => ({ notice, show: setNotice, clear: () => setNotice(null) }), [notice]);
  return <NoticesContext.Provider value={value}>{children}</NoticesContext.Provider>;
}

export function useNotices(): Notices {
  return useContext(NoticesContext);
}

/** Where the page's notice shows; always rendered, empty when there is none. */
export function NoticeSlot() {
  const { notice } = useNotices();
  return (
    <div role="status" className="notice-slot">
      {notice ? <div className={`alert alert-${notice.tone}`}>{notice.text}</div> : null}
    </div>
  );
}
