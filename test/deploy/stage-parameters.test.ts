import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { STAGE_PARAMETERS, ssmParameterPath } from '../../lib/config/stages.js';
import { type FakeSsm, startFakeSsm } from './fake-ssm.js';
import { packageStage } from './package-stage.js';

describe('serverless package of a deployable stage whose SSM parameters are incomplete', () => {
  let ssm: FakeSsm;
  beforeAll(async () => {
    ssm = await startFakeSsm({
      [ssmParameterPath('qa', 'msk-cluster-arn')]:
        'arn:aws:kafka:us-east-1:123456789012:cluster/banku-qa/0b1c-1',
      [ssmParameterPath('qa', 'upstash-redis-rest-url')]: 'https://qa.upstash.io',
    });
  });
  afterAll(() => ssm?.close());

  it('fails before building anything, naming each missing parameter and how to give it', async () => {
    const packaged = await packageStage('qa', { ssmUrl: ssm.url });
    try {
      expect(packaged.exitCode).not.toBe(0);
      expect(packaged.template).toBeUndefined();
      for (const name of ['subnetIds', 'securityGroupIds', 'alarmTopicArn'] as const) {
        expect(packaged.output).toContain(ssmParameterPath('qa', STAGE_PARAMETERS[name].ssmName));
        expect(packaged.output).toContain(`--param="${name}=…"`);
      }
      expect(packaged.output).not.toContain('/banku/qa/msk-cluster-arn (');
    } finally {
      packaged.remove();
    }
  }, 120_000);
});

describe('serverless.yml', () => {
  it('reads the shell (${env:…}) only in what runs locally: serverless-offline and its MSK plugin', () => {
    const document = parseDocument(
      readFileSync(fileURLToPath(new URL('../../serverless.yml', import.meta.url)), 'utf8'),
    );
    const readers: string[] = [];
    const visit = (node: unknown, path: string[]) => {
      if (isMap(node)) for (const pair of node.items) visit(pair.value, [...path, String(pair.key)]);
      else if (isSeq(node)) node.items.forEach((item, index) => visit(item, [...path, String(index)]));
      else if (isScalar(node) && String(node.value).includes('${env:')) readers.push(path.join('.'));
    };
    visit(document.contents, []);
    expect(readers.length).toBeGreaterThan(0);
    for (const path of readers) expect(path).toMatch(/^custom\.serverless-offline(-msk)?\./);
  });
});
