import { commandHandler } from '../lib/commands/command-handler.js';
import { depositRoute } from '../lib/commands/command-routes.js';

export const handler = commandHandler(depositRoute);
