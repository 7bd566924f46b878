'use strict';

// The entry `plugins:` names in serverless.yml. osls loads service plugins with require(), and the
// plugin is TypeScript, so this file compiles it on the fly with tsx (a dev dependency). A published
// package would ship the compiled JavaScript instead.
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./plugin.ts', __filename).OfflineMskPlugin;
