'use strict';

// A serverless plugin that keeps the local token issuer local: `serverless package` (and so `deploy`)
// fails unless the authorizer's issuer, and its JWKS URL when one is named, are https URLs of a host
// other than this machine. `serverless offline` never packages, so it runs with the local issuer.

const { URL } = require('node:url');

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|\[::\])$/i;

function problem(name, value) {
  if (!value) return `${name} is not set`;
  let url;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not an absolute URL: "${value}"`;
  }
  if (url.protocol !== 'https:') return `${name} must be an https URL, got "${value}"`;
  if (LOOPBACK.test(url.hostname))
    return `${name} names this machine ("${value}"): the local issuer is for offline use only`;
  return undefined;
}

class DeployGuard {
  constructor(serverless) {
    this.hooks = {
      'before:package:initialize': () => {
        const environment = serverless.service.getFunction('authorizer').environment ?? {};
        const problems = [problem('AUTH_ISSUER', environment.AUTH_ISSUER)];
        if (environment.AUTH_JWKS_URL) problems.push(problem('AUTH_JWKS_URL', environment.AUTH_JWKS_URL));
        const found = problems.filter(Boolean);
        if (found.length > 0) {
          throw new serverless.classes.Error(
            `The stage "${serverless.service.provider.stage}" must name a real token issuer: ${found.join('; ')}. ` +
              'Set the authIssuer and authAudience parameters (a Cognito user pool: ' +
              'https://cognito-idp.<region>.amazonaws.com/<poolId> and its app client id).',
          );
        }
      },
    };
  }
}

module.exports = DeployGuard;
