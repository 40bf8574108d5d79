import { Kafka, type logCreator, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

/** kafkajs logs through the component's pino logger; its chatty info lines go to debug. */
export const pinoLogCreator =
  (logger: Logger): logCreator =>
  () =>
  ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
    const entry = { kafka: namespace, ...fields };
    if (level === logLevel.ERROR) logger.error(entry, message);
    else if (level === logLevel.WARN) logger.warn(entry, message);
    else if (level === logLevel.INFO) logger.debug(entry, message);
    else logger.trace(entry, message);
  };

/** A kafkajs client for the given brokers (host:port), logging through pino. */
export const createKafka = (options: { brokers: string[]; clientId?: string; logger: Logger }): Kafka =>
  new Kafka({
    clientId: options.clientId ?? 'campus-ledger',
    brokers: options.brokers,
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(options.logger),
  });

/**
 * The producer the relay and the dead-letter path share: idempotent, one request in flight so a retry
 * cannot reorder a stream's events, and no topic created by accident. The partitioner is named (it
 * only matters with more than one partition) so kafkajs does not warn about its changed default.
 */
export const createLedgerProducer = (kafka: Kafka): Producer =>
  kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
