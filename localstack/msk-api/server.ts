import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The bootstrap strings a cluster reports, named as the MSK REST API names them in
 * `GetBootstrapBrokers` responses (see `GetBootstrapBrokersResponse$` in `@aws-sdk/client-kafka`).
 *
 * @example
 * ```ts
 * api.putCluster(arn, { bootstrapBrokerStringSaslIam: 'b-1.local:9098' } satisfies MskApiCluster);
 * ```
 */
export interface MskApiCluster {
  bootstrapBrokerString?: string;
  bootstrapBrokerStringTls?: string;
  bootstrapBrokerStringSaslScram?: string;
  bootstrapBrokerStringSaslIam?: string;
}

/**
 * An error the endpoint answers with, shaped like an AWS REST-JSON error.
 *
 * @example
 * ```ts
 * api.failNext(arn, { status: 503, errorType: 'ServiceUnavailableException' } satisfies MskApiFault);
 * ```
 */
export interface MskApiFault {
  /** HTTP status, e.g. 404, 403, 503. */
  status: number;
  /** AWS error name sent as `x-amzn-ErrorType`, e.g. `NotFoundException`. */
  errorType: string;
  message?: string;
}

/**
 * One request the endpoint received.
 *
 * @example
 * ```ts
 * const last: MskApiRequest | undefined = api.requests.at(-1);
 * ```
 */
export interface MskApiRequest {
  readonly method: string;
  /** The path as sent, still percent-encoded. */
  readonly rawPath: string;
  /** The decoded `{clusterArn}` path label, when the route matched. */
  readonly clusterArn: string | undefined;
  /** Whether the request carried a SigV4 `authorization` header (the value is not kept). */
  readonly signed: boolean;
}

/**
 * Options for {@link startMskApi}.
 *
 * @example
 * ```ts
 * const options: MskApiOptions = { port: 4567, clusters: { [arn]: { bootstrapBrokerStringSaslIam: 'b-1:9098' } } };
 * ```
 */
export interface MskApiOptions {
  /** Clusters known from the start, by ARN. Others answer 404 `NotFoundException`. */
  clusters?: Record<string, MskApiCluster>;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

/**
 * A running stand-in for the MSK control-plane API.
 *
 * @example
 * ```ts
 * const api: MskApiEndpoint = await startMskApi();
 * process.env.AWS_ENDPOINT_URL_KAFKA = api.url;
 * ```
 */
export interface MskApiEndpoint {
  /** Base URL to pass as the SDK's `endpoint` (or `AWS_ENDPOINT_URL_KAFKA`). */
  readonly url: string;
  /** Every request received, oldest first. */
  readonly requests: readonly MskApiRequest[];
  /** How many `GetBootstrapBrokers` calls named this cluster (all clusters when omitted). */
  calls(clusterArn?: string): number;
  /** Adds or replaces a cluster. */
  putCluster(clusterArn: string, cluster: MskApiCluster): void;
  /** Answers the next `times` calls for this cluster with `fault` instead. */
  failNext(clusterArn: string, fault: MskApiFault, times?: number): void;
  /** Closes the server and its open connections. */
  stop(): Promise<void>;
}

const ROUTE = /^\/v1\/clusters\/([^/]+)\/bootstrap-brokers$/;

/**
 * Starts a local HTTP server that answers `GET /v1/clusters/{clusterArn}/bootstrap-brokers` the way the
 * MSK API does, so bootstrap-broker resolution runs through the real AWS SDK (signing, URL encoding,
 * deserialisation, error mapping) without AWS. Hand-written because no maintained MSK emulator exists
 * that runs without Docker. Credentials are not checked.
 *
 * @example
 * ```ts
 * const api = await startMskApi({ clusters: { [arn]: { bootstrapBrokerStringSaslIam: 'b-1:9098' } } });
 * const client = new KafkaClient({ endpoint: api.url, region: 'eu-west-1',
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 * await api.stop();
 * ```
 */
export async function startMskApi(options: MskApiOptions = {}): Promise<MskApiEndpoint> {
  const clusters = new Map<string, MskApiCluster>(Object.entries(options.clusters ?? {}));
  const faults = new Map<string, { fault: MskApiFault; remaining: number }>();
  const requests: MskApiRequest[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void => {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': `local-${requests.length}`,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(payload);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const match = ROUTE.exec(rawPath);
    let clusterArn: string | undefined;
    try {
      clusterArn = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
    } catch {
      clusterArn = undefined;
    }
    requests.push({
      method: req.method ?? '',
      rawPath,
      clusterArn,
      signed: req.headers.authorization !== undefined,
    });
    req.resume();

    if (req.method !== 'GET' || clusterArn === undefined) {
      send(res, 404, { message: `No route for ${req.method} ${rawPath}` }, 'UnknownOperationException');
      return;
    }
    const pending = faults.get(clusterArn);
    if (pending && pending.remaining > 0) {
      pending.remaining -= 1;
      if (pending.remaining === 0) faults.delete(clusterArn);
      const { status, errorType, message = errorType } = pending.fault;
      send(res, status, { message }, errorType);
      return;
    }
    const cluster = clusters.get(clusterArn);
    if (!cluster) {
      send(
        res,
        404,
        { message: `Cluster ${clusterArn} does not exist.`, invalidParameter: 'clusterArn' },
        'NotFoundException',
      );
      return;
    }
    send(res, 200, cluster);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    requests,
    calls: (clusterArn) =>
      requests.filter(
        (r) => r.clusterArn !== undefined && (clusterArn === undefined || r.clusterArn === clusterArn),
      ).length,
    putCluster: (clusterArn, cluster) => {
      clusters.set(clusterArn, cluster);
    },
    failNext: (clusterArn, fault, times = 1) => {
      faults.set(clusterArn, { fault, remaining: times });
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
