import type { CommandRouteName } from './access.ts';

// Every command route with a valid body, for the table-driven tests (bad input, auth). `accountId`
// is the account the path names.

export type CommandRouteCase = {
  name: CommandRouteName;
  method: 'POST' | 'PUT';
  path: (accountId: string) => string;
  /** A body the route accepts (undefined: the route needs none). */
  valid: Record<string, unknown> | undefined;
  /** Fields that may be left out. */
  optional: readonly string[];
  /** Fields (dotted paths) holding money. */
  money: readonly string[];
  /** Whether zero is a valid value of the money fields (limits). */
  zeroAllowed: boolean;
};

const accountPath = (suffix: string) => (accountId: string) =>
  `/v1/accounts/${encodeURIComponent(accountId)}/${suffix}`;

export const commandRouteCases = (txId: string): CommandRouteCase[] => [
  {
    name: 'openAccount',
    method: 'POST',
    path: () => '/v1/accounts',
    valid: {
      accountId: `new-${txId}`,
      holderName: 'Zhang San',
      holderType: 'student',
      cardNo: '6222029999990001',
      limits: { perTransaction: '10.00', daily: '20.00' },
      offlineLimit: '5.00',
    },
    optional: ['limits', 'offlineLimit'],
    money: ['limits.perTransaction', 'limits.daily', 'offlineLimit'],
    zeroAllowed: true,
  },
  {
    name: 'topUp',
    method: 'POST',
    path: accountPath('top-ups'),
    valid: { txId, amount: '10.00', channel: 'cash', externalRef: 'r-1' },
    optional: ['externalRef'],
    money: ['amount'],
    zeroAllowed: false,
  },
  {
    name: 'charge',
    method: 'POST',
    path: accountPath('charges'),
    valid: { txId, amount: '1.00', merchantId: 'm-1', deviceId: 'd-1', offline: false },
    optional: ['deviceId', 'offline'],
    money: ['amount'],
    zeroAllowed: false,
  },
  {
    name: 'refund',
    method: 'POST',
    path: accountPath('refunds'),
    valid: { txId, chargeTxId: 'ch-1', amount: '1.00', reason: 'wrong dish' },
    optional: ['reason'],
    money: ['amount'],
    zeroAllowed: false,
  },
  {
    name: 'billPayment',
    method: 'POST',
    path: accountPath('bill-payments'),
    valid: { txId, amount: '1.00', payee: 'water', billRef: 'b-1' },
    optional: [],
    money: ['amount'],
    zeroAllowed: false,
  },
  {
    name: 'close',
    method: 'POST',
    path: accountPath('close'),
    valid: { txId, payoutChannel: 'cash' },
    optional: [],
    money: [],
    zeroAllowed: false,
  },
  {
    name: 'freeze',
    method: 'POST',
    path: accountPath('freeze'),
    valid: { reason: 'audit' },
    optional: ['reason'],
    money: [],
    zeroAllowed: false,
  },
  {
    name: 'unfreeze',
    method: 'POST',
    path: accountPath('unfreeze'),
    valid: undefined,
    optional: [],
    money: [],
    zeroAllowed: false,
  },
  {
    name: 'reportLost',
    method: 'POST',
    path: accountPath('report-lost'),
    valid: undefined,
    optional: [],
    money: [],
    zeroAllowed: false,
  },
  {
    name: 'replaceCard',
    method: 'POST',
    path: accountPath('replace-card'),
    valid: { newCardNo: '6222029999990002' },
    optional: [],
    money: [],
    zeroAllowed: false,
  },
  {
    name: 'changeLimits',
    method: 'PUT',
    path: accountPath('limits'),
    valid: { perTransaction: '10.00', daily: '20.00', offlineLimit: '0.00' },
    optional: [],
    money: ['perTransaction', 'daily', 'offlineLimit'],
    zeroAllowed: true,
  },
  {
    name: 'registerMerchant',
    method: 'POST',
    path: () => '/v1/merchants',
    valid: { merchantId: `m-${txId}`, name: 'Kiosk', category: 'shop' },
    optional: [],
    money: [],
    zeroAllowed: false,
  },
  {
    name: 'registerDevice',
    method: 'POST',
    path: () => '/v1/devices',
    valid: { deviceId: `d-${txId}`, merchantId: 'm-1', kind: 'kiosk', keyId: 'k7' },
    optional: ['keyId'],
    money: [],
    zeroAllowed: false,
  },
];
