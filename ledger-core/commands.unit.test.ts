import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  accountCommandSchemas,
  deviceCommandSchemas,
  ledgerCommandSchema,
  merchantCommandSchemas,
} from './commands.ts';

// Bad input at the edge of ledger-core: every command schema, every kind of wrong value. Each rejection
// must name the offending field, so a test cannot pass because something else was wrong.

const schemas = { ...accountCommandSchemas, ...merchantCommandSchemas, ...deviceCommandSchemas };
type CommandType = keyof typeof schemas;

const occurredAt = '2025-03-10T04:00:00.000Z';
const examples: Record<CommandType, Record<string, unknown>> = {
  OpenAccount: {
    type: 'OpenAccount',
    occurredAt,
    accountId: 'stu-2025-001',
    holderName: 'Li Wei',
    holderType: 'student',
    cardNo: '6200000000000001',
    limits: { perTransaction: '200.00', daily: '500' },
    offlineLimit: '30.5',
  },
  TopUp: {
    type: 'TopUp',
    occurredAt,
    accountId: 'a1',
    txId: 'wx-1',
    amount: '100',
    channel: 'wechat',
    externalRef: 'W1',
  },
  Charge: {
    type: 'Charge',
    occurredAt,
    accountId: 'a1',
    txId: 'pos-1-17',
    amount: '12.5',
    merchantId: 'canteen-1',
    deviceId: 'pos-1',
    offline: true,
    cardNo: '6200000000000001',
  },
  Refund: {
    type: 'Refund',
    occurredAt,
    accountId: 'a1',
    txId: 'r-1',
    chargeTxId: 'pos-1-17',
    amount: '2.50',
    reason: 'cold',
  },
  PayBill: {
    type: 'PayBill',
    occurredAt,
    accountId: 'a1',
    txId: 'b-1',
    amount: '88.00',
    payee: 'water',
    billRef: 'W-2025-02',
  },
  CloseAccount: { type: 'CloseAccount', occurredAt, accountId: 'a1', txId: 'close-1', payoutChannel: 'bank' },
  FreezeAccount: { type: 'FreezeAccount', occurredAt, accountId: 'a1', reason: 'lost wallet' },
  UnfreezeAccount: { type: 'UnfreezeAccount', occurredAt, accountId: 'a1' },
  ReportCardLost: { type: 'ReportCardLost', occurredAt, accountId: 'a1' },
  ReplaceCard: { type: 'ReplaceCard', occurredAt, accountId: 'a1', newCardNo: '6200000000000002' },
  ChangeLimits: {
    type: 'ChangeLimits',
    occurredAt,
    accountId: 'a1',
    perTransaction: '50',
    daily: '0',
    offlineLimit: '0.00',
  },
  RegisterMerchant: {
    type: 'RegisterMerchant',
    occurredAt,
    merchantId: 'canteen-1',
    name: 'North',
    category: 'canteen',
  },
  SettleMerchant: {
    type: 'SettleMerchant',
    occurredAt,
    merchantId: 'canteen-1',
    settlementId: 'set-1',
    businessDate: '2025-03-09',
    amount: '-3.20',
  },
  RegisterDevice: {
    type: 'RegisterDevice',
    occurredAt,
    deviceId: 'pos-1',
    merchantId: 'canteen-1',
    kind: 'pos',
    keyId: 'k1',
  },
  DecommissionDevice: { type: 'DecommissionDevice', occurredAt, deviceId: 'pos-1' },
};

/** Sets a dotted path (e.g. "limits.daily") in a copy of the example. */
const withField = (type: CommandType, path: string, value: unknown): Record<string, unknown> => {
  const copy = structuredClone(examples[type]);
  const keys = path.split('.');
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys[keys.length - 1] as string] = value;
  return copy;
};

const expectRejected = (type: CommandType, input: unknown, path: string) => {
  const result = (schemas[type] as z.ZodType).safeParse(input);
  expect(result.success, `${type} accepted ${JSON.stringify(input)}`).toBe(false);
  const paths = result.error?.issues.map((issue) => issue.path.join('.')) ?? [];
  expect(paths, JSON.stringify(result.error?.issues)).toContain(path);
};

