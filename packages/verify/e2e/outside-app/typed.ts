// Typechecked in the outside project (strict, skipLibCheck off): the published declarations
// are complete and say what a service relies on.
import { createServer } from 'node:http';
import { createVerifier, type KeywayClaims, KeywayVerifyError, type VerifyFailure } from '@keyway/verify';

const verifier = createVerifier({
  issuer: 'keyway',
  audience: 'keyway',
  jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
});

export const server = createServer(async (request, response) => {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  try {
    const claims: KeywayClaims = await verifier.verify(token, { checkRevocation: true });
    const userId: string = claims.sub;
    const sessionId: string = claims.sid;
    response.end(JSON.stringify({ userId, sessionId }));
  } catch (error) {
    const reason: VerifyFailure | 'unknown' = error instanceof KeywayVerifyError ? error.reason : 'unknown';
    response.statusCode = reason === 'unavailable' ? 503 : 401;
    response.end();
  }
});
