import type { AccountRow, BatchChanges, DeviceRow, KnownState, MerchantRow } from './rows.ts';

// A sole writer of its read models (a rebuild into a fresh schema) knows what they hold without asking
// Postgres: it starts from nothing and carries every batch's changes into the state the next batch is
// planned on, so the next batch can be planned while the previous one is still being written.
// Accounts, merchants and devices are carried whole (one row each, however long the log). Charges are
// not: a log of years holds tens of millions, so only the last planned batch's charges are carried (the
// batch that may still be in flight); a refund of an older charge finds it in Postgres, written by then.

export type CarriedState = {
  accounts: Map<string, AccountRow>;
  merchants: Map<string, MerchantRow>;
  devices: Map<string, DeviceRow>;
  /** Charge txId → merchant, of the last planned batch only. */
  lastBatchCharges: Map<string, string>;
};

export const emptyCarriedState = (): CarriedState => ({
  accounts: new Map(),
  merchants: new Map(),
  devices: new Map(),
  lastBatchCharges: new Map(),
});

/** Folds a planned batch into the carried state, as loading the rows back after writing them would. */
export const carryChanges = (carried: CarriedState, changes: BatchChanges): void => {
  for (const [accountId, row] of changes.accounts) carried.accounts.set(accountId, row);
  for (const [merchantId, row] of changes.merchants) carried.merchants.set(merchantId, row);
  for (const [deviceId, row] of changes.devices) carried.devices.set(deviceId, row);
  carried.lastBatchCharges = new Map();
  for (const row of changes.transactions) {
    if (row.type === 'charge' && row.merchantId !== null)
      carried.lastBatchCharges.set(row.txId, row.merchantId);
  }
};

/**
 * What the next batch is planned on: the carried rows, and the merchants of the charges its refunds
 * name, from the last batch or else from `loadStoredCharges` (charges of earlier batches, committed).
 */
export const knownStateFor = async (
  carried: CarriedState,
  refundedCharges: Set<string>,
  loadStoredCharges: (txIds: Set<string>) => Promise<Map<string, string>>,
): Promise<KnownState> => {
  const chargeMerchants = new Map<string, string>();
  const older = new Set<string>();
  for (const txId of refundedCharges) {
    const merchantId = carried.lastBatchCharges.get(txId);
    if (merchantId === undefined) older.add(txId);
    else chargeMerchants.set(txId, merchantId);
  }
  if (older.size > 0) {
    for (const [txId, merchantId] of await loadStoredCharges(older)) chargeMerchants.set(txId, merchantId);
  }
  return {
    accounts: carried.accounts,
    merchants: carried.merchants,
    devices: carried.devices,
    chargeMerchants,
  };
};
