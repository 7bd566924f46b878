import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A parameter the fake SSM holds: a String, or a StringList given as its items. */
export type FakeParameter = string | readonly string[];

/** A running fake SSM endpoint. */
export interface FakeSsm {
  /** For `AWS_ENDPOINT_URL_SSM`: the framework's SSM client then asks this endpoint. */
  readonly url: string;
  /** Every parameter name asked for, in order. */
  readonly asked: string[];
  close(): Promise<void>;
}

/**
 * The one SSM call packaging makes, `GetParameter`, answered from a map, over the AWS JSON 1.1
 * protocol the AWS SDK speaks. Hand-written because no maintained SSM emulator runs without Docker; it
 * lets a test package a deployable stage exactly as an operator would (through the `ssm:` variable
 * source), with fake values and no AWS account.
 *
 * @example
 * ```ts
 * const ssm = await startFakeSsm({ '/banku/prod/msk-cluster-arn': 'arn:aws:kafka:…' });
 * // run `serverless package` with AWS_ENDPOINT_URL_SSM=ssm.url
 * await ssm.close();
 * ```
 */
export async function startFakeSsm(parameters: Readonly<Record<string, FakeParameter>>): Promise<FakeSsm> {
  const asked: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (request.headers['x-amz-target'] !== 'AmazonSSM.GetParameter') {
        reply(400, { __type: 'InvalidAction', message: `not faked: ${request.headers['x-amz-target']}` });
        return;
      }
      const { Name: name } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Name: string };
      asked.push(name);
      const value = parameters[name];
      if (value === undefined) {
        reply(400, { __type: 'ParameterNotFound', message: `Parameter ${name} not found.` });
        return;
      }
      const list = typeof value !== 'string';
      reply(200, {
        Parameter: {
          Name: name,
          Type: list ? 'StringList' : 'String',
          Value: list ? value.join(',') : value,
          Version: 1,
          ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
