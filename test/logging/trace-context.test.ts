import { describe, expect, it } from 'vitest';
import {
  childTraceparent,
  parseTraceparent,
  recordTraceparent,
  requestLogKeys,
  requestTraceparent,
  traceparentFromXRay,
} from '../../lib/logging/trace-context.js';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

describe('trace context', () => {
  it('reads X-Ray’s trace header as W3C: the same trace id without 1- and dashes', () => {
    expect(traceparentFromXRay(XRAY)).toBe('00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01');
    expect(
      traceparentFromXRay('Sampled=0;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793'),
    ).toBe('00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00');
    expect(traceparentFromXRay('Root=1-5759e988-bd862e3fe1be46a994272793')).toBeUndefined();
    expect(traceparentFromXRay(undefined)).toBeUndefined();
  });

  it('continues the caller’s valid traceparent, else the request’s X-Ray trace', () => {
    expect(requestTraceparent(CALLER, XRAY)).toBe(CALLER);
    expect(requestTraceparent('00-not-a-trace-01', XRAY)).toBe(traceparentFromXRay(XRAY));
    expect(requestTraceparent(undefined, undefined)).toBeUndefined();
  });

  it('gives what a record causes the same trace, a span of its own, the same one on every replay', () => {
    const child = childTraceparent(CALLER, 'event-1');
    expect(parseTraceparent(child)).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      flags: '01',
    });
    expect(parseTraceparent(child)?.parentId).not.toBe('00f067aa0ba902b7');
    expect(childTraceparent(CALLER, 'event-1')).toBe(child);
    expect(childTraceparent(CALLER, 'event-2')).not.toBe(child);
    expect(childTraceparent(undefined, 'event-1')).toBeUndefined();
  });

  it('reads the traceparent of a record as the event source mapping delivers it', () => {
    const header = (name: string, value: string) => ({ [name]: [...Buffer.from(value)] });
    expect(recordTraceparent([header('event-type', 'DepositRequested'), header('traceparent', CALLER)])).toBe(
      CALLER,
    );
    expect(recordTraceparent([header('traceparent', 'garbage')])).toBeUndefined();
    expect(recordTraceparent([])).toBeUndefined();
  });

  it('tags log lines with the trace id and the correlation id, leaving out what is unknown', () => {
    expect(requestLogKeys(CALLER, 'corr-1')).toEqual({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      correlation_id: 'corr-1',
    });
    expect(requestLogKeys(undefined, 'corr-1')).toEqual({ correlation_id: 'corr-1' });
  });
});
