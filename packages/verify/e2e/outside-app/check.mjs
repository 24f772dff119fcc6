// Verifies each named token with @keyway/verify as installed from its tarball, and prints
// what happened to each as one JSON line: { name: { ok, sub } | { ok: false, reason } }.
import { createVerifier, KeywayVerifyError } from '@keyway/verify';

const [jwksUrl, cases] = process.argv.slice(2);
const verifier = createVerifier({ issuer: 'keyway', audience: 'keyway', jwksUrl });
const results = {};
for (const [name, { token, checkRevocation }] of Object.entries(JSON.parse(cases))) {
  try {
    const claims = await verifier.verify(token, { checkRevocation });
    results[name] = { ok: true, sub: claims.sub, typ: claims.typ };
  } catch (error) {
    results[name] = { ok: false, reason: error instanceof KeywayVerifyError ? error.reason : String(error) };
  }
}
console.log(JSON.stringify(results));
