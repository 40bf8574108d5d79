import { authorize, noQuerySchema, problemResponses, type ZodFastify } from '../http-kit/index.ts';
import {
  type DeviceState,
  deriveDeviceSecret,
  type MerchantState,
  positionToString,
} from '../ledger-core/index.ts';
import { commandAccess } from './access.ts';
import type { RunCommand } from './command-runner.ts';
import {
  deviceResponseSchema,
  merchantResponseSchema,
  registerDeviceBodySchema,
  registerMerchantBodySchema,
} from './schemas.ts';

// Merchants and their terminals. A device's secret is derived from the master key (never stored) and
// shown once, in the registration response, which must not be cached anywhere on the way.

export type RegistryRouteDeps = { run: RunCommand; clock: () => Date; deviceMasterKey: string };

export const registerRegistryRoutes = (
  app: ZodFastify,
  { run, clock, deviceMasterKey }: RegistryRouteDeps,
): void => {
  app.post(
    '/v1/merchants',
    {
      schema: {
        summary: 'Register a merchant',
        tags: ['merchants'],
        security: [{ bearerAuth: [] }],
        querystring: noQuerySchema,
        body: registerMerchantBodySchema,
        response: { 201: merchantResponseSchema, ...problemResponses },
      },
      onRequest: authorize(commandAccess.registerMerchant),
    },
    async (request, reply) => {
      const outcome = await run(request, {
        type: 'RegisterMerchant',
        occurredAt: clock().toISOString(),
        ...request.body,
      });
      const merchant = outcome.state as MerchantState;
      return reply.code(201).send({
        merchantId: merchant.merchantId,
        name: merchant.name,
        category: merchant.category,
        position: positionToString(outcome.position),
      });
    },
  );

  app.post(
    '/v1/devices',
    {
      schema: {
        summary: 'Register a terminal; the response carries its secret, once',
        tags: ['devices'],
        security: [{ bearerAuth: [] }],
        querystring: noQuerySchema,
        body: registerDeviceBodySchema,
        response: { 201: deviceResponseSchema, ...problemResponses },
      },
      onRequest: authorize(commandAccess.registerDevice),
    },
    async (request, reply) => {
      const outcome = await run(request, {
        type: 'RegisterDevice',
        occurredAt: clock().toISOString(),
        ...request.body,
      });
      const device = outcome.state as DeviceState;
      return reply
        .code(201)
        .header('Cache-Control', 'no-store')
        .send({
          deviceId: device.deviceId,
          merchantId: device.merchantId,
          kind: device.kind,
          keyId: device.keyId,
          secret: deriveDeviceSecret(deviceMasterKey, device.deviceId, device.keyId),
          position: positionToString(outcome.position),
        });
    },
  );
};
