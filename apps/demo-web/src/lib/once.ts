/**
 * Emailed links whose token works once (confirm an email, confirm an email change): each
 * token is spent at most once per page load, so a re-render (or React's StrictMode, which
 * runs effects twice) shares the first attempt's answer instead of spending it again.
 */
export function oncePerToken<T>(spend: (token: string) => Promise<T>): (token: string) => Promise<T> {
  const attempts = new Map<string, Promise<T>>();
  return (token) => {
    let attempt = attempts.get(token);
    if (!attempt) {
      attempt = spend(token);
      attempts.set(token, attempt);
    }
    return attempt;
  };
}
