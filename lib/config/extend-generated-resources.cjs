// A serverless plugin: merges `custom.generatedResourceProperties.<CloudFormation type>` into the
// Properties of the resources of that type that serverless generates, and drops the DependsOn entries
// serverless adds where a Ref or GetAtt in the Properties already orders the two (cfn-lint W3005; it
// adds one to every method behind an authorizer). Serverless names the API
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
    for (const resource of Object.values(resources)) {
      if (!Array.isArray(resource.DependsOn)) continue;
      const referenced = JSON.stringify(resource.Properties ?? {});
      resource.DependsOn = resource.DependsOn.filter(
        (name) =>
          !referenced.includes(`{"Ref":"${name}"}`) && !referenced.includes(`"Fn::GetAtt":["${name}"`),
      );
      if (resource.DependsOn.length === 0) delete resource.DependsOn;
    }
  }
}

module.exports = ExtendGeneratedResources;
