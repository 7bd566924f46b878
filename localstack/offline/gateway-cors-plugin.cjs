'use strict';

/**
 * Local only: makes serverless-offline's gateway grant browsers no more than Banku's REST API does on
 * AWS, where no CORS is configured.
 *
 * Without a CORS policy, serverless-offline answers every request that carries an `Origin` with that
 * origin echoed back and `access-control-allow-credentials: true`, so any web page could call the local
 * API with the developer's cookies. Its only switch is `provider.httpApi.cors`; this sets it, and the
 * origin of the preflights, while `serverless offline` runs and nowhere else (a package or deploy
 * never sees it): credentials are never allowed, and a preflight succeeds only for the local API's own
 * origin. A page on another origin thus
 * cannot send the `x-api-key` header at all. (Answers still echo any `Origin` in
 * `access-control-allow-origin`, which serverless-offline always does; without credentials or a
 * passed preflight, a foreign page can read nothing that needs the key.)
 */
class GatewayCorsPlugin {
  constructor(serverless) {
    this.hooks = {
      'before:offline:start:init': () => {
        const { service } = serverless;
        service.custom ??= {};
        const offline = (service.custom['serverless-offline'] ??= {});
        const ownOrigin = `http://${offline.host ?? 'localhost'}:${offline.httpPort ?? 3000}`;
        // Read for the preflights of the routes and of its catch-all 404 route.
        offline.corsAllowOrigin = ownOrigin;
        offline.corsDisallowCredentials = true;
        // Read for the headers it adds to every answer.
        service.provider.httpApi = {
          ...service.provider.httpApi,
          cors: { allowedOrigins: [ownOrigin], allowCredentials: false },
        };
      },
    };
  }
}

module.exports = GatewayCorsPlugin;
