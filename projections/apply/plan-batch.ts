import {
  type AccountEvent,
  accountEventSchemas,
  businessDayOf,
  deviceEventSchemas,
  merchantEventSchemas,
  parseStreamId,
} from '../../ledger-core/index.ts';
import type { ProjectableEvent } from '../envelope.ts';
import type { DailyTotalDimension } from '../tables.ts';
import { evolveAccountRow, ProjectionInvariantError } from './account-row.ts';
import type { Fen } from './fen.ts';
import { moneyMoveOf } from './money-move.ts';
import type { BatchChanges, KnownState } from './rows.ts';

// Turns a batch of events into the changes of every read model, in memory. Pure: the caller loads
// what the batch needs (`requirementsOf`), plans, then writes the changes in one transaction.

export type BatchRequirements = {
  accountIds: Set<string>;
  /** Refunded charges not charged in this batch: their merchant comes from the stored transactions. */
  chargeTxIds: Set<string>;
  merchantIds: Set<string>;
  deviceIds: Set<string>;
};

type Category = 'account' | 'merchant' | 'device';

const typesOf: Record<Category, ReadonlySet<string>> = {
  account: new Set(Object.keys(accountEventSchemas)),
  merchant: new Set(Object.keys(merchantEventSchemas)),
  device: new Set(Object.keys(deviceEventSchemas)),
};

/** The stream's category and entity id; an event whose type does not belong to its stream is refused. */
const streamOf = (event: ProjectableEvent): { category: Category; id: string } => {
  const parsed = parseStreamId(event.streamId);
  if (!parsed) throw new ProjectionInvariantError(`unknown stream ${event.streamId}`, event.position);
  if (!typesOf[parsed.category].has(event.event.type)) {
    throw new ProjectionInvariantError(
      `${event.event.type} does not belong on ${event.streamId}`,
      event.position,
    );
  }
  return parsed;
};

/** The charges the batch's refunds name that the batch did not charge itself (before the refund). */
export const refundedChargesOf = (events: readonly ProjectableEvent[]): Set<string> => {
  const refunded = new Set<string>();
  const chargedHere = new Set<string>();
  for (const { event } of events) {
    if (event.type === 'Charged') chargedHere.add(event.data.txId);
    if (event.type === 'Refunded' && !chargedHere.has(event.data.chargeTxId)) {
      refunded.add(event.data.chargeTxId);
    }
  }
  return refunded;
};

export const requirementsOf = (events: readonly ProjectableEvent[]): BatchRequirements => {
  const needs: BatchRequirements = {
    accountIds: new Set(),
    chargeTxIds: refundedChargesOf(events),
    merchantIds: new Set(),
    deviceIds: new Set(),
  };
  for (const projectable of events) {
    const stream = parseStreamId(projectable.streamId);
    if (stream?.category === 'account') needs.accountIds.add(stream.id);
    else if (stream?.category === 'merchant') needs.merchantIds.add(stream.id);
    else if (stream?.category === 'device') needs.deviceIds.add(stream.id);
  }
  return needs;
};

const millisecondsPerHour = 3_600_000;
// Events come in time order, so one remembered hour answers nearly every call without making a Date.
let lastHour = { startMs: Number.NaN, text: '' };
const utcHourOf = (instant: string): string => {
  const ms = Date.parse(instant);
  if (ms >= lastHour.startMs && ms < lastHour.startMs + millisecondsPerHour) return lastHour.text;
  const startMs = Math.floor(ms / millisecondsPerHour) * millisecondsPerHour;
  lastHour = { startMs, text: new Date(startMs).toISOString() };
  return lastHour.text;
};

const emptyChanges = (): BatchChanges => ({
  accounts: new Map(),
  transactions: [],
  transfers: [],
  merchantSales: new Map(),
  dailyTotals: new Map(),
  merchants: new Map(),
  devices: new Map(),
  rejected: [],
});

