import type { Kafka } from 'kafkajs';
import { sharedCall } from '../../ledger-core/index.ts';

export const defaultLedgerTopic = 'ledger.events.v1';
/**
 * One partition keeps the whole log in global order, which the read models' single checkpoint relies
 * on (see README: "Why one partition").
 */
export const defaultLedgerTopicPartitions = 1;

export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;

export class TopicLayoutError extends Error {
  constructor(topic: string, partitions: number) {
    super(
      `topic ${topic} has ${partitions} partitions; the read models keep one global checkpoint and need exactly 1`,
    );
    this.name = 'TopicLayoutError';
  }
}

/**
 * Creates the topic and its dead-letter topic when missing; returns the topic's partition count. Calls
 * that overlap in one process (a relay and a projector starting together) share one attempt, so they
 * do not race to create the same topic.
 */
export const ensureLedgerTopics = (
  kafka: Kafka,
  topic: string,
  partitions: number = defaultLedgerTopicPartitions,
): Promise<number> => {
  const attempts = attemptsInFlight.get(kafka) ?? new Map<string, Promise<number>>();
  attemptsInFlight.set(kafka, attempts);
  return sharedCall(attempts, `${topic}/${partitions}`, () => createMissingTopics(kafka, topic, partitions));
};

const attemptsInFlight = new WeakMap<Kafka, Map<string, Promise<number>>>();

const createMissingTopics = async (kafka: Kafka, topic: string, partitions: number): Promise<number> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Asking only for missing topics keeps the broker's TOPIC_ALREADY_EXISTS out of the error log.
    const existing = new Set(await admin.listTopics());
    const missing = [
      { topic, numPartitions: partitions },
      { topic: deadLetterTopicOf(topic), numPartitions: 1 },
    ].filter((wanted) => !existing.has(wanted.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
};
