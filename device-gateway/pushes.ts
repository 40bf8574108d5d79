import type { Logger } from 'pino';
import type { DirectoryDevice, LostCardList } from './directory-state.ts';
import type { GatewayMetrics } from './metrics.ts';
import { requestTypesByDeviceKind } from './request-schema.ts';
import { deviceTopic, lostCardsTopic } from './topics.ts';

// Retained pushes to devices: each device's config, and the lost-card list every terminal keeps for
// offline mode. Both carry the ledger position they were made from as their version, so every gateway
// of a group publishes the same content for the same state, and a terminal can tell which is newer.
//
// The lost-card list is the one place full card numbers travel: a terminal cannot refuse a card
// offline without knowing its number. It goes only to the device broker, and never into a log line.

/** At most this many cards in the pushed list (the most recently refused); about 20 bytes each. */
export const defaultMaxLostCardsPushed = 100_000;
/** Retained configs published at once after start-up. */
const configPublishConcurrency = 64;

export type DeviceConfig = {
  deviceId: string;
  merchantId: string;
  kind: 'pos' | 'kiosk';
  status: 'active' | 'decommissioned';
  allowedRequests: readonly string[];
  /**
   * Offline policy: while cut off, a terminal may accept a charge of at most this amount per card and
   * transaction, and must refuse every card on the lost-card list. On upload the ledger applies each
   * account's own offline limit (I2) and refuses `offline_limit_exceeded` above it.
   */
  offlineLimit: string;
  /** The ledger's day boundary, for a terminal that keeps day totals while offline. */
  timeZone: string;
  version: string;
};

export type PublishRetained = (topic: string, payload: string) => Promise<void>;

export const deviceConfigOf = (
  device: DirectoryDevice,
  offlineLimit: string,
  timeZone: string,
): DeviceConfig => ({
  deviceId: device.deviceId,
  merchantId: device.merchantId,
  kind: device.kind,
  status: device.active ? 'active' : 'decommissioned',
  allowedRequests: requestTypesByDeviceKind[device.kind],
  offlineLimit,
  timeZone,
  version: device.version.toString(),
});

export const createPushes = (options: {
  publish: PublishRetained;
  topicPrefix: string;
  offlineLimit: string;
  timeZone: string;
  lostCards: () => LostCardList;
  metrics: GatewayMetrics;
  logger: Logger;
}) => {
  const { publish, topicPrefix, metrics, logger } = options;
  let lostCardsPublishing: Promise<void> | undefined;
  let lostCardsDirty = false;

  const publishConfig = async (device: DirectoryDevice) => {
    const config = deviceConfigOf(device, options.offlineLimit, options.timeZone);
    try {
      await publish(deviceTopic(topicPrefix, device.deviceId, 'config'), JSON.stringify(config));
      metrics.pushes.inc({ kind: 'config' });
    } catch (error) {
      logger.warn({ err: error, deviceId: device.deviceId }, 'device config push failed');
    }
  };

  /** Publishes the newest list; changes arriving meanwhile are folded into one more publish. */
  const publishLostCards = async (): Promise<void> => {
    if (lostCardsPublishing) {
      lostCardsDirty = true;
      return lostCardsPublishing;
    }
    lostCardsPublishing = (async () => {
      do {
        lostCardsDirty = false;
        const list = options.lostCards();
        try {
          await publish(
            lostCardsTopic(topicPrefix),
            JSON.stringify({ version: list.version.toString(), cards: list.cards }),
          );
          metrics.pushes.inc({ kind: 'lost_cards' });
          logger.info(
            { version: list.version.toString(), cards: list.cards.length },
            'lost-card list pushed',
          );
        } catch (error) {
          logger.warn({ err: error }, 'lost-card list push failed');
        }
      } while (lostCardsDirty);
    })().finally(() => {
      lostCardsPublishing = undefined;
    });
    return lostCardsPublishing;
  };

  return {
    publishConfig,
    publishLostCards,
    publishAllConfigs: async (devices: DirectoryDevice[]) => {
      for (let start = 0; start < devices.length; start += configPublishConcurrency) {
        await Promise.all(devices.slice(start, start + configPublishConcurrency).map(publishConfig));
      }
    },
  };
};
