import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { serviceAvailable, serviceUrls, uniqueName } from '../../testing/services.ts';

const mqttUp = await serviceAvailable('mqtt');

describe.skipIf(!mqttUp)('smoke: MQTT QoS 1 round trip', () => {
  it('delivers a QoS 1 message from one client to another', async () => {
    const topic = `${uniqueName('test')}/campus/v1/devices/pos-1/requests`;
    const subscriber = await mqtt.connectAsync(serviceUrls.mqtt, { clientId: uniqueName('sub') });
    const publisher = await mqtt.connectAsync(serviceUrls.mqtt, { clientId: uniqueName('pub') });
    try {
      await subscriber.subscribeAsync(topic, { qos: 1 });
      const received = new Promise<{ payload: string; qos: number }>((resolve) =>
        subscriber.once('message', (_topic, payload, packet) =>
          resolve({ payload: payload.toString(), qos: packet.qos }),
        ),
      );
      // publishAsync resolves only once the broker has sent PUBACK for a QoS 1 message.
      await publisher.publishAsync(topic, JSON.stringify({ seq: 1 }), { qos: 1 });
      expect(await received).toEqual({ payload: '{"seq":1}', qos: 1 });
    } finally {
      await Promise.all([subscriber.endAsync(), publisher.endAsync()]);
    }
  });
});
