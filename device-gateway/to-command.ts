import type { AccountCommand } from '../ledger-core/index.ts';
import type { DirectoryDevice } from './directory-state.ts';
import type { DeviceRequest } from './request-schema.ts';

// A validated, signed request of a known device becomes a ledger command. The ledger's txId is
// `{deviceId}-{seq}`, so a duplicate delivery is the same txId and the ledger answers it from its record.

export type MoneyRequest = Exclude<DeviceRequest, { type: 'balance' }>;

export const commandOfRequest = (options: {
  request: MoneyRequest;
  device: DirectoryDevice;
  accountId: string;
  txId: string;
  /** The gateway's clock: what happened now is dated now; only an offline charge keeps the device's time. */
  now: Date;
}): AccountCommand => {
  const { request, device, accountId, txId } = options;
  const occurredAt = options.now.toISOString();
  switch (request.type) {
    case 'charge':
      return {
        type: 'Charge',
        accountId,
        txId,
        amount: request.amount,
        merchantId: device.merchantId,
        deviceId: device.deviceId,
        cardNo: request.cardNo,
        offline: request.offline === true,
        occurredAt: request.offline === true ? request.occurredAt : occurredAt,
      };
    case 'refund':
      return {
        type: 'Refund',
        accountId,
        txId,
        amount: request.amount,
        // A terminal refunds only its own charges: the charge is named by this device's seq.
        chargeTxId: `${device.deviceId}-${request.chargeSeq}`,
        occurredAt,
      };
    case 'top-up':
      return { type: 'TopUp', accountId, txId, amount: request.amount, channel: 'cash', occurredAt };
    case 'bill-payment':
      return {
        type: 'PayBill',
        accountId,
        txId,
        amount: request.amount,
        payee: request.payee,
        billRef: request.billRef,
        cardNo: request.cardNo,
        occurredAt,
      };
  }
};
