import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuildLockTimeoutError } from './errors.js';

/** Who holds a lock; written inside the lock directory. */
interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
}

/**
 * Tuning for {@link withBuildLock}.
 *
 * @example
 * const options: BuildLockOptions = { waitMs: 60_000, onWait: (owner) => console.error(`waiting for ${owner}`) };
 */
export interface BuildLockOptions {
  /** Give up after this long (default 15 min: a cold build takes about a minute on 2 cores). */
  waitMs?: number;
  /** A lock whose heartbeat is older than this is stale (default 60 s; the holder beats every 10 s). */
  staleMs?: number;
  /** Called once when the lock is busy, with a description of the holder. */
  onWait?: (holder: string) => void;
}

const OWNER_FILE = 'owner.json';
const POLL_MS = 250;

/**
 * Runs `fn` while holding a cross-process lock: a directory created with `mkdir` (atomic on
 * every local file system), kept fresh by a heartbeat on its mtime.
 *
 * A lock is taken over when its holder is a dead pid on this host, or when its heartbeat is older
 * than `staleMs` (holder on another host sharing the cache, or a reused pid). In the rare race
 * where two waiters take over the same stale lock at once both may run `fn`, so callers must keep
 * their results correct without the lock: the broker build writes into a private temporary
 * directory and publishes with an atomic `rename`, and the lock only saves a duplicate build.
 *
 * @example
 * const path = await withBuildLock('/root/.cache/banku/.build.lock', async () => buildOnce());
 */
export async function withBuildLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  options: BuildLockOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? 15 * 60_000;
  const staleMs = options.staleMs ?? 60_000;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    acquiredAt: new Date().toISOString(),
  };
  const started = Date.now();
  let toldWaiting = false;

  for (;;) {
    if (await tryAcquire(lockDir, owner)) break;
    const holder = await readOwner(lockDir);
    if (await isStale(lockDir, holder, staleMs)) {
      await breakLock(lockDir);
      continue;
    }
    if (Date.now() - started > waitMs) throw new BuildLockTimeoutError(lockDir, Date.now() - started);
    if (!toldWaiting) {
      toldWaiting = true;
      options.onWait?.(holder ? `pid ${holder.pid} on ${holder.host} since ${holder.acquiredAt}` : 'unknown');
    }
    await sleep(POLL_MS);
  }

  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(lockDir, now, now).catch(() => undefined);
    },
    Math.max(1000, Math.floor(staleMs / 6)),
  );
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await release(lockDir, owner);
  }
}

async function tryAcquire(lockDir: string, owner: LockOwner): Promise<boolean> {
  try {
    await mkdir(lockDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await writeFile(join(lockDir, OWNER_FILE), JSON.stringify(owner));
  return true;
}

async function readOwner(lockDir: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(join(lockDir, OWNER_FILE), 'utf8')) as LockOwner;
  } catch {
    // Not written yet (the holder is between mkdir and writeFile) or already released.
    return undefined;
  }
}

async function isStale(lockDir: string, holder: LockOwner | undefined, staleMs: number): Promise<boolean> {
  if (holder && holder.host === hostname() && !isAlive(holder.pid)) return true;
  try {
    const { mtimeMs } = await stat(lockDir);
    return Date.now() - mtimeMs > staleMs;
  } catch {
    return false; // released meanwhile; the next mkdir decides
  }
}

/**
 * Whether a pid on this host is a live process (EPERM counts: it exists, owned by someone else).
 *
 * @example
 * isAlive(process.pid); // true
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function breakLock(lockDir: string): Promise<void> {
  // Rename first so that only one waiter removes this particular stale lock.
  const aside = `${lockDir}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockDir, aside);
  } catch {
    return; // someone else broke or released it
  }
  await rm(aside, { recursive: true, force: true });
}

async function release(lockDir: string, owner: LockOwner): Promise<void> {
  // Only remove the lock if it is still ours (it may have been judged stale and taken over).
  const current = await readOwner(lockDir);
  if (current?.token === owner.token) await rm(lockDir, { recursive: true, force: true });
}
