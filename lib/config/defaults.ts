/** Prefix of every Redis key Banku writes, so one Redis can hold several deployments or test runs. */
export const DEFAULT_KEY_PREFIX = 'banku';
