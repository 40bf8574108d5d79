import { appendToStream, type EventStore } from '../../ledger-core/index.ts';

/**
 * Writes, behind the ledger's back, a charge to `account-ghost` that no feeder can apply, carrying the
 * trace `traceId`: its body is incomplete, and with `badEnvelope` its metadata has a field the envelope
 * does not know, so the relay refuses it before Kafka. Returns the position it got.
 */
export const appendInvalidCharge = async (
  store: Pick<EventStore, 'appendBatch'>,
  traceId: string,
  options: { badEnvelope?: boolean } = {},
): Promise<bigint> => {
  const appended = await appendToStream(
    store,
    'account-ghost',
    [
      {
        type: 'Charged',
        data: { txId: 'ghost-1' },
        metadata: {
          schemaVersion: 1,
          correlationId: 'ghost',
          causationId: 'ghost',
          actor: { type: 'system', id: 'test' },
          occurredAt: new Date().toISOString(),
          traceparent: `00-${traceId}-b7ad6b7169203331-01`,
          ...(options.badEnvelope ? { smuggled: true } : {}),
        } as never,
      },
    ],
    'no_stream',
  );
  const [event] = appended.events;
  if (!event) throw new Error('the invalid charge was not appended');
  return event.position;
};
