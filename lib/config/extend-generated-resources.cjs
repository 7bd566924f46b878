// A serverless plugin: merges `custom.generatedResourceProperties.<CloudFormation type>` into the
// Properties of the resources of that type that serverless generates. Serverless names the API
// deployment after the time of packaging and the MSK mapping after the cluster and the topic (both per
// stage), so `resources.extensions`, which needs the logical id, cannot reach them. Runs at package
// time only; nothing here ships to Lambda.
'use strict';

class ExtendGeneratedResources {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileEvents': () => this.extend() };
  }

  extend() {
    const byType = this.serverless.service.custom?.generatedResourceProperties ?? {};
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    for (const [type, properties] of Object.entries(byType)) {
      const targets = Object.values(resources).filter((resource) => resource.Type === type);
      if (targets.length === 0) {
        throw new Error(`custom.generatedResourceProperties: serverless generated no ${type} to extend`);
      }
      for (const resource of targets) Object.assign((resource.Properties ??= {}), properties);
    }
  }
}

module.exports = ExtendGeneratedResources;
