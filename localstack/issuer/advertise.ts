import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultCacheDir } from '../kafka/build.js';
import type { IssuerEndpoint } from './mint-client.js';

/**
 * Where `npm run dev` tells `npm run token` about its issuer: `BANKU_ISSUER_FILE`, or
 * `${XDG_CACHE_HOME:-~/.cache}/banku/local-issuer.json`.
 */
export function issuerFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.BANKU_ISSUER_FILE?.trim() || join(defaultCacheDir(env), 'local-issuer.json');
}

/**
 * Writes the running issuer's URL and mint secret to {@link issuerFile}, readable by this user only, and
 * returns a function that removes it again (unless another dev has since replaced it).
 *
 * @example
 * ```ts
 * const withdraw = await advertiseIssuer({ url, mintSecret });
 * await withdraw();
 * ```
 */
export async function advertiseIssuer(
  issuer: IssuerEndpoint,
  env: NodeJS.ProcessEnv = process.env,
): Promise<() => Promise<void>> {
  const file = issuerFile(env);
  const content = JSON.stringify({ ...issuer, pid: process.pid });
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content, { mode: 0o600 });
  return async () => {
    if ((await readFile(file, 'utf8').catch(() => '')) === content) await rm(file, { force: true });
  };
}

/**
 * The issuer a running `npm run dev` advertised, or an error that says what to do.
 *
 * @example
 * ```ts
 * const token = await mintToken(await advertisedIssuer(), { sub: 'alice' });
 * ```
 */
export async function advertisedIssuer(env: NodeJS.ProcessEnv = process.env): Promise<IssuerEndpoint> {
  const file = issuerFile(env);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const advertised = text === undefined ? undefined : (JSON.parse(text) as IssuerEndpoint & { pid: number });
  if (!advertised || !isRunning(advertised.pid))
    throw new Error(`no running \`npm run dev\` has a local issuer (${file}): start \`npm run dev\` first`);
  return { url: advertised.url, mintSecret: advertised.mintSecret };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
