import { tokenAuthorizer } from '../lib/auth/authorizer.js';
import { authConfig } from '../lib/auth/config.js';
import { tokenVerifier } from '../lib/auth/verify-token.js';

export const handler = tokenAuthorizer(() => tokenVerifier(authConfig()));
