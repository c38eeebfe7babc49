import mqtt from 'mqtt';
import { ResilientWebSocket } from 'resilient-ws';

// MQTT is binary: ours pings with the protocol's PINGREQ, matches the PINGRESP by its
// bytes and keeps it from MQTT.js (which still sends its own keep-alive and gets its own
// answers). MQTT.js reconnects by itself, so ours does not.
export const MqttSocket = ResilientWebSocket.withOptions({
  reconnect: false,
  binaryType: 'arraybuffer',
  pingMessage: new Uint8Array([0xc0, 0x00]), // PINGREQ
  pongMessage: new Uint8Array([0xd0, 0x00]), // PINGRESP
  hidePongs: true,
});

export function mqttClient(url, options, Socket = MqttSocket) {
  return mqtt.connect(url, {
    createWebsocket: (wsUrl, protocols) => new Socket(wsUrl, protocols),
    ...options,
  });
}
