import { jsonEvent, NO_STREAM, StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import type { RecordedEvent, TransactionLocation } from '../../ledger-core/index.ts';
import type { EsdbClient } from './esdb-client.ts';
import { reservationStreamOf } from './positions.ts';
import { toRecordedEvent } from './recorded-event.ts';

// I5 across streams. EventStoreDB has no unique index and no multi-stream transaction, so a txId is
// claimed by appending `TxReserved` to the stream `tx-{txId}` with expected revision NO_STREAM before the
// events that carry it are appended to their own stream. Exactly one stream can ever claim a txId.
//
// A reservation does not prove the events were written: the append after it can still fail (wrong
// expected revision, a crash). So when a reservation already exists for the same stream, the adapter
// looks for the txId in that stream from the revision the reservation expected, and treats the txId as
// recorded only if it is there. A reservation of another stream is final: it may belong to an append in
// flight in another process, and taking it over could write the txId twice.

const reservedType = 'TxReserved';
const streamScanPageSize = 500;

export type Reservation = { txId: string; streamId: string; firstRevision: number };

export type ReservationResult = { reserved: true } | { reserved: false; existingStreamId: string };

const readReservation = async (client: EsdbClient, txId: string): Promise<Reservation | undefined> => {
  try {
    for await (const resolved of client.readStream(reservationStreamOf(txId), { maxCount: 1 })) {
      if (resolved.event?.type === reservedType) return resolved.event.data as Reservation;
    }
    return undefined;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
};

/** The event of a stream that carries the txId, searched from the revision its reservation expected. */
const findRecorded = async (
  client: EsdbClient,
  reservation: Reservation,
): Promise<RecordedEvent | undefined> => {
  let fromRevision = reservation.firstRevision;
  for (;;) {
    let seen = 0;
    try {
      for await (const resolved of client.readStream(reservation.streamId, {
        fromRevision: BigInt(fromRevision),
        maxCount: streamScanPageSize,
      })) {
        seen += 1;
        const event = resolved.event;
        if (!event) continue;
        if ((event.metadata as { txId?: string } | undefined)?.txId === reservation.txId) {
          return toRecordedEvent(event);
        }
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    if (seen < streamScanPageSize) return undefined;
    fromRevision += seen;
  }
};

/** Claims a txId for a stream whose next event will have `firstRevision`. */
export const reserveTxId = async (
  client: EsdbClient,
  reservation: Reservation,
): Promise<ReservationResult> => {
  try {
    await client.appendToStream(
      reservationStreamOf(reservation.txId),
      jsonEvent({ type: reservedType, data: reservation }),
      { expectedRevision: NO_STREAM },
    );
    return { reserved: true };
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
  }
  const existing = await readReservation(client, reservation.txId);
  if (!existing)
    throw new Error(`reservation stream of txId ${reservation.txId} exists but holds no reservation`);
  if (existing.streamId !== reservation.streamId)
    return { reserved: false, existingStreamId: existing.streamId };
  const recorded = await findRecorded(client, existing);
  return recorded ? { reserved: false, existingStreamId: existing.streamId } : { reserved: true };
};

export const findTransaction = async (
  client: EsdbClient,
  txId: string,
): Promise<TransactionLocation | undefined> => {
  const reservation = await readReservation(client, txId);
  if (!reservation) return undefined;
  const recorded = await findRecorded(client, reservation);
  return recorded
    ? { txId, streamId: recorded.streamId, revision: recorded.revision, position: recorded.position }
    : undefined;
};
