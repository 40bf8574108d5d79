import type { Kafka } from 'kafkajs';

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

/** Creates the topic and its dead-letter topic when missing; returns the topic's partition count. */
export const ensureLedgerTopics = async (
  kafka: Kafka,
  topic: string,
  partitions: number = defaultLedgerTopicPartitions,
): Promise<number> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        { topic, numPartitions: partitions },
        { topic: deadLetterTopicOf(topic), numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
};
