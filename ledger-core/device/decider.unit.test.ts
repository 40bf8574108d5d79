import { describe, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import {
  deviceCommand,
  deviceDecommissioned,
  deviceId,
  deviceRegistered,
  merchantId,
} from '../../testing/ledger-fixtures.ts';
import { deviceDecider } from './decider.ts';

const spec = deciderSpec(deviceDecider);
const register = (keyId = 'k1') =>
  deviceCommand({ type: 'RegisterDevice', deviceId, merchantId, kind: 'pos', keyId });
const decommission = deviceCommand({ type: 'DecommissionDevice', deviceId });

describe('device decider', () => {
  it('registers a device', () => {
    spec.given([]).when(register()).then([deviceRegistered()]);
  });

  it('refuses to register a device twice, also with a new key and after decommissioning: device_exists', () => {
    spec.given([deviceRegistered()]).when(register('k2')).thenThrows('device_exists');
    spec.given([deviceRegistered(), deviceDecommissioned()]).when(register()).thenThrows('device_exists');
  });

  it('decommissions a device once; again changes nothing', () => {
    spec.given([deviceRegistered()]).when(decommission).then([deviceDecommissioned()]);
    spec.given([deviceRegistered(), deviceDecommissioned()]).when(decommission).thenNothing();
  });

  it('refuses to decommission an unknown device: unknown_device', () => {
    spec.given([]).when(decommission).thenThrows('unknown_device');
  });
});
