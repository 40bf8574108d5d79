import {
  type EventStore,
  type Position,
  parseStreamId,
  type RecordedEvent,
} from '../../ledger-core/index.ts';
import type { BusinessDayWindow } from '../business-day-window.ts';
import { type ScanProgress, scanLog } from '../scan.ts';
import type { MoveKind, StatementChannel } from './statement.ts';

// The ledger's side of a channel reconciliation: the money moves of the business day (by recordedAt,
// see business-day-window.ts) that the channel's statement should list, from the event log.
//
// Top-ups: `ToppedUp` of that channel, keyed by externalRef (by txId when a top-up has none, which
// then cannot match and is reported). The generic format names no channel, so it covers every top-up
// that carries an externalRef. Refunds: `Refunded` keyed by its txId. A ledger refund names no channel,
// so for wechat, alipay and bank the day's refunds are only matched against the statement's refund
// rows and never reported missing from it; the generic statement is taken to list them all.

export type LedgerMove = {
  kind: MoveKind;
  reference: string;
  amount: string;
  txId: string;
  accountId: string;
  position: Position;
  /** Whether the statement must list this move (otherwise it is only matched when listed). */
  expectedOnStatement: boolean;
};

const moveOf = (event: RecordedEvent, channel: StatementChannel): LedgerMove | undefined => {
  const accountId = parseStreamId(event.streamId)?.id ?? event.streamId;
  if (event.type === 'ToppedUp') {
    const data = event.data as { txId: string; amount: string; channel: string; externalRef?: string };
    const inScope = channel === 'generic' ? data.externalRef !== undefined : data.channel === channel;
    if (!inScope) return undefined;
    return {
      kind: 'top-up',
      reference: data.externalRef ?? data.txId,
      amount: data.amount,
      txId: data.txId,
      accountId,
      position: event.position,
      expectedOnStatement: true,
    };
  }
  if (event.type === 'Refunded') {
    const data = event.data as { txId: string; amount: string };
    return {
      kind: 'refund',
      reference: data.txId,
      amount: data.amount,
      txId: data.txId,
      accountId,
      position: event.position,
      expectedOnStatement: channel === 'generic',
    };
  }
  return undefined;
};

export const ledgerMovesOfDay = async (options: {
  store: Pick<EventStore, 'readAll'>;
  window: BusinessDayWindow;
  channel: StatementChannel;
  onProgress?: ScanProgress;
}): Promise<LedgerMove[]> => {
  const moves: LedgerMove[] = [];
  await scanLog(
    options.store,
    options.window,
    (events) => {
      for (const event of events) {
        const move = moveOf(event, options.channel);
        if (move) moves.push(move);
      }
    },
    options.onProgress ? { onProgress: options.onProgress } : {},
  );
  return moves;
};
