import type { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';

// MQTT.js leaves Nagle's algorithm on. A request/response exchange of small packets then waits for the
// peer's delayed ACK (40 ms on Linux) at nearly every step; with TCP_NODELAY each packet leaves at once.

export const sendWithoutDelay = (client: MqttClient): void => {
  const apply = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
  apply();
  client.on('connect', apply);
};
