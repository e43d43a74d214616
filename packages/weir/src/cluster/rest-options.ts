/**
 * @module The REST endpoint's options with Flink's keys (`rest.port`, `rest.address`,
 * `rest.bind-address`, `rest.server.max-content-length`). They sit with the cluster's other options so
 * weir.yaml knows them; the REST server in `rest/` reads them.
 */
import { intOption, stringOption } from '../core/configuration.ts';

export const REST_PORT = intOption({
  key: 'rest.port',
  defaultValue: 8081,
  description: 'The port the REST endpoint listens on (0: any free port), and the port clients connect to.',
  min: 0,
  max: 65535,
});

export const REST_ADDRESS = stringOption({
  key: 'rest.address',
  defaultValue: '127.0.0.1',
  description: 'The address clients (`weir list`, `weir run --detached`, ...) connect to.',
});

export const REST_BIND_ADDRESS = stringOption({
  key: 'rest.bind-address',
  defaultValue: '127.0.0.1',
  description: 'The address the REST endpoint binds to. Beyond loopback it requires WEIR_REST_TOKEN.',
});

export const REST_MAX_CONTENT_LENGTH = intOption({
  key: 'rest.server.max-content-length',
  defaultValue: 1024 * 1024,
  description: 'The largest request body the REST endpoint accepts, in bytes; larger ones get 413.',
  min: 1024,
  max: 100 * 1024 * 1024,
});

export const REST_OPTIONS = [REST_PORT, REST_ADDRESS, REST_BIND_ADDRESS, REST_MAX_CONTENT_LENGTH] as const;
