import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeTopicsScript } from '../localstack/kafka/compose-topics.js';

const read = (path: string) => readFile(new URL(`../${path}`, import.meta.url), 'utf8');

interface ComposeFile {
  services: Record<string, { image?: string; command?: string[] }>;
}

describe('docker-compose parity with the local Apache Kafka', () => {
  it('creates the catalogue’s topics with its partitions and configs', async () => {
    const compose = parse(await read('localstack/docker-compose.yml')) as ComposeFile;
    const script = compose.services['kafka-topics']?.command?.[0]?.trim();

    expect(script, `paste this into the kafka-topics service's command:\n${composeTopicsScript()}`).toBe(
      composeTopicsScript(),
    );
  });

  it('runs the Kafka version that npm run stack -- --broker apache fetches', async () => {
    const compose = parse(await read('localstack/docker-compose.yml')) as ComposeFile;
    const version = /<kafka\.version>([^<]+)</.exec(await read('localstack/kafka/apache/pom.xml'))?.[1];

    expect(version).toMatch(/^4\./);
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${version}`);
    expect(compose.services['kafka-topics']?.image).toBe(`apache/kafka:${version}`);
  });
});
