import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MskEvent } from '../../localstack/offline-msk/types.js';
import {
  committedOffsets,
  decodeValue,
  recordsOf,
  type TestBroker,
  uniqueName,
  useBroker,
} from './helpers.js';

const FIXTURE_DIR = fileURLToPath(new URL('./fixture', import.meta.url));
const SERVERLESS_BIN = fileURLToPath(new URL('../../node_modules/osls/bin/serverless.js', import.meta.url));

let broker: TestBroker;
let producer: Producer;
let admin: Admin;
let child: ChildProcess | undefined;
let outDir: string;

beforeAll(async () => {
  broker = await useBroker();
  producer = broker.kafka.producer({ allowAutoTopicCreation: false });
  admin = broker.kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  outDir = mkdtempSync(join(tmpdir(), 'offline-msk-fixture-'));
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  await broker?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Lines the process printed so far, and a way to wait for one. */
function watchOutput(process: ChildProcess): {
  lines: string[];
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
} {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (globalThis.process.env.OFFLINE_MSK_TEST_LOG) console.error(line);
        for (const w of waiters.filter((w) => w.pattern.test(line))) w.resolve();
      }
    });
  }
  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    lines.some((l) => pattern.test(l))
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)),
            timeoutMs,
          );
          waiters.push({
            pattern,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
  return { lines, waitFor };
}

interface Invocation {
  functionName: string;
  event: MskEvent;
}

function invocations(): Invocation[] {
  const file = join(outDir, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Invocation);
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`condition not met; invocations: ${JSON.stringify(invocations())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serverless offline start with the offline-msk plugin', () => {
  it('drives msk and kafka events through the Lambda endpoint, retries failures, stops cleanly', async () => {
    const topic = uniqueName('omsk-plugin');
    const group = uniqueName('g-plugin');
    await broker.createTopic(topic, 2);
    await producer.send({
      topic,
      messages: [
        { partition: 0, key: 'k0', value: JSON.stringify({ kind: 'keep' }) },
        { partition: 0, value: 'boom' },
        { partition: 1, value: JSON.stringify({ kind: 'drop' }) },
      ],
    });
    const [httpPort, lambdaPort, websocketPort] = await Promise.all([freePort(), freePort(), freePort()]);
    child = spawn(process.execPath, [SERVERLESS_BIN, 'offline', 'start'], {
      cwd: FIXTURE_DIR,
      env: {
        ...process.env,
        KAFKA_BROKERS: broker.brokers.join(','),
        FIXTURE_OUT_DIR: outDir,
        FIXTURE_HTTP_PORT: String(httpPort),
        FIXTURE_LAMBDA_PORT: String(lambdaPort),
        FIXTURE_WEBSOCKET_PORT: String(websocketPort),
        FIXTURE_TOPIC: topic,
        FIXTURE_GROUP: group,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        AWS_ACCESS_KEY_ID: 'offline',
        AWS_SECRET_ACCESS_KEY: 'offline',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = watchOutput(child);

    await output.waitFor(/offline-msk: ready: 2 mapping\(s\) joined their consumer groups/, 30_000);
    expect(output.lines).toContainEqual(
      expect.stringContaining(
        `offline-msk: offline-msk-fixture-test-consume consuming ${topic} (group ${group})`,
      ),
    );
    expect(
      output.lines.some((l) =>
        /offline-msk-fixture-test-selfManaged consuming .* \(group [0-9a-f-]{36}\)/.test(l),
      ),
    ).toBe(true);
    const ready = JSON.parse(readFileSync(join(outDir, 'ready.json'), 'utf8'));
    expect(ready.mappings).toHaveLength(2);

    // consume: partition 0 fails once ("boom") and is retried whole; partition 1 goes through.
    const of = (name: string) =>
      invocations().filter((i) => i.functionName === `offline-msk-fixture-test-${name}`);
    await until(() => of('consume').length >= 3 && of('selfManaged').length >= 1, 15_000);
    const consume = of('consume');
    const partition0 = consume.filter((i) => `${topic}-0` in i.event.records);
    expect(partition0.map((i) => recordsOf(i.event).map(decodeValue))).toEqual([
      ['{"kind":"keep"}', 'boom'],
      ['{"kind":"keep"}', 'boom'],
    ]);
    expect(
      consume.find((i) => `${topic}-1` in i.event.records)?.event.records[`${topic}-1`]?.map(decodeValue),
    ).toEqual(['{"kind":"drop"}']);
    const mskEvent = partition0[0]?.event;
    expect(mskEvent?.eventSource).toBe('aws:kafka');
    expect(mskEvent?.eventSourceArn).toBe(
      'arn:aws:kafka:eu-west-1:123456789012:cluster/fixture/11111111-2222-3333-4444-555555555555-1',
    );
    expect(mskEvent?.bootstrapServers).toBe(broker.brokers.join(','));
    expect(recordsOf(mskEvent as MskEvent)[0]?.key).toBe(Buffer.from('k0').toString('base64'));

    // selfManaged: its filter lets only {"kind":"keep"} through.
    const selfManaged = of('selfManaged');
    expect(selfManaged.map((i) => recordsOf(i.event).map(decodeValue))).toEqual([['{"kind":"keep"}']]);
    expect(Object.keys(selfManaged[0]?.event ?? {})).toEqual(['eventSource', 'bootstrapServers', 'records']);
    expect(selfManaged[0]?.event.eventSource).toBe('SelfManagedKafka');
    expect(selfManaged[0]?.event.bootstrapServers).toBe('kafka-1.example.com:9092');

    await expect
      .poll(() => committedOffsets(admin, group, topic), { timeout: 5_000 })
      .toEqual({ 0: 2, 1: 1 });

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.lines).toContainEqual(expect.stringContaining('offline-msk: stopped'));
    expect(existsSync(join(outDir, 'ready.json'))).toBe(false);
  }, 60_000);
});
