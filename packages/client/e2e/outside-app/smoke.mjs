// Runs the installed client against a real server: node smoke.mjs <url> <email> <password>
import { createKeywayClient } from '@keyway/client';

const [url, email, password] = process.argv.slice(2);
const kw = createKeywayClient({ url });
await kw.users.register.mutate({ email, password });
await kw.auth.login.mutate({ email, password });
const { user } = await kw.users.me.query();
process.stdout.write(JSON.stringify(user));
