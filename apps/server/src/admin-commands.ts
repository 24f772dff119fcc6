/**
 * The admin CLI's commands, apart from the process around them (admin.ts), so each one is
 * a plain function of its arguments: it returns the lines to print, or throws an
 * `AdminError` whose message is the one line an operator sees.
 */
import { randomBytes } from 'node:crypto';
import {
  type AccountDetails,
  type AccountSummary,
  type Admin,
  generateSigningKeyPem,
  minimumSecretBytes,
} from '@keyway/auth-core';

export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export const usage = `Usage: admin <command>
  users list [--limit N]         newest accounts first (default 50, at most 10000)
  users show <email>             one account, with its live sessions
  users disable <email>          refuse its logins and every token at once
  users enable <email>           allow logins again
  users revoke-sessions <email>  end every session (access and refresh tokens refused at once)
  users delete <email>           delete the account and everything that belongs to it
  keys generate                  print a new ES256 private key (PKCS#8 PEM) for JWT_PRIVATE_KEY
  secret generate                print a random JWT_SECRET
  migrate                        apply pending database migrations`;

/** Commands that need the database, and those that do not. */
export type Command =
  | { kind: 'offline'; run: () => string[] }
  | { kind: 'database'; migrate?: true; run: (admin: Admin) => Promise<string[]> };

const date = (value: Date | null) => (value ? value.toISOString() : '-');

function summaryLine(user: AccountSummary): string {
  return [
    user.id,
    user.email,
    user.emailVerified ? 'verified' : 'unverified',
    user.disabledAt ? 'disabled' : 'active',
    date(user.createdAt),
  ].join('\t');
}

function detailLines(user: AccountDetails): string[] {
  return [
    `id: ${user.id}`,
    `email: ${user.email}`,
    `email verified: ${user.emailVerified ? 'yes' : 'no'}`,
    `disabled: ${user.disabledAt ? `since ${date(user.disabledAt)}` : 'no'}`,
    `created: ${date(user.createdAt)}`,
    `updated: ${date(user.updatedAt)}`,
    `live sessions: ${user.liveSessions}`,
  ];
}

/**
 * The email argument, normalised as the API normalises it (trimmed, lower-case). Only its
 * shape is checked, not the API's full address rules: an operator must be able to find any
 * stored account, whatever rules were in force when it was created.
 */
function emailArgument(args: string[]): string {
  const [email, ...rest] = args;
  if (!email || rest.length > 0) throw new AdminError('Expected exactly one email address');
  const normalised = email.trim().toLowerCase();
  if (normalised.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(normalised))
    throw new AdminError(`Not an email address: ${email}`);
  return normalised;
}

function limitArgument(args: string[]): number {
  if (args.length === 0) return 50;
  const [flag, value, ...rest] =
    args.length === 1 && args[0]?.startsWith('--limit=') ? ['--limit', args[0].slice(8)] : args;
  const limit = Number(value);
  if (flag !== '--limit' || rest.length > 0 || !/^\d+$/.test(value ?? '') || limit < 1 || limit > 10_000) {
    throw new AdminError('Expected --limit N, with N from 1 to 10000');
  }
  return limit;
}

const noSuchUser = (email: string) => new AdminError(`No user with email ${email}`);

/** The command named by the arguments; throws an AdminError for anything it does not know. */
export function parseCommand(argv: string[]): Command {
  const [group, action, ...args] = argv;
  const none = () => {
    if (args.length > 0) throw new AdminError(`Unexpected argument: ${args[0]}`);
  };
  if (group === 'migrate') {
    if (action !== undefined) throw new AdminError(`Unexpected argument: ${action}`);
    return { kind: 'database', migrate: true, run: async () => [] };
  }
  switch (`${group ?? ''} ${action ?? ''}`.trim()) {
    case 'keys generate':
      none();
      return { kind: 'offline', run: () => [generateSigningKeyPem().trim()] };
    case 'secret generate':
      none();
      return { kind: 'offline', run: () => [randomBytes(Math.max(48, minimumSecretBytes)).toString('base64url')] };
    case 'users list': {
      const limit = limitArgument(args);
      return { kind: 'database', run: async (admin) => (await admin.listUsers(limit)).map(summaryLine) };
    }
    case 'users show': {
      const email = emailArgument(args);
      return {
        kind: 'database',
        run: async (admin) => {
          const user = await admin.showUser(email);
          if (!user) throw noSuchUser(email);
          return detailLines(user);
        },
      };
    }
    case 'users disable':
    case 'users enable':
    case 'users delete': {
      const email = emailArgument(args);
      const verb = action as 'disable' | 'enable' | 'delete';
      const operations = { disable: 'disableUser', enable: 'enableUser', delete: 'deleteUser' } as const;
      return {
        kind: 'database',
        run: async (admin) => {
          if (!(await admin[operations[verb]](email))) throw noSuchUser(email);
          return [`${verb === 'delete' ? 'Deleted' : verb === 'disable' ? 'Disabled' : 'Enabled'} ${email}`];
        },
      };
    }
    case 'users revoke-sessions': {
      const email = emailArgument(args);
      return {
        kind: 'database',
        run: async (admin) => {
          const revoked = await admin.revokeUserSessions(email);
          if (revoked === null) throw noSuchUser(email);
          return [`Revoked ${revoked} session${revoked === 1 ? '' : 's'} of ${email}`];
        },
      };
    }
    default:
      throw new AdminError(
        argv.length === 0 ? 'Missing command (run with --help)' : `Unknown command: ${argv.join(' ')}`,
      );
  }
}
