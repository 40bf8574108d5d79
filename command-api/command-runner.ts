import type { FastifyRequest } from 'fastify';
import { actorOf, type HttpMetrics, identityOf } from '../http-kit/index.ts';
import {
  type CommandContext,
  type CommandHandler,
  type CommandOutcome,
  isLedgerRejection,
  type LedgerCommand,
} from '../ledger-core/index.ts';

// Runs a command for a request: the request supplies the context the events will carry (who, which
// request caused it, which correlation and trace it belongs to), and every outcome is counted.

export type RunCommand = (request: FastifyRequest, command: LedgerCommand) => Promise<CommandOutcome>;

export const contextOf = (request: FastifyRequest): CommandContext => ({
  correlationId: request.correlationId,
  causationId: request.id,
  actor: actorOf(identityOf(request)),
  ...(request.traceparent ? { traceparent: request.traceparent } : {}),
});

export const createCommandRunner =
  (handler: Pick<CommandHandler, 'handle'>, metrics: HttpMetrics): RunCommand =>
  async (request, command) => {
    try {
      const outcome = await handler.handle(command, contextOf(request));
      metrics.countCommand(command.type, outcome.replayed ? 'replayed' : 'accepted');
      return outcome;
    } catch (error) {
      metrics.countCommand(command.type, isLedgerRejection(error) ? error.code : 'error');
      throw error;
    }
  };
