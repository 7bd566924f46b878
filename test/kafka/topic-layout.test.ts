import { describe, expect, it } from 'vitest';
import { TOPIC_ROLES, TOPICS } from '../../lib/config/topics.js';
import { TopicLayoutError } from '../../lib/kafka/errors.js';
import { desiredTopics, REPLICATED_LAYOUT, topicDrift } from '../../lib/kafka/topic-layout.js';

const layout = { partitions: 6, ...REPLICATED_LAYOUT };

describe('the topics a deployment needs', () => {
  it('are every catalogue topic under the prefix, with one partition count, RF 3 and min.insync.replicas 2', () => {
    const topics = desiredTopics('banku-prod', layout);
    expect(topics.map((topic) => topic.role)).toEqual(TOPIC_ROLES);
    for (const topic of topics) {
      expect(topic.name).toBe(`banku-prod.${TOPICS[topic.role].suffix}`);
      expect(topic).toMatchObject({ partitions: 6, replicationFactor: 3 });
      expect(topic.configs).toEqual({ ...TOPICS[topic.role].configs, 'min.insync.replicas': '2' });
      expect(topic.configs['cleanup.policy']).toBe('delete');
    }
    const facts = topics.find((topic) => topic.role === 'facts');
    expect(facts?.configs['retention.ms']).toBe('-1');
  });

  it('refuses a layout that cannot work, naming the setting', () => {
    expect(() => desiredTopics('banku', { ...layout, partitions: 0 })).toThrow(/^partitions: /);
    expect(() => desiredTopics('banku', { ...layout, replicationFactor: 1.5 })).toThrow(TopicLayoutError);
    expect(() =>
      desiredTopics('banku', { partitions: 3, replicationFactor: 1, minInsyncReplicas: 2 }),
    ).toThrow(/minInsyncReplicas: 2 exceeds the replication factor 1/);
  });
});

describe('drift of an existing topic', () => {
  const [commands] = desiredTopics('banku-prod', layout);
  if (!commands) throw new Error('the catalogue has no topics');
  const matching = { partitions: 6, replicaCounts: [3, 3, 3, 3, 3, 3], configs: { ...commands.configs } };

  it('is empty when partitions, replicas and configs match', () => {
    expect(topicDrift(commands, matching)).toEqual([]);
  });

  it('names each setting that differs, with what was expected and what the cluster has', () => {
    const drift = topicDrift(commands, {
      partitions: 3,
      replicaCounts: [3, 1, 3],
      configs: {
        ...commands.configs,
        'retention.ms': '604800000',
        'min.insync.replicas': undefined,
      } as never,
    });
    expect(drift).toEqual([
      { setting: 'partitions', expected: '6', actual: '3' },
      { setting: 'replication.factor', expected: '3', actual: '1,3' },
      { setting: 'retention.ms', expected: commands.configs['retention.ms'], actual: '604800000' },
      { setting: 'min.insync.replicas', expected: '2', actual: undefined },
    ]);
  });
});
