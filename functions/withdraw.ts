import { commandHandler } from '../lib/commands/command-handler.js';
import { withdrawRoute } from '../lib/commands/command-routes.js';

export const handler = commandHandler(withdrawRoute);
