// A deliberately simple reference model of accounts for model-based tests of the command handler:
// integer fen, a map of txIds, the rules of DESIGN.md in the order the deciders check them. It shares no
// code with ledger-core, so agreement between the two means something.

export type ModelCommand =
  | { type: 'TopUp'; accountId: string; txId: string; fen: bigint }
  | { type: 'Charge'; accountId: string; txId: string; fen: bigint; offline: boolean }
  | { type: 'Refund'; accountId: string; txId: string; chargeTxId: string; fen: bigint }
  | { type: 'PayBill'; accountId: string; txId: string; fen: bigint }
  | { type: 'CloseAccount'; accountId: string; txId: string }
  | { type: 'FreezeAccount'; accountId: string }
  | { type: 'UnfreezeAccount'; accountId: string };

export type ModelMove = { content: string; balanceAfter: bigint; position: bigint };

export type ModelAccount = {
  status: 'absent' | 'open' | 'closed';
  frozen: boolean;
  balance: bigint;
  moves: Map<string, ModelMove>;
  charges: Map<string, { fen: bigint; refunded: bigint }>;
};

export type ModelDecision =
  | { kind: 'write'; next: ModelAccount; payoutFen?: bigint }
  | { kind: 'unchanged' }
  | { kind: 'replay'; move: ModelMove }
  | { kind: 'rejected'; code: string };

/** The offline limit every model account is opened with, in fen. */
export const modelOfflineLimitFen = 5_000n;

export const absentAccount = (): ModelAccount => ({
  status: 'absent',
  frozen: false,
  balance: 0n,
  moves: new Map(),
  charges: new Map(),
});

export const openedAccount = (): ModelAccount => ({ ...absentAccount(), status: 'open' });

const contentOf = (command: ModelCommand): string =>
  JSON.stringify(command, (_, value) => (typeof value === 'bigint' ? value.toString() : value));

const rejected = (code: string): ModelDecision => ({ kind: 'rejected', code });

/**
 * Decides a command on one account. `ownerOfTxId` tells which account (if any) already recorded a txId,
 * as the store's global uniqueness does.
 */
export const decideModel = (
  command: ModelCommand,
  account: ModelAccount,
  ownerOfTxId: (txId: string) => string | undefined,
): ModelDecision => {
  if (account.status === 'absent') return rejected('account_not_found');
  if (command.type === 'FreezeAccount' || command.type === 'UnfreezeAccount') {
    if (account.status === 'closed') return rejected('account_closed');
    const frozen = command.type === 'FreezeAccount';
    return account.frozen === frozen
      ? { kind: 'unchanged' }
      : { kind: 'write', next: { ...account, frozen } };
  }
  const recorded = account.moves.get(command.txId);
  const content = contentOf({ ...command, accountId: '' });
  if (recorded)
    return recorded.content === content
      ? { kind: 'replay', move: recorded }
      : rejected('idempotency_conflict');
  if (account.status === 'closed') return rejected('account_closed');

  let next: ModelAccount;
  let payoutFen: bigint | undefined;
  switch (command.type) {
    case 'TopUp':
      next = { ...account, balance: account.balance + command.fen };
      break;
    case 'Charge':
      if (command.offline && command.fen > modelOfflineLimitFen) return rejected('offline_limit_exceeded');
      if (!command.offline && account.frozen) return rejected('account_frozen');
      if (!command.offline && account.balance < command.fen) return rejected('insufficient_funds');
      next = {
        ...account,
        balance: account.balance - command.fen,
        charges: new Map(account.charges).set(command.txId, { fen: command.fen, refunded: 0n }),
      };
      break;
    case 'Refund': {
      const charge = account.charges.get(command.chargeTxId);
      if (!charge) return rejected('charge_not_found');
      if (charge.refunded + command.fen > charge.fen) return rejected('refund_exceeds_charge');
      next = {
        ...account,
        balance: account.balance + command.fen,
        charges: new Map(account.charges).set(command.chargeTxId, {
          ...charge,
          refunded: charge.refunded + command.fen,
        }),
      };
      break;
    }
    case 'PayBill':
      if (account.frozen) return rejected('account_frozen');
      if (account.balance < command.fen) return rejected('insufficient_funds');
      next = { ...account, balance: account.balance - command.fen };
      break;
    case 'CloseAccount':
      if (account.balance < 0n) return rejected('insufficient_funds');
      payoutFen = account.balance;
      next = { ...account, status: 'closed', balance: 0n };
      break;
  }
  const owner = ownerOfTxId(command.txId);
  if (owner !== undefined && owner !== command.accountId) return rejected('idempotency_conflict');
  return { kind: 'write', next, ...(payoutFen === undefined ? {} : { payoutFen }) };
};

/** Records a written money move with its position (the model learns positions from the system). */
export const recordMove = (command: ModelCommand, account: ModelAccount, position: bigint): ModelAccount => {
  if (!('txId' in command)) return account;
  const moves = new Map(account.moves).set(command.txId, {
    content: contentOf({ ...command, accountId: '' }),
    balanceAfter: account.balance,
    position,
  });
  return { ...account, moves };
};

export const fenToMoneyText = (fen: bigint): string => {
  const sign = fen < 0n ? '-' : '';
  const magnitude = fen < 0n ? -fen : fen;
  return `${sign}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`;
};