const amountFields: Array<[CommandType, string]> = [
  ['TopUp', 'amount'],
  ['Charge', 'amount'],
  ['Refund', 'amount'],
  ['PayBill', 'amount'],
];
const limitFields: Array<[CommandType, string]> = [
  ['OpenAccount', 'limits.perTransaction'],
  ['OpenAccount', 'limits.daily'],
  ['OpenAccount', 'offlineLimit'],
  ['ChangeLimits', 'perTransaction'],
  ['ChangeLimits', 'daily'],
  ['ChangeLimits', 'offlineLimit'],
];
const txIdFields: Array<[CommandType, string]> = [
  ['TopUp', 'txId'],
  ['Charge', 'txId'],
  ['Refund', 'txId'],
  ['Refund', 'chargeTxId'],
  ['PayBill', 'txId'],
  ['CloseAccount', 'txId'],
];
const idFields: Array<[CommandType, string]> = [
  ...(['OpenAccount', 'TopUp', 'Charge', 'Refund', 'PayBill', 'CloseAccount'] as const).map(
    (type): [CommandType, string] => [type, 'accountId'],
  ),
  ['Charge', 'merchantId'],
  ['Charge', 'deviceId'],
  ['RegisterMerchant', 'merchantId'],
  ['RegisterDevice', 'deviceId'],
  ['RegisterDevice', 'merchantId'],
];

/** Wrong for every money field: not a string, not two places, not plain decimal notation, above the max. */
const badMoney: unknown[] = [
  0.1,
  10,
  '0.001',
  '12.345',
  '-1.00',
  '-0.01',
  '1000000.01',
  '2000000',
  '1e3',
  '1E3',
  ' 1.00',
  '1.00 ',
  '1,00',
  '',
  '.5',
  '5.',
  '+5',
  '0x10',
  'NaN',
  'Infinity',
  '01.50',
  null,
];

describe('command schemas: valid examples', () => {
  it('has an example for every command schema', () => {
    expect(Object.keys(examples).sort()).toEqual(Object.keys(schemas).sort());
    expect(ledgerCommandSchema.options).toHaveLength(Object.keys(schemas).length);
  });

  it.each(Object.keys(examples) as CommandType[])('accepts the %s example', (type) => {
    expect(ledgerCommandSchema.safeParse(examples[type]).success).toBe(true);
  });

  it('normalises amounts and limits to two places and applies defaults', () => {
    expect(ledgerCommandSchema.parse(examples.Charge)).toMatchObject({ amount: '12.50' });
    expect(ledgerCommandSchema.parse(examples.OpenAccount)).toMatchObject({
      limits: { perTransaction: '200.00', daily: '500.00' },
      offlineLimit: '30.50',
    });
    const minimal = {
      type: 'OpenAccount',
      occurredAt,
      accountId: 'a',
      holderName: 'A',
      holderType: 'staff',
      cardNo: '12345678',
    };
    expect(ledgerCommandSchema.parse(minimal)).toMatchObject({
      limits: { perTransaction: '500.00', daily: '1000.00' },
      offlineLimit: '50.00',
    });
    const { offline: _, ...online } = examples.Charge;
    expect(ledgerCommandSchema.parse(online)).toMatchObject({ offline: false });
  });

  it('accepts the bounds: 0.01 and 1000000.00 as amounts, zero as a limit, 64-character txIds', () => {
    for (const amount of ['0.01', '1000000.00', '1000000', '0.1']) {
      expect(schemas.TopUp.safeParse(withField('TopUp', 'amount', amount)).success, amount).toBe(true);
    }
    expect(schemas.ChangeLimits.safeParse(withField('ChangeLimits', 'daily', '0')).success).toBe(true);
    expect(schemas.TopUp.safeParse(withField('TopUp', 'txId', 'x'.repeat(64))).success).toBe(true);
    expect(schemas.TopUp.safeParse(withField('TopUp', 'txId', 'A-z_0.9:pos-1')).success).toBe(true);
  });
});

