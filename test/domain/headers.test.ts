import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE_JSON, isTraceparent, KAFKA_HEADERS, kafkaHeaders } from '../../lib/events/headers.js';
import { depositRequest, id } from './fixtures.js';

const event = depositRequest(id('alice'), 100);
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('kafkaHeaders', () => {
  it('names the type, content type and schema version', () => {
    expect(kafkaHeaders(event)).toEqual({
      'event-type': 'DepositRequested',
      'content-type': 'application/json',
      'schema-version': '1',
    });
    expect(KAFKA_HEADERS).toEqual({
      eventType: 'event-type',
      contentType: 'content-type',
      schemaVersion: 'schema-version',
      traceparent: 'traceparent',
    });
    expect(CONTENT_TYPE_JSON).toBe('application/json');
  });

  it('adds a valid traceparent', () => {
    expect(kafkaHeaders(event, { traceparent })).toMatchObject({ traceparent });
  });

  it.each([
    ['an empty one', ''],
    ['null', null],
    ['an upper-case one', traceparent.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['an X-Ray trace header', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'],
  ])('drops %s', (_label, value) => {
    expect(kafkaHeaders(event, { traceparent: value })).not.toHaveProperty('traceparent');
  });

  it('isTraceparent accepts the W3C example', () => {
    expect(isTraceparent(traceparent)).toBe(true);
  });
});
