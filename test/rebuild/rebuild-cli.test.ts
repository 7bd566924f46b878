import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankEvent } from '../../lib/events/types.js';
import { bankEvents } from '../support/bank-events.js';
import { runNpmScript } from '../support/cli-process.js';
import { type LocalService, localService } from '../support/project-log.js';

/**
 * `npm run rebuild` against the real broker and Redis: requests are published, decided by the projector
 * (in process) whose facts go to the facts topic; the rebuild reads only those facts.
 */
describe('npm run rebuild', () => {
  const events = bankEvents(() => new Date().toISOString());
  // Another customer's withdrawal from the account: decided `forbidden` once, and rebuilt as such.
  const intrusion = bankEvents(() => new Date().toISOString(), { kind: 'customer', subject: 'intruder' });
  const account = randomUUID();
  const forbidden = intrusion.withdraw(account, 70);
  let service: LocalService;
  let between: Date;

  const publishAndProject = async (batch: BankEvent[]) => {
    await service.publishRequests(batch);
    await service.project();
  };
  const rebuild = (args: string[]) =>
    runNpmScript(
      'rebuild',
      { ...process.env, KAFKA_TOPIC_PREFIX: service.topicPrefix, REDIS_KEY_PREFIX: service.redisPrefix },
      args,
    );

  beforeAll(async () => {
    service = await localService('rebuild');
    await publishAndProject([events.open(account), events.deposit(account, 100)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await publishAndProject([events.deposit(account, 50), forbidden, events.withdraw(account, 30)]);
    expect(await service.store.getAccount('main', account)).toMatchObject({ balance: 120, version: 4 });
  });
  afterAll(async () => service?.stop());

  it('builds a point-in-time namespace with --until, says how to read it, and switches nothing', async () => {
    const cli = rebuild(['--until', between.toISOString(), '--namespace', 'as-of-between']);
    const exit = await cli.exited;
    expect(exit.code, cli.stderr.join('')).toBe(0);
    expect(cli.stdout.join('\n')).toContain('rebuilt 2 facts');
    expect(cli.stdout.join('\n')).toContain('PROJECTION_NAMESPACE=as-of-between');
    expect((await service.store.getAccount('as-of-between', account))?.balance).toBe(100);
    expect(await service.store.currentNamespace()).toBe('main');
  }, 60_000);

  it('rebuilds the whole log into a fresh namespace and switches readers to it', async () => {
    const cli = rebuild(['--namespace', 'full']);
    const exit = await cli.exited;
    expect(exit.code, cli.stderr.join('')).toBe(0);
    expect(cli.stdout.join('\n')).toContain('readers now use namespace full');
    expect(await service.store.currentNamespace()).toBe('full');
    expect(await service.store.getAccount('full', account)).toMatchObject({ balance: 120, version: 4 });
    expect(await service.store.listHistory('full', account, { limit: 10 })).toEqual(
      await service.store.listHistory('main', account, { limit: 10 }),
    );
    const refused = forbidden.data.transactionId;
    expect(await service.store.getTransaction('main', refused)).toMatchObject({
      status: 'rejected',
      reason: 'forbidden',
      initiator: 'intruder',
    });
    expect(await service.store.getTransaction('full', refused)).toEqual(
      await service.store.getTransaction('main', refused),
    );
  }, 60_000);
});