describe('command schemas: bad input', () => {
  describe.each(amountFields)('%s.%s (an amount)', (type, path) => {
    it.each([...badMoney, '0', '0.00'].map((value) => [JSON.stringify(value), value]))(
      'rejects %s',
      (_, value) => {
        expectRejected(type, withField(type, path, value), path);
      },
    );
  });

  describe.each(limitFields)('%s.%s (a limit)', (type, path) => {
    it.each(badMoney.map((value) => [JSON.stringify(value), value]))('rejects %s', (_, value) => {
      expectRejected(type, withField(type, path, value), path);
    });
  });

  it('SettleMerchant.amount (signed, exactly two places) rejects numbers, other precisions and exponents', () => {
    for (const value of [0.1, -3.2, '1', '1.5', '1.005', '1e3', '--1.00', ' 1.00']) {
      expectRejected('SettleMerchant', withField('SettleMerchant', 'amount', value), 'amount');
    }
  });

  describe.each(txIdFields)('%s.%s (a txId)', (type, path) => {
    it.each([
      ['empty', ''],
      ['65 characters', 'x'.repeat(65)],
      ['a space', 'tx 1'],
      ['a slash', 'tx/1'],
      ['a hash', 'tx#1'],
      ['a newline', 'tx\n1'],
      ['a non-ASCII letter', 'tx-ü'],
      ['a number', 42],
    ])('rejects %s', (_, value) => {
      expectRejected(type, withField(type, path, value), path);
    });
  });

  describe.each(idFields)('%s.%s (an id)', (type, path) => {
    it.each([
      ['empty', ''],
      ['a dot', 'a.b'],
      ['a colon', 'a:b'],
      ['65 characters', 'a'.repeat(65)],
    ])('rejects %s', (_, value) => {
      expectRejected(type, withField(type, path, value), path);
    });
  });

  it.each([
    ['TopUp', 'channel', ['cheque', 'WECHAT', '', 'paypal']],
    ['PayBill', 'payee', ['gas', 'Water', 'tuition']],
    ['CloseAccount', 'payoutChannel', ['wechat', 'alipay', 'crypto']],
    ['OpenAccount', 'holderType', ['alien', 'Student']],
    ['RegisterMerchant', 'category', ['bar', '']],
    ['RegisterDevice', 'kind', ['atm', 'POS']],
  ] as Array<[CommandType, string, string[]]>)('%s.%s rejects unknown values', (type, path, values) => {
    for (const value of values) expectRejected(type, withField(type, path, value), path);
  });

  it.each([
    ['OpenAccount', 'cardNo'],
    ['Charge', 'cardNo'],
    ['ReplaceCard', 'newCardNo'],
  ] as Array<[CommandType, string]>)('%s.%s rejects card numbers that are not 8–19 digits', (type, path) => {
    for (const value of ['1234567', '12345678901234567890', '6200-0000-0000', 'card']) {
      expectRejected(type, withField(type, path, value), path);
    }
  });

  it.each(Object.keys(examples) as CommandType[])('%s rejects extra fields', (type) => {
    expectRejected(type, { ...examples[type], surprise: true }, '');
  });

  it.each(Object.keys(examples) as CommandType[])('%s rejects a missing or malformed occurredAt', (type) => {
    const { occurredAt: _, ...withoutTime } = examples[type];
    expectRejected(type, withoutTime, 'occurredAt');
    for (const value of ['yesterday', '2025-03-10', '2025-13-01T00:00:00Z', 1_741_579_200_000]) {
      expectRejected(type, { ...examples[type], occurredAt: value }, 'occurredAt');
    }
  });

  it('rejects an unknown command type and a missing type', () => {
    expect(ledgerCommandSchema.safeParse({ ...examples.TopUp, type: 'Withdraw' }).success).toBe(false);
    const { type: _, ...untyped } = examples.TopUp;
    expect(ledgerCommandSchema.safeParse(untyped).success).toBe(false);
  });
});
