import { LOCAL_GROUP_INITIAL_REBALANCE_DELAY_MS } from '../client-settings.js';

/**
 * Where one local Apache Kafka node listens and keeps its log.
 *
 * @example
 * const layout: NodeLayout = { port: 9092, controllerPort: 9093, logDir: '/tmp/kafka/log' };
 */
export interface NodeLayout {
  readonly port: number;
  readonly controllerPort: number;
  readonly logDir: string;
}

/**
 * `server.properties` of a single node that is broker and KRaft controller at once, on 127.0.0.1,
 * set up like the apache/kafka image's single-node example and `localstack/docker-compose.yml`:
 * replication factor 1 and few partitions for the internal topics, no topic auto-creation (Banku creates its topics
 * from the catalogue, as on MSK), and the same short initial rebalance delay as the mock.
 *
 * @example
 * await writeFile(path, serverProperties({ port, controllerPort, logDir }));
 */
export function serverProperties(layout: NodeLayout): string {
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `127.0.0.1:${layout.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${layout.port},CONTROLLER://127.0.0.1:${layout.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${layout.port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': layout.logDir,
    'offsets.topic.replication.factor': 1,
    // Kafka's default of 50 partitions makes the first consumer group, and every restart after a
    // crash (each partition is recovered), cost seconds of CPU; clients cannot tell the difference.
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': LOCAL_GROUP_INITIAL_REBALANCE_DELAY_MS,
    'auto.create.topics.enable': 'false',
  };
  return `${Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n')}\n`;
}
