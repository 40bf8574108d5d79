import type { Knex } from 'knex';
import type { AccountStatusText, CardStatusText } from '../tables.ts';
import { fenOf } from './fen.ts';
import type { BatchRequirements } from './plan-batch.ts';
import type { AccountRow, DeviceRow, KnownState, MerchantRow } from './rows.ts';

// Reads, inside the batch's transaction, the stored rows the batch will change or refer to. Every
// number and date is selected as text so Postgres and PGlite return the same shapes.

type AccountRecord = {
  account_id: string;
  holder_name: string;
  holder_type: string;
  status: AccountStatusText;
  card_status: CardStatusText;
  card_masked: string;
  balance: string;
  daily_day: string | null;
  daily_spent: string;
  per_transaction_limit: string;
  daily_limit: string;
  offline_limit: string;
  revision: number;
  position: string;
  updated_at: string;
};

const idsParameter = (ids: Set<string>) => JSON.stringify([...ids]);
const inIds = 'IN (SELECT json_array_elements_text(?::json))';

const loadAccounts = async (trx: Knex.Transaction, ids: Set<string>): Promise<Map<string, AccountRow>> => {
  const accounts = new Map<string, AccountRow>();
  if (ids.size === 0) return accounts;
  const { rows } = await trx.raw<{ rows: AccountRecord[] }>(
    `SELECT account_id, holder_name, holder_type, status, card_status, card_masked, balance::text AS balance,
            daily_day::text AS daily_day, daily_spent::text AS daily_spent,
            per_transaction_limit::text AS per_transaction_limit, daily_limit::text AS daily_limit,
            offline_limit::text AS offline_limit, revision, position::text AS position,
            to_json(updated_at)#>>'{}' AS updated_at
       FROM account_balances WHERE account_id ${inIds}`,
    [idsParameter(ids)],
  );
  for (const row of rows) {
    accounts.set(row.account_id, {
      accountId: row.account_id,
      holderName: row.holder_name,
      holderType: row.holder_type,
      status: row.status,
      cardStatus: row.card_status,
      cardMasked: row.card_masked,
      balance: fenOf(row.balance),
      dailyDay: row.daily_day,
      dailySpent: fenOf(row.daily_spent),
      perTransactionLimit: fenOf(row.per_transaction_limit),
      dailyLimit: fenOf(row.daily_limit),
      offlineLimit: fenOf(row.offline_limit),
      revision: row.revision,
      position: BigInt(row.position),
      updatedAt: row.updated_at,
    });
  }
  return accounts;
};

/** Charge txId → merchant, for refunds of charges applied in earlier batches. */
export const loadChargeMerchants = async (
  trx: Knex.Transaction,
  txIds: Set<string>,
): Promise<Map<string, string>> => {
  if (txIds.size === 0) return new Map();
  const { rows } = await trx.raw<{ rows: Array<{ tx_id: string; merchant_id: string }> }>(
    `SELECT tx_id, merchant_id FROM account_transactions WHERE type = 'charge' AND tx_id ${inIds}`,
    [idsParameter(txIds)],
  );
  return new Map(rows.map((row) => [row.tx_id, row.merchant_id]));
};

const loadMerchants = async (trx: Knex.Transaction, ids: Set<string>): Promise<Map<string, MerchantRow>> => {
  if (ids.size === 0) return new Map();
  const { rows } = await trx.raw<{
    rows: Array<{ merchant_id: string; name: string; category: string; position: string }>;
  }>(
    `SELECT merchant_id, name, category, position::text AS position FROM merchants WHERE merchant_id ${inIds}`,
    [idsParameter(ids)],
  );
  return new Map(
    rows.map((row) => [
      row.merchant_id,
      { merchantId: row.merchant_id, name: row.name, category: row.category, position: BigInt(row.position) },
    ]),
  );
};

const loadDevices = async (trx: Knex.Transaction, ids: Set<string>): Promise<Map<string, DeviceRow>> => {
  if (ids.size === 0) return new Map();
  const { rows } = await trx.raw<{
    rows: Array<{
      device_id: string;
      merchant_id: string;
      kind: string;
      key_id: string;
      status: DeviceRow['status'];
      position: string;
    }>;
  }>(
    `SELECT device_id, merchant_id, kind, key_id, status, position::text AS position
       FROM devices WHERE device_id ${inIds}`,
    [idsParameter(ids)],
  );
  return new Map(
    rows.map((row) => [
      row.device_id,
      {
        deviceId: row.device_id,
        merchantId: row.merchant_id,
        kind: row.kind,
        keyId: row.key_id,
        status: row.status,
        position: BigInt(row.position),
      },
    ]),
  );
};

export const loadKnownState = async (
  trx: Knex.Transaction,
  needs: BatchRequirements,
): Promise<KnownState> => {
  // One after the other: a transaction is one connection, which runs one query at a time.
  const accounts = await loadAccounts(trx, needs.accountIds);
  const chargeMerchants = await loadChargeMerchants(trx, needs.chargeTxIds);
  const merchants = await loadMerchants(trx, needs.merchantIds);
  const devices = await loadDevices(trx, needs.deviceIds);
  return { accounts, chargeMerchants, merchants, devices };
};
