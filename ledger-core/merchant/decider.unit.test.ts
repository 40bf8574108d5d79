import { describe, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import {
  merchantCommand,
  merchantId,
  merchantRegistered,
  merchantSettled,
} from '../../testing/ledger-fixtures.ts';
import { merchantDecider } from './decider.ts';

const spec = deciderSpec(merchantDecider);
const register = merchantCommand({
  type: 'RegisterMerchant',
  merchantId,
  name: 'North Canteen',
  category: 'canteen',
});
const settle = (businessDate: string, amount = '1234.50') =>
  merchantCommand({
    type: 'SettleMerchant',
    merchantId,
    settlementId: `set-${businessDate}`,
    businessDate,
    amount,
  });

describe('merchant decider', () => {
  it('registers a merchant', () => {
    spec.given([]).when(register).then([merchantRegistered()]);
  });

  it('refuses to register a merchant twice: merchant_exists', () => {
    spec.given([merchantRegistered()]).when(register).thenThrows('merchant_exists');
  });

  it('settles a business day, also a negative one (refunds above sales)', () => {
    spec
      .given([merchantRegistered()])
      .when(settle('2025-03-09'))
      .then([merchantSettled('2025-03-09', '1234.50')]);
    spec
      .given([merchantRegistered(), merchantSettled('2025-03-09', '1.00')])
      .when(settle('2025-03-10', '-3.20'))
      .then([merchantSettled('2025-03-10', '-3.20')]);
  });

  it('refuses to settle a day twice: already_settled', () => {
    spec
      .given([merchantRegistered(), merchantSettled('2025-03-09', '1.00')])
      .when(settle('2025-03-09'))
      .thenThrows('already_settled', /2025-03-09/);
  });

  it('refuses to settle an unknown merchant: merchant_not_found', () => {
    spec.given([]).when(settle('2025-03-09')).thenThrows('merchant_not_found');
  });

  it('dates its events with the command time', () => {
    spec
      .given([])
      .when(
        merchantCommand({
          type: 'RegisterMerchant',
          merchantId: 'm2',
          name: 'Shop',
          category: 'shop',
          occurredAt: '2025-01-01T00:00:00.000Z',
        }),
      )
      .then([
        {
          type: 'MerchantRegistered',
          data: { merchantId: 'm2', name: 'Shop', category: 'shop' },
          occurredAt: '2025-01-01T00:00:00.000Z',
        },
      ]);
  });
});
