import { EmailToken } from './email-token.entity.js';
import { MfaChallenge } from './mfa-challenge.entity.js';
import { MfaRecoveryCode } from './mfa-recovery-code.entity.js';
import { OutboxMessage } from './outbox-message.entity.js';
import { SecurityEvent } from './security-event.entity.js';
import { Session } from './session.entity.js';
import { TokenDenylist } from './token-denylist.entity.js';
import { User } from './user.entity.js';

export { EmailToken, MfaChallenge, MfaRecoveryCode, OutboxMessage, SecurityEvent, Session, TokenDenylist, User };
export const entities = [
  User,
  Session,
  TokenDenylist,
  EmailToken,
  OutboxMessage,
  MfaRecoveryCode,
  MfaChallenge,
  SecurityEvent,
];
