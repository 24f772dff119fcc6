import { EmailToken } from './email-token.entity.js';
import { OutboxMessage } from './outbox-message.entity.js';
import { Session } from './session.entity.js';
import { TokenDenylist } from './token-denylist.entity.js';
import { User } from './user.entity.js';

export { EmailToken, OutboxMessage, Session, TokenDenylist, User };
export const entities = [User, Session, TokenDenylist, EmailToken, OutboxMessage];
