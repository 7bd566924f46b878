import { projectorHandler } from '../lib/projector/lambda.js';

export const handler = projectorHandler;
