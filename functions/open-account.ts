import { commandHandler } from '../lib/commands/command-handler.js';
import { openAccountRoute } from '../lib/commands/command-routes.js';

export const handler = commandHandler(openAccountRoute);
