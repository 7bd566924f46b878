import { afterEach, describe, expect, it, vi } from 'vitest';
import { projectorMetrics, recordBatchMetrics } from '../../lib/projector/metrics.js';

describe('projector metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publishes one CloudWatch EMF document per batch with the counts and the lag', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    recordBatchMetrics(
      { records: 7, applied: 4, rejected: 1, duplicates: 1, deadLettered: 1 },
      Date.now() - 250,
    );
    projectorMetrics.publishStoredMetrics();

    const documents = written.flatMap((text) => text.split('\n')).filter((line) => line.includes('_aws'));
    expect(documents).toHaveLength(1);
    const emf = JSON.parse(documents[0] ?? '{}');
    expect(emf).toMatchObject({ records: 7, applied: 4, rejected: 1, duplicates: 1, deadLettered: 1 });
    expect(emf.lag).toBeGreaterThanOrEqual(250);
    const names = emf._aws.CloudWatchMetrics[0].Metrics.map((metric: { Name: string }) => metric.Name);
    expect(names).toEqual(
      expect.arrayContaining(['records', 'applied', 'rejected', 'duplicates', 'deadLettered', 'lag']),
    );
  });
});
