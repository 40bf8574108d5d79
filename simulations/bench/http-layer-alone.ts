import type { Logger } from 'pino';
import { buildCommandApi } from '../../command-api/index.ts';
import type { CommandHandler, CommandOutcome, LedgerCommand } from '../../ledger-core/index.ts';

// The http benchmark's second baseline: the same command-api (auth, rate limit, zod, metrics, logging,
// problem+json) in front of a handler that answers every charge at once, deciding and writing nothing.
// Its rate is what the HTTP layer alone can serve on this machine: the real API cannot go faster, and
// its main-thread time per request is the HTTP layer's own cost, measured rather than estimated.

const instantOutcome = (command: LedgerCommand): CommandOutcome => {
  if (command.type !== 'Charge')
    throw new Error(`the HTTP-layer baseline only answers charges, got ${command.type}`);
  return {
    status: 'accepted',
    streamId: `account-${command.accountId}`,
    txId: command.txId,
    balance: '1000000.00',
    position: 0n,
    revision: 0,
    replayed: false,
    events: [],
    state: {} as CommandOutcome['state'],
  };
};

const instantHandler: Pick<CommandHandler, 'handle' | 'queueLength'> = {
  handle: async (command) => instantOutcome(command),
  queueLength: () => 0,
};

export const buildHttpLayerAlone = (options: {
  jwtSecret: string;
  deviceMasterKey: string;
  timeZone: string;
  logger: Logger;
  rateLimit: { maxRequests: number; timeWindowMs: number };
}) =>
  buildCommandApi({
    handler: instantHandler,
    store: { headPosition: async () => 0n },
    auth: { jwtSecret: options.jwtSecret },
    deviceMasterKey: options.deviceMasterKey,
    timeZone: options.timeZone,
    logger: options.logger,
    rateLimit: options.rateLimit,
  });