export const planBatch = (
  events: readonly ProjectableEvent[],
  known: KnownState,
  timeZone: string,
): BatchChanges => {
  const changes = emptyChanges();
  const chargedInBatch = new Map<string, string>();
  const accountOf = (id: string) => changes.accounts.get(id) ?? known.accounts.get(id);

  // The deltas are this batch's own objects, so adding to them in place is safe and saves a copy per event.
  const addDaily = (date: string, dimension: DailyTotalDimension, key: string, amount: Fen) => {
    const id = `${date}|${dimension}|${key}`;
    const total = changes.dailyTotals.get(id);
    if (total) {
      total.count += 1;
      total.amount += amount;
    } else changes.dailyTotals.set(id, { businessDate: date, dimension, key, count: 1, amount });
  };
  const addSales = (merchantId: string, hour: string, kind: 'charge' | 'refund', amount: Fen) => {
    const id = `${merchantId}|${hour}`;
    let sales = changes.merchantSales.get(id);
    if (!sales) {
      sales = { merchantId, hour, chargesCount: 0, chargesAmount: 0n, refundsCount: 0, refundsAmount: 0n };
      changes.merchantSales.set(id, sales);
    }
    if (kind === 'charge') {
      sales.chargesCount += 1;
      sales.chargesAmount += amount;
    } else {
      sales.refundsCount += 1;
      sales.refundsAmount += amount;
    }
  };

  // Every check runs before the first change, so a refused event leaves no trace in the batch.
  const applyAccountEvent = (projectable: ProjectableEvent & { event: AccountEvent }, accountId: string) => {
    const businessDate = businessDayOf(projectable.occurredAt, timeZone);
    const row = evolveAccountRow(accountOf(accountId), projectable, businessDate);
    const { event } = projectable;
    const chargeMerchant =
      event.type === 'Refunded'
        ? (chargedInBatch.get(event.data.chargeTxId) ?? known.chargeMerchants.get(event.data.chargeTxId))
        : undefined;
    if (event.type === 'Refunded' && chargeMerchant === undefined) {
      throw new ProjectionInvariantError(
        `refund of unknown charge ${event.data.chargeTxId}`,
        projectable.position,
      );
    }
    const move = moneyMoveOf(projectable, accountId, chargeMerchant, row.balance);
    changes.accounts.set(accountId, row);
    if (event.type === 'Charged') chargedInBatch.set(event.data.txId, event.data.merchantId);
    if (!move) return;
    changes.transactions.push(move.transaction);
    if (move.transfer) {
      changes.transfers.push({
        position: projectable.position,
        txId: move.transaction.txId,
        from: move.transfer.from,
        to: move.transfer.to,
        amount: move.transfer.amount,
        businessDate,
        recordedAt: projectable.recordedAt,
      });
    }
    if (move.daily) addDaily(businessDate, move.daily.dimension, move.daily.key, move.daily.amount);
    if (move.sales) {
      addSales(move.sales.merchantId, utcHourOf(projectable.occurredAt), move.sales.kind, move.sales.amount);
    }
  };

  const applyRegistryEvent = (projectable: ProjectableEvent, id: string) => {
    const { event, position } = projectable;
    if (event.type === 'MerchantRegistered') {
      changes.merchants.set(event.data.merchantId, { ...event.data, position });
    } else if (event.type === 'MerchantSettled') {
      // Settlement pays the merchant outside the ledger's accounts: no postings, only the registry's position.
      const merchantId = id;
      const merchant = changes.merchants.get(merchantId) ?? known.merchants.get(merchantId);
      if (!merchant)
        throw new ProjectionInvariantError(`settlement of unknown merchant ${merchantId}`, position);
      changes.merchants.set(merchantId, { ...merchant, position });
    } else if (event.type === 'DeviceRegistered') {
      changes.devices.set(event.data.deviceId, { ...event.data, status: 'active', position });
    } else if (event.type === 'DeviceDecommissioned') {
      const deviceId = id;
      const device = changes.devices.get(deviceId) ?? known.devices.get(deviceId);
      if (!device) throw new ProjectionInvariantError(`decommission of unknown device ${deviceId}`, position);
      changes.devices.set(deviceId, { ...device, status: 'decommissioned', position });
    }
  };

  for (const projectable of events) {
    try {
      const stream = streamOf(projectable);
      if (stream.category === 'account') {
        applyAccountEvent(projectable as ProjectableEvent & { event: AccountEvent }, stream.id);
      } else applyRegistryEvent(projectable, stream.id);
    } catch (error) {
      // An event the read models cannot apply (it contradicts what they hold) is refused the same way
      // by every feeder, so live and replay still agree (I7); the feeder dead-letters or logs it.
      if (!(error instanceof ProjectionInvariantError)) throw error;
      changes.rejected.push({
        position: projectable.position,
        eventId: projectable.eventId,
        reason: error.message,
      });
    }
  }
  return changes;
};
