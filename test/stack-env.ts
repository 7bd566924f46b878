import { inject } from 'vitest';

// Runs in every test worker before its tests: the stack the global setup started is the one they use.
Object.assign(process.env, inject('stackEnv'));
