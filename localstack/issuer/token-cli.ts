/**
 * `npm run token -- --sub alice [--operator] [--expires-in 3600]`: prints a bearer token minted by the
 * local issuer of the running `npm run dev` (or of the stack named by `AUTH_ISSUER` and
 * `LOCAL_ISSUER_MINT_SECRET`). Use it as `Authorization: Bearer $(npm run -s token -- --sub alice)`.
 */
import { parseArgs } from 'node:util';
import { advertisedIssuer } from './advertise.js';
import { localIssuerFromEnv, mintToken } from './mint-client.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from './mint-request.js';

try {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      operator: { type: 'boolean', default: false },
      'expires-in': { type: 'string', default: String(DEFAULT_TOKEN_LIFETIME_SECONDS) },
    },
  });
  if (!values.sub) throw new Error('--sub <subject> is required, e.g. npm run token -- --sub alice');
  const expiresInSeconds = Number(values['expires-in']);
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0)
    throw new Error(`--expires-in must be a positive number of seconds, got "${values['expires-in']}"`);
  const issuer = localIssuerFromEnv(process.env) ?? (await advertisedIssuer());
  console.log(await mintToken(issuer, { sub: values.sub, operator: values.operator, expiresInSeconds }));
} catch (error) {
  console.error(`npm run token: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
