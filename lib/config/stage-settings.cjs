// serverless.yml reads a stage's settings here (`${file(./lib/config/stage-settings.cjs)}`), so that the
// names, the topic catalogue and the parameter list stay in TypeScript (stages.ts, topics.ts) and are
// spelled once. Runs at package time only, in the serverless process; nothing here ships to Lambda.
'use strict';

const { require: requireTypeScript } = require('tsx/cjs/api');

module.exports = async ({ options, resolveVariable }) => {
  const { stageSettings } = requireTypeScript('./stages.ts', __filename);
  const stage = await resolveVariable('sls:stage');
  const given = new Map(
    [options.param ?? []].flat().map((item) => {
      const at = item.indexOf('=');
      return [item.slice(0, at), item.slice(at + 1).trim()];
    }),
  );
  try {
    return await stageSettings(stage, {
      param: (name) => given.get(name),
      // `, null`: a parameter that does not exist is reported by stageSettings, with the others missing.
      ssm: (path) => resolveVariable(`ssm:${path}, null`),
      region: await resolveVariable('self:provider.region'),
    });
  } catch (error) {
    // serverless prints the stack of an error thrown here; the message alone says what to do.
    if (error instanceof Error && error.name !== 'Error' && !('code' in error)) error.stack = error.message;
    throw error;
  }
};
