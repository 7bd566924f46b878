// Loaded by the bench into serverless-offline's process (`node --import`), never into Banku: times every
// request that carries the `x-bench-request` header at the boundaries it crosses in that one process, so
// the bench can say where a command's time goes. With serverless-offline in-process, the functions run
// in this process too; in worker-thread mode only the arrival and the answer are seen.
//
//   arrived    Node parsed the request (diagnostics channel `http.server.request.start`)
//   invoked    serverless-offline's Lambda runner starts the invocation: it loads the handler, which
//              resets `globalThis.awslambda` every time
//   admitting  the handler's first call to the Upstash endpoint starts (`undici:request:create`)
//   admitted   that call's response headers arrived (`undici:request:headers`)
//   handled    the handler logged `request handled` (the last thing it does, after the publish)
//   answered   the response was handed to the socket (`http.server.response.finish`)
//
// The request's timeline rides in an AsyncLocalStorage from its arrival, through hapi and the handler.
// `kill -USR2 <pid>` prints every timeline so far as one line, `BENCH_SPLIT [...]`, and forgets them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

const HEADER = 'x-bench-request';
const upstashOrigin = process.env.UPSTASH_REDIS_REST_URL
  ? new URL(process.env.UPSTASH_REDIS_REST_URL).origin
  : undefined;
const current = new AsyncLocalStorage();
const byRequest = new WeakMap();
const byFetch = new WeakMap();
let timelines = [];

subscribe('http.server.request.start', ({ request }) => {
  const id = request.headers[HEADER];
  const timeline = typeof id === 'string' ? { id, arrived: performance.now() } : undefined;
  if (timeline) {
    timelines.push(timeline);
    byRequest.set(request, timeline);
  }
  // The rest of this request's handling, and everything it starts, runs with its timeline (or none).
  current.enterWith(timeline);
});

subscribe('http.server.response.finish', ({ request }) => {
  const timeline = byRequest.get(request);
  if (timeline) timeline.answered = performance.now();
});

let awslambda = globalThis.awslambda;
Object.defineProperty(globalThis, 'awslambda', {
  configurable: true,
  enumerable: true,
  get: () => awslambda,
  set: (value) => {
    const timeline = current.getStore();
    if (timeline && timeline.invoked === undefined) timeline.invoked = performance.now();
    awslambda = value;
  },
});

subscribe('undici:request:create', ({ request }) => {
  const timeline = current.getStore();
  if (!timeline || timeline.admitting !== undefined || String(request.origin) !== upstashOrigin) return;
  timeline.admitting = performance.now();
  byFetch.set(request, timeline);
});

subscribe('undici:request:headers', ({ request }) => {
  const timeline = byFetch.get(request);
  if (timeline && timeline.admitted === undefined) timeline.admitted = performance.now();
});

const write = process.stdout.write;
process.stdout.write = function (chunk, ...rest) {
  const timeline = current.getStore();
  if (timeline && timeline.handled === undefined && String(chunk).includes('"request handled"')) {
    timeline.handled = performance.now();
  }
  return write.call(this, chunk, ...rest);
};

process.on('SIGUSR2', () => {
  process.stderr.write(`BENCH_SPLIT ${JSON.stringify(timelines)}\n`);
  timelines = [];
});
