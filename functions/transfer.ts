import { commandHandler } from '../lib/commands/command-handler.js';
import { transferRoute } from '../lib/commands/command-routes.js';

export const handler = commandHandler(transferRoute);
