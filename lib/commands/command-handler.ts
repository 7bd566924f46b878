import type { z } from 'zod';
import { keyPrefix } from '../config/env.js';
import { topicName } from '../config/topics.js';
import { httpHandler } from '../http/handler.js';
import { DEFAULT_PUBLISH_TIMEOUT_MS, publish } from '../kafka/producer.js';
import { queryContext } from '../queries/query-context.js';
import { redisClient } from '../redis/client.js';
import { ABANDON_BUDGET_MS, CommandAdmissions } from './admission.js';
import type { CommandRoute } from './command-routes.js';
import { type CommandDependencies, handleCommand } from './handle-command.js';

let admissions: Promise<CommandAdmissions> | undefined;

/** The real dependencies of a command Lambda: Upstash for admissions, the container's Kafka producer. */
export const lambdaCommandDependencies: CommandDependencies = {
  admissions: () => {
    admissions ??= redisClient().then((redis) => new CommandAdmissions(redis, keyPrefix()));
    admissions.catch(() => {
      admissions = undefined;
    });
    return admissions;
  },
  accountOwner: async (accountId) => {
    const { store, namespace } = await queryContext();
    return (await store.accountOwnership(namespace, accountId))?.owner;
  },
  publish: async (message) => {
    await publish([message]);
  },
  publishTimeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS,
  abandonTimeoutMs: ABANDON_BUDGET_MS,
  get topic() {
    return topicName('commands');
  },
};

/**
 * The Lambda handler of a command route.
 *
 * @example
 * ```ts
 * // functions/deposit.ts
 * export const handler = commandHandler(depositRoute);
 * ```
 */
export function commandHandler<Schema extends z.ZodType>(
  route: CommandRoute<Schema>,
  dependencies: CommandDependencies = lambdaCommandDependencies,
) {
  return httpHandler(route.name, (event, context) => handleCommand(route, event, dependencies, context));
}
