// device-gateway: MQTT POS terminals and kiosks → ledger-core commands, signed, exactly one answer per
// delivery, offline uploads, presence and retained pushes. Other components import only this file.
export type { DeviceStatusWriter, Presence } from './device-status.ts';
export { deviceStatusTable, migrateDeviceStatus } from './device-status.ts';
export type { DirectoryCard, DirectoryDevice, LostCardList } from './directory-state.ts';
export { type EmbeddedBroker, startEmbeddedBroker } from './embedded-broker.ts';
export {
  type DeviceGateway,
  type DeviceGatewayOptions,
  type DeviceGatewayStats,
  defaultMaxInflightCommands,
  startDeviceGateway,
} from './gateway.ts';
export { sendWithoutDelay } from './no-delay.ts';
export type { DeviceConfig } from './pushes.ts';
export {
  type DeviceRequest,
  type DeviceRequestType,
  type DeviceResponse,
  deviceRequestSchema,
  deviceRequestTypes,
  deviceResponseSchema,
  mayDeviceKindSend,
  requestTypesByDeviceKind,
  txIdOfDeviceRequest,
  type UnsignedDeviceRequest,
} from './request-schema.ts';
export type { SeqRange, SeqSummary } from './seq-ranges.ts';
export { defaultTopicPrefix, deviceTopic, lostCardsTopic } from './topics.ts';
