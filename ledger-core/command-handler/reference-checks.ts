import { LRUCache } from 'lru-cache';
import type { LedgerCommand } from '../commands.ts';
import { type DeviceState, deviceDecider } from '../device/decider.ts';
import type { EventStore } from '../event-store/port.ts';
import { streamIdOf } from '../ids.ts';
import { merchantDecider } from '../merchant/decider.ts';
import { LedgerRejection } from '../rejection.ts';
import { sharedCall } from '../shared-calls.ts';
import { toDatedEvent } from './aggregates.ts';

// Checks a command makes against streams other than its own: the merchant it names exists, the device
// it names is active and belongs to that merchant. Registrations are permanent, so a merchant once
// seen is remembered; a device is remembered briefly, because it can be decommissioned.

const deviceMemoryMs = 2_000;
const maxRememberedEntities = 10_000;

export type ReferenceChecks = { check: (command: LedgerCommand) => Promise<void> };

export const createReferenceChecks = (store: Pick<EventStore, 'readStream'>): ReferenceChecks => {
  const knownMerchants = new LRUCache<string, true>({ max: maxRememberedEntities });
  const devices = new LRUCache<string, DeviceState>({ max: maxRememberedEntities, ttl: deviceMemoryMs });

  // Lookups of one entity already under way are shared: a burst of charges from one terminal whose
  // memory just expired costs one read, not one per charge.
  const merchantReads = new Map<string, Promise<void>>();
  const deviceReads = new Map<string, Promise<DeviceState>>();

  const readMerchant = async (merchantId: string) => {
    const events = await store.readStream(streamIdOf('merchant', merchantId));
    let state = merchantDecider.initialState();
    for (const event of events) state = merchantDecider.evolve(state, toDatedEvent(event) as never);
    if (state.status === 'absent')
      throw new LedgerRejection('merchant_not_found', `no merchant ${merchantId}`);
    knownMerchants.set(merchantId, true);
  };
  const requireMerchant = async (merchantId: string) => {
    if (knownMerchants.has(merchantId)) return;
    await sharedCall(merchantReads, merchantId, () => readMerchant(merchantId));
  };

  const readDevice = async (deviceId: string): Promise<DeviceState> => {
    let state = deviceDecider.initialState();
    for (const event of await store.readStream(streamIdOf('device', deviceId))) {
      state = deviceDecider.evolve(state, toDatedEvent(event) as never);
    }
    devices.set(deviceId, state);
    return state;
  };
  const deviceState = async (deviceId: string): Promise<DeviceState> =>
    devices.get(deviceId) ?? sharedCall(deviceReads, deviceId, () => readDevice(deviceId));

  return {
    check: async (command) => {
      if (command.type === 'Charge') {
        await requireMerchant(command.merchantId);
        if (command.deviceId !== undefined) {
          const device = await deviceState(command.deviceId);
          if (device.status !== 'active')
            throw new LedgerRejection('unknown_device', `no active device ${command.deviceId}`);
          if (device.merchantId !== command.merchantId) {
            throw new LedgerRejection(
              'device_merchant_mismatch',
              `device ${command.deviceId} is not of ${command.merchantId}`,
            );
          }
        }
      } else if (command.type === 'RegisterDevice') {
        await requireMerchant(command.merchantId);
      }
    },
  };
};
