import {
  type AccountEvent,
  businessDayOf,
  type DeviceEvent,
  type MerchantEvent,
  type Money,
  parseStreamId,
  zeroMoney,
} from '../../ledger-core/index.ts';
import type { ProjectableEvent } from '../envelope.ts';
import type { DailyTotalDimension } from '../tables.ts';
import { evolveAccountRow, ProjectionInvariantError } from './account-row.ts';
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

const idOfStream = (event: ProjectableEvent): string => {
  const parsed = parseStreamId(event.streamId);
  if (!parsed) throw new ProjectionInvariantError(`unknown stream ${event.streamId}`, event.position);
  return parsed.id;
};

const isAccountEvent = (event: ProjectableEvent): event is ProjectableEvent & { event: AccountEvent } =>
  event.streamId.startsWith('account-');
const isMerchantEvent = (event: ProjectableEvent): event is ProjectableEvent & { event: MerchantEvent } =>
  event.streamId.startsWith('merchant-');
const isDeviceEvent = (event: ProjectableEvent): event is ProjectableEvent & { event: DeviceEvent } =>
  event.streamId.startsWith('device-');

export const requirementsOf = (events: readonly ProjectableEvent[]): BatchRequirements => {
  const needs: BatchRequirements = {
    accountIds: new Set(),
    chargeTxIds: new Set(),
    merchantIds: new Set(),
    deviceIds: new Set(),
  };
  const chargedHere = new Set<string>();
  for (const projectable of events) {
    const { event } = projectable;
    if (isAccountEvent(projectable)) needs.accountIds.add(idOfStream(projectable));
    else if (isMerchantEvent(projectable)) needs.merchantIds.add(idOfStream(projectable));
    else if (isDeviceEvent(projectable)) needs.deviceIds.add(idOfStream(projectable));
    if (event.type === 'Charged') chargedHere.add(event.data.txId);
    if (event.type === 'Refunded' && !chargedHere.has(event.data.chargeTxId)) {
      needs.chargeTxIds.add(event.data.chargeTxId);
    }
  }
  return needs;
};

const utcHourOf = (instant: string): string => {
  const millisecondsPerHour = 3_600_000;
  return new Date(Math.floor(Date.parse(instant) / millisecondsPerHour) * millisecondsPerHour).toISOString();
};

const emptyChanges = (): BatchChanges => ({
  accounts: new Map(),
  transactions: [],
  postings: [],
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
  const chargeMerchants = new Map(known.chargeMerchants);
  const accountOf = (id: string) => changes.accounts.get(id) ?? known.accounts.get(id);

  const addDaily = (date: string, dimension: DailyTotalDimension, key: string, amount: Money) => {
    const id = `${date}|${dimension}|${key}`;
    const total = changes.dailyTotals.get(id) ?? {
      businessDate: date,
      dimension,
      key,
      count: 0,
      amount: zeroMoney,
    };
    changes.dailyTotals.set(id, { ...total, count: total.count + 1, amount: total.amount.plus(amount) });
  };
  const addSales = (merchantId: string, hour: string, kind: 'charge' | 'refund', amount: Money) => {
    const id = `${merchantId}|${hour}`;
    const sales = changes.merchantSales.get(id) ?? {
      merchantId,
      hour,
      chargesCount: 0,
      chargesAmount: zeroMoney,
      refundsCount: 0,
      refundsAmount: zeroMoney,
    };
    changes.merchantSales.set(
      id,
      kind === 'charge'
        ? { ...sales, chargesCount: sales.chargesCount + 1, chargesAmount: sales.chargesAmount.plus(amount) }
        : { ...sales, refundsCount: sales.refundsCount + 1, refundsAmount: sales.refundsAmount.plus(amount) },
    );
  };

  // Every check runs before the first change, so a refused event leaves no trace in the batch.
  const applyAccountEvent = (projectable: ProjectableEvent & { event: AccountEvent }) => {
    const accountId = idOfStream(projectable);
    const row = evolveAccountRow(accountOf(accountId), projectable, timeZone);
    const { event } = projectable;
    const chargeMerchant = event.type === 'Refunded' ? chargeMerchants.get(event.data.chargeTxId) : undefined;
    if (event.type === 'Refunded' && chargeMerchant === undefined) {
      throw new ProjectionInvariantError(
        `refund of unknown charge ${event.data.chargeTxId}`,
        projectable.position,
      );
    }
    const move = moneyMoveOf(projectable, accountId, chargeMerchant);
    changes.accounts.set(accountId, row);
    if (event.type === 'Charged') chargeMerchants.set(event.data.txId, event.data.merchantId);
    if (!move) return;
    const businessDate = businessDayOf(projectable.occurredAt, timeZone);
    changes.transactions.push({ ...move.transaction, balanceAfter: row.balance });
    for (const [postingIndex, posting] of move.postings.entries()) {
      changes.postings.push({
        position: projectable.position,
        postingIndex,
        txId: move.transaction.txId,
        ledgerAccount: posting.ledgerAccount,
        amount: posting.amount,
        businessDate,
        recordedAt: projectable.recordedAt,
      });
    }
    if (move.daily) addDaily(businessDate, move.daily.dimension, move.daily.key, move.daily.amount);
    if (move.sales) {
      addSales(move.sales.merchantId, utcHourOf(projectable.occurredAt), move.sales.kind, move.sales.amount);
    }
  };

  const applyRegistryEvent = (projectable: ProjectableEvent) => {
    const { event, position } = projectable;
    if (event.type === 'MerchantRegistered') {
      changes.merchants.set(event.data.merchantId, { ...event.data, position });
    } else if (event.type === 'MerchantSettled') {
      // Settlement pays the merchant outside the ledger's accounts: no postings, only the registry's position.
      const merchantId = idOfStream(projectable);
      const merchant = changes.merchants.get(merchantId) ?? known.merchants.get(merchantId);
      if (!merchant)
        throw new ProjectionInvariantError(`settlement of unknown merchant ${merchantId}`, position);
      changes.merchants.set(merchantId, { ...merchant, position });
    } else if (event.type === 'DeviceRegistered') {
      changes.devices.set(event.data.deviceId, { ...event.data, status: 'active', position });
    } else if (event.type === 'DeviceDecommissioned') {
      const deviceId = idOfStream(projectable);
      const device = changes.devices.get(deviceId) ?? known.devices.get(deviceId);
      if (!device) throw new ProjectionInvariantError(`decommission of unknown device ${deviceId}`, position);
      changes.devices.set(deviceId, { ...device, status: 'decommissioned', position });
    }
  };

  for (const projectable of events) {
    try {
      if (isAccountEvent(projectable)) applyAccountEvent(projectable);
      else applyRegistryEvent(projectable);
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
