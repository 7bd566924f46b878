import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { FunctionInvocationError } from './errors.js';
import type { InvokeFunction } from './types.js';

/**
 * Where the Lambda Invoke API is served (serverless-offline's Lambda port).
 *
 * @example
 * const target: LambdaEndpoint = { endpoint: 'http://localhost:3002', region: 'us-east-1' };
 */
export interface LambdaEndpoint {
  endpoint: string;
  region: string;
}

/**
 * An {@link InvokeFunction} that calls a function through the Lambda Invoke API at `endpoint`
 * (synchronous `RequestResponse`, as an event source mapping does). A response with a
 * `FunctionError` (the handler threw, timed out, or the function does not exist) rejects with
 * {@link FunctionInvocationError}, so the runner retries the batch. The SDK itself never retries:
 * the runner's back-off governs.
 *
 * @example
 * const { invoke, close } = lambdaInvoker({ endpoint: 'http://localhost:3002', region: 'us-east-1' }, 'banku-dev-projectEvents');
 * await invoke(event);
 * close();
 */
export function lambdaInvoker(
  target: LambdaEndpoint,
  functionName: string,
): { invoke: InvokeFunction; close(): void } {
  const client = new LambdaClient({
    endpoint: target.endpoint,
    region: target.region,
    // serverless-offline does not check signatures; the SDK only needs something to sign with.
    credentials: { accessKeyId: 'offline-msk', secretAccessKey: 'offline-msk' },
    maxAttempts: 1,
  });
  const invoke: InvokeFunction = async (event) => {
    const response = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    const payload = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
    if (response.FunctionError)
      throw new FunctionInvocationError(functionName, response.FunctionError, payload);
    return payload;
  };
  return { invoke, close: () => client.destroy() };
}
