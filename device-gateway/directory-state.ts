import {
  type LedgerEvent,
  type Position,
  parseStreamId,
  type RecordedEvent,
  upcastEvent,
} from '../ledger-core/index.ts';

// What the gateway needs to know of the ledger to route a request, folded from the global log: which
// devices exist (merchant, kind, key, active), which card number belongs to which account, and which
// cards a terminal must refuse when it is offline (lost, replaced, or of a closed account).

export type DirectoryDevice = {
  deviceId: string;
  merchantId: string;
  kind: 'pos' | 'kiosk';
  keyId: string;
  active: boolean;
  /** Position of the device's latest event: the version of its pushed config. */
  version: Position;
};

export type CardStatus = 'current' | 'lost' | 'replaced' | 'closed';
export type DirectoryCard = { cardNo: string; accountId: string; status: CardStatus };

export type LostCardList = { version: Position; cards: string[] };

export type DirectoryChanges = { devices: DirectoryDevice[]; lostCardsChanged: boolean };

const relevantTypes = new Set([
  'DeviceRegistered',
  'DeviceDecommissioned',
  'AccountOpened',
  'CardReportedLost',
  'CardReplaced',
  'AccountClosed',
]);

export type DirectoryState = ReturnType<typeof createDirectoryState>;

export const createDirectoryState = () => {
  const devices = new Map<string, DirectoryDevice>();
  const cards = new Map<string, DirectoryCard>();
  const currentCardOfAccount = new Map<string, string>();
  // Insertion order is the order cards became refused; a card is never taken off (a lost card stays lost).
  const refusedCards = new Set<string>();
  let lostCardsVersion: Position = 0n;
  let position: Position = 0n;

  const refuse = (cardNo: string, status: CardStatus, accountId: string, at: Position) => {
    cards.set(cardNo, { cardNo, accountId, status });
    refusedCards.add(cardNo);
    lostCardsVersion = at;
  };

  const applyEvent = (event: LedgerEvent, recorded: RecordedEvent, changes: DirectoryChanges) => {
    const stream = parseStreamId(recorded.streamId);
    if (!stream) return;
    switch (event.type) {
      case 'DeviceRegistered': {
        const device = { ...event.data, active: true, version: recorded.position };
        devices.set(device.deviceId, device);
        changes.devices.push(device);
        return;
      }
      case 'DeviceDecommissioned': {
        const known = devices.get(stream.id);
        if (!known) return;
        const device = { ...known, active: false, version: recorded.position };
        devices.set(device.deviceId, device);
        changes.devices.push(device);
        return;
      }
      case 'AccountOpened':
        cards.set(event.data.cardNo, { cardNo: event.data.cardNo, accountId: stream.id, status: 'current' });
        currentCardOfAccount.set(stream.id, event.data.cardNo);
        return;
      case 'CardReportedLost':
        refuse(event.data.cardNo, 'lost', stream.id, recorded.position);
        changes.lostCardsChanged = true;
        return;
      case 'CardReplaced':
        refuse(event.data.oldCardNo, 'replaced', stream.id, recorded.position);
        cards.set(event.data.newCardNo, {
          cardNo: event.data.newCardNo,
          accountId: stream.id,
          status: 'current',
        });
        currentCardOfAccount.set(stream.id, event.data.newCardNo);
        changes.lostCardsChanged = true;
        return;
      case 'AccountClosed': {
        const cardNo = currentCardOfAccount.get(stream.id);
        if (cardNo === undefined) return;
        refuse(cardNo, 'closed', stream.id, recorded.position);
        changes.lostCardsChanged = true;
        return;
      }
      default:
        return;
    }
  };

  return {
    /** Folds a batch of the global log in position order; returns what changed for the pushes. */
    apply: (batch: RecordedEvent[]): DirectoryChanges => {
      const changes: DirectoryChanges = { devices: [], lostCardsChanged: false };
      for (const recorded of batch) {
        if (relevantTypes.has(recorded.type)) {
          applyEvent(
            upcastEvent(recorded.type, recorded.data, recorded.metadata.schemaVersion),
            recorded,
            changes,
          );
        }
        position = recorded.position;
      }
      return changes;
    },
    position: () => position,
    device: (deviceId: string) => devices.get(deviceId),
    card: (cardNo: string) => cards.get(cardNo),
    devices: () => [...devices.values()],
    lostCards: (maxCards: number): LostCardList => {
      const all = [...refusedCards];
      return { version: lostCardsVersion, cards: all.length > maxCards ? all.slice(-maxCards) : all };
    },
  };
};
