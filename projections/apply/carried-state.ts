import type { BatchChanges, KnownState } from './rows.ts';

// A sole writer of its read models (a rebuild into a fresh schema) knows what they hold without asking
// Postgres: it starts from nothing and carries every batch's changes into the state the next batch is
// planned on. The next batch can then be planned while the previous one is still being written.

export const emptyKnownState = (): KnownState => ({
  accounts: new Map(),
  chargeMerchants: new Map(),
  merchants: new Map(),
  devices: new Map(),
});

/** Folds a planned batch into `known`, as loading the rows back after writing them would. */
export const carryChanges = (known: KnownState, changes: BatchChanges): void => {
  for (const [accountId, row] of changes.accounts) known.accounts.set(accountId, row);
  for (const row of changes.transactions) {
    if (row.type === 'charge' && row.merchantId !== null) known.chargeMerchants.set(row.txId, row.merchantId);
  }
  for (const [merchantId, row] of changes.merchants) known.merchants.set(merchantId, row);
  for (const [deviceId, row] of changes.devices) known.devices.set(deviceId, row);
};
