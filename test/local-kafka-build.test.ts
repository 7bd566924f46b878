import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../localstack/kafka/build.js';
import { withBuildLock } from '../localstack/kafka/build-lock.js';
import { TOOLCHAIN_INSTALL_HINT, ToolchainMissingError } from '../localstack/kafka/errors.js';
import { assertToolchain } from '../localstack/kafka/toolchain.js';

// The pieces of the one-time broker build that can be checked without a minute-long compile:
// the cross-process lock, the toolchain check and the cache location.

let dir: string;
let lock: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'banku-lock-'));
  lock = join(dir, '.build.lock');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that surely belongs to no process: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid as number;
}

describe('build lock', () => {
  it('serializes concurrent holders and removes itself afterwards', async () => {
    const events: string[] = [];
    const holder = (name: string) =>
      withBuildLock(lock, async () => {
        events.push(`${name} in`);
        await sleep(150);
        events.push(`${name} out`);
        return name;
      });
    const results = await Promise.all([holder('a'), holder('b'), holder('c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i + 1]).toBe(events[i]?.replace(' in', ' out'));
    }
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is released when the work throws', async () => {
    await expect(withBuildLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a lock whose holder (a pid on this host) is dead', async () => {
    await mkdir(lock);
    const pid = await deadPid();
    await writeFile(
      join(lock, 'owner.json'),
      JSON.stringify({ pid, host: hostname(), token: 'x', acquiredAt: '' }),
    );
    const started = Date.now();
    await expect(withBuildLock(lock, async () => 'mine')).resolves.toBe('mine');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('takes over a lock whose heartbeat is older than staleMs, and waits for a fresh one', async () => {
    await mkdir(lock);
    // A live holder elsewhere (another host sharing the cache): only its heartbeat can tell.
    await writeFile(
      join(lock, 'owner.json'),
      JSON.stringify({ pid: process.pid, host: 'elsewhere', token: 'x', acquiredAt: '' }),
    );
    const waited: string[] = [];
    const fresh = withBuildLock(lock, async () => 'fresh', {
      waitMs: 600,
      staleMs: 60_000,
      onWait: (h) => waited.push(h),
    });
    await expect(fresh).rejects.toMatchObject({ name: 'BuildLockTimeoutError' });
    expect(waited).toHaveLength(1);
    expect(waited[0]).toContain('elsewhere');

    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    await expect(withBuildLock(lock, async () => 'taken over', { staleMs: 60_000 })).resolves.toBe(
      'taken over',
    );
  });

  it('does not remove a lock that another process took over meanwhile', async () => {
    await withBuildLock(lock, async () => {
      // Someone judged us stale and replaced the lock: our release must leave theirs alone.
      await rm(lock, { recursive: true });
      await mkdir(lock);
      await writeFile(
        join(lock, 'owner.json'),
        JSON.stringify({ pid: 1, host: hostname(), token: 'theirs' }),
      );
    });
    expect(JSON.parse(await readFile(join(lock, 'owner.json'), 'utf8')).token).toBe('theirs');
  });
});

describe('toolchain check', () => {
  it('passes on this machine (gcc, make, tar, zlib present)', async () => {
    await expect(assertToolchain('library')).resolves.toBeUndefined();
  });

  it('names what is missing and the exact install command', async () => {
    const error = await assertToolchain('library', {
      ...process.env,
      CC: 'no-such-cc',
      PATH: '/nonexistent',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolchainMissingError);
    expect((error as ToolchainMissingError).missing).toEqual(['C compiler (no-such-cc)', 'make', 'tar']);
    expect((error as Error).message).toContain(TOOLCHAIN_INSTALL_HINT);
    expect(TOOLCHAIN_INSTALL_HINT).toBe('apt-get install -y build-essential zlib1g-dev');
  });

  it('detects missing zlib headers through a real compile', async () => {
    // An empty sysroot hides zlib.h (and libc) from gcc, as on a machine without zlib1g-dev.
    const sysroot = join(dir, 'sysroot');
    await mkdir(sysroot);
    const error = await assertToolchain('launcher', { ...process.env, CC: `gcc --sysroot=${sysroot}` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolchainMissingError);
    expect((error as ToolchainMissingError).missing).toEqual(['zlib headers and library (zlib.h, -lz)']);
  });
});

describe('cache location', () => {
  it('follows XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/x' })).toBe('/var/cache/x/banku');
    expect(defaultCacheDir({})).toMatch(/\/\.cache\/banku$/);
  });
});
