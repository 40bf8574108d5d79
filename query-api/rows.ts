import { formatMoney, money } from '../ledger-core/index.ts';

// Postgres hands numeric and bigint back as text and timestamptz as Date; these turn read-model values
// into the API's forms without a JS number ever holding money.

export const moneyText = (value: string | null | undefined): string => formatMoney(money(value ?? '0'));

export const instantText = (value: Date | string): string => new Date(value).toISOString();

/** Undefined instead of null, so optional response fields are left out rather than sent as null. */
export const optional = <Value>(value: Value | null): Value | undefined => value ?? undefined;
