import { entityIdSchema } from '../ledger-core/index.ts';

// The MQTT topics of DESIGN.md, under a configurable prefix (tests use their own prefix to stay apart).

export const defaultTopicPrefix = 'campus/v1';

export type DeviceTopicLeaf = 'requests' | 'responses' | 'presence' | 'config';

export const deviceTopic = (prefix: string, deviceId: string, leaf: DeviceTopicLeaf): string =>
  `${prefix}/devices/${deviceId}/${leaf}`;

export const deviceTopicFilter = (prefix: string, leaf: DeviceTopicLeaf): string =>
  `${prefix}/devices/+/${leaf}`;

/** Several gateways in one group share the requests: the broker hands each message to one of them. */
export const sharedFilter = (filter: string, sharedGroup: string | undefined): string =>
  sharedGroup ? `$share/${sharedGroup}/${filter}` : filter;

export const lostCardsTopic = (prefix: string): string => `${prefix}/broadcast/lost-cards`;

export type ParsedDeviceTopic =
  | { ok: true; deviceId: string; leaf: DeviceTopicLeaf }
  /** The topic is not `{prefix}/devices/{id}/{leaf}` or the id is not a valid device id: nobody to answer. */
  | { ok: false; reason: 'bad_topic' };

const leaves: readonly string[] = ['requests', 'responses', 'presence', 'config'];

export const parseDeviceTopic = (prefix: string, topic: string): ParsedDeviceTopic => {
  const head = `${prefix}/devices/`;
  if (!topic.startsWith(head)) return { ok: false, reason: 'bad_topic' };
  const rest = topic.slice(head.length).split('/');
  const [deviceId, leaf] = rest;
  if (rest.length !== 2 || deviceId === undefined || leaf === undefined || !leaves.includes(leaf)) {
    return { ok: false, reason: 'bad_topic' };
  }
  if (!entityIdSchema.safeParse(deviceId).success) return { ok: false, reason: 'bad_topic' };
  return { ok: true, deviceId, leaf: leaf as DeviceTopicLeaf };
};
