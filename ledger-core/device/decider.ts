import type { DeviceCommand } from '../commands.ts';
import type { Dated, Decider } from '../decider.ts';
import type { DeviceEvent } from '../events.ts';
import { LedgerRejection } from '../rejection.ts';

export type DeviceState = {
  status: 'absent' | 'active' | 'decommissioned';
  deviceId: string;
  merchantId: string;
  kind: 'pos' | 'kiosk';
  keyId: string;
  revision: number;
};

export type DeviceDecider = Decider<DeviceState, DeviceCommand, Dated<DeviceEvent>>;

export const deviceDecider: DeviceDecider = {
  initialState: () => ({
    status: 'absent',
    deviceId: '',
    merchantId: '',
    kind: 'pos',
    keyId: '',
    revision: -1,
  }),
  evolve: (current, event) => {
    const state = { ...current, revision: current.revision + 1 };
    switch (event.type) {
      case 'DeviceRegistered':
        return { ...state, status: 'active', ...event.data };
      case 'DeviceDecommissioned':
        return { ...state, status: 'decommissioned' };
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'RegisterDevice':
        if (state.status !== 'absent') throw new LedgerRejection('device_exists');
        return [
          {
            type: 'DeviceRegistered',
            data: {
              deviceId: command.deviceId,
              merchantId: command.merchantId,
              kind: command.kind,
              keyId: command.keyId,
            },
            occurredAt: command.occurredAt,
          },
        ];
      case 'DecommissionDevice':
        if (state.status === 'absent') throw new LedgerRejection('unknown_device');
        return state.status === 'decommissioned'
          ? []
          : [{ type: 'DeviceDecommissioned', data: {}, occurredAt: command.occurredAt }];
    }
  },
};
