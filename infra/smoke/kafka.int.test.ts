import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable, serviceUrls, uniqueName } from '../../testing/services.ts';

const kafkaUp = await serviceAvailable('kafka');
const messageCount = 10;
const consumeWaitMs = 30_000;

describe.skipIf(!kafkaUp)('smoke: Kafka round trip with kafkajs', () => {
  const kafka = new Kafka({
    clientId: 'smoke',
    brokers: serviceUrls.kafka.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const topic = uniqueName('smoke.topic');
  const groupId = uniqueName('smoke.group');

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  const consumeUntil = async (consumer: Consumer, wanted: number): Promise<string[]> => {
    const seen: string[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${seen.length} of ${wanted} messages`)),
        consumeWaitMs,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          seen.push(`${message.key?.toString()}=${message.value?.toString()}`);
          await consumer.commitOffsets([
            { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
          ]);
          if (seen.length === wanted) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return seen;
  };

  it('produces keyed messages, consumes them in a group, and a restarted consumer resumes after the commit', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const batch = (from: number) =>
      Array.from({ length: messageCount }, (_, index) => ({
        key: `stream-${(from + index) % 3}`,
        value: String(from + index),
      }));
    await producer.send({ topic, messages: batch(0) });

    const first = await consumeUntil(kafka.consumer({ groupId }), messageCount);
    expect(first.map((entry) => Number(entry.split('=')[1])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: messageCount }, (_, index) => index),
    );
    // One key always lands in one partition, so its messages keep their order.
    const forKey = first.filter((entry) => entry.startsWith('stream-1=')).map((entry) => entry.split('=')[1]);
    expect(forKey).toEqual(['1', '4', '7']);

    await producer.send({ topic, messages: batch(messageCount) });
    const second = await consumeUntil(kafka.consumer({ groupId }), messageCount);
    expect(second.map((entry) => Number(entry.split('=')[1])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: messageCount }, (_, index) => messageCount + index),
    );
    await producer.disconnect();

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]?.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
    expect(committed).toBe(2 * messageCount);
  });
});
